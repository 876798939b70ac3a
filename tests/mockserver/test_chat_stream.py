"""Streamed chat completions (B-CHAT-5, B-IDEM-5, B-CHAT-11): the frames, their agreement with the
unstreamed answer, and a true stream that leaves frame by frame."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import auth
from spec_check import CHECKER
from test_chat import CITY_SCHEMA, PRO, USER, WEATHER

from mockserver import create_app


def frames(text: str) -> list[dict[str, Any]]:
    events = text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    return [json.loads(event.removeprefix("data: ")) for event in events[:-2]]


def post(client, headers: dict[str, str] | None = None, **body: Any):
    body = {"model": PRO, "messages": USER, **body}
    return client.post("/v1/chat/completions", headers=auth(**(headers or {})), json=body)


def assemble(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """What a client rebuilds from the chunks: content, tool calls, finish reason, usage, logprobs."""
    content, calls, finish, usage, logprobs = "", {}, None, None, []
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk["choices"]:
            delta = choice["delta"]
            content += delta.get("content") or ""
            for call in delta.get("tool_calls") or ():
                entry = calls.setdefault(call["index"], {"id": None, "name": "", "arguments": ""})
                entry["id"] = call.get("id") or entry["id"]
                entry["name"] += call.get("function", {}).get("name", "")
                entry["arguments"] += call.get("function", {}).get("arguments", "")
            finish = choice["finish_reason"] or finish
            if choice.get("logprobs"):
                logprobs.extend(choice["logprobs"]["content"])
    return {"content": content, "calls": list(calls.values()), "finish": finish, "usage": usage,
            "logprobs": logprobs}


def unstreamed(body: dict[str, Any]) -> dict[str, Any]:
    choice = body["choices"][0]
    calls = [{"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
             for c in choice["message"].get("tool_calls") or ()]
    return {"content": choice["message"]["content"] or "", "calls": calls, "finish": choice["finish_reason"],
            "usage": body["usage"], "logprobs": (choice["logprobs"] or {}).get("content") or []}


SAME_REQUESTS = {
    "text": {},
    "cut": {"max_tokens": 7},
    "stop": {"stop": [" the"]},
    "logprobs": {"logprobs": True, "top_logprobs": 2},
    "reasoning": {"reasoning_effort": "medium"},
    "forced tool": {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
    "json schema": {"response_format": {"type": "json_schema", "json_schema": {"name": "c", "schema": CITY_SCHEMA}}},
    "image": {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]},
}


@pytest.mark.parametrize("changes", SAME_REQUESTS.values(), ids=list(SAME_REQUESTS))
def test_the_stream_carries_what_the_unstreamed_call_returns(client, changes):  # B-CHAT-5
    plain = unstreamed(post(client, **changes).json())
    response = post(client, stream=True, **changes)
    assert response.headers["content-type"].startswith("text/event-stream")
    streamed = assemble(frames(response.text))
    for call in plain["calls"] + streamed["calls"]:
        call.pop("id")  # each call gets its own id
    assert streamed == plain


def test_every_chunk_shares_id_and_created_and_usage_comes_last(client):  # B-CHAT-5
    chunks = frames(post(client, stream=True).text)
    assert {(c["id"], c["created"], c["object"]) for c in chunks} == {
        (chunks[0]["id"], chunks[0]["created"], "chat.completion.chunk")}
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["credits_charged"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])
    assert not any("warning" in c or "error" in c for c in chunks)


def test_include_usage_false_leaves_usage_out(client):  # B-CHAT-5
    chunks = frames(post(client, stream=True, stream_options={"include_usage": False}).text)
    assert all("usage" not in c for c in chunks) and all(c["choices"] for c in chunks)


def test_an_idempotency_key_is_ignored_with_a_warning_in_the_first_chunk(client):  # B-IDEM-5
    response = post(client, headers={"Idempotency-Key": "stream-1"}, stream=True)
    assert response.headers["Aurous-Idempotency-Status"] == "ignored_streaming"
    chunks = frames(response.text)
    assert chunks[0]["warning"]["code"] == "idempotency_key_ignored_streaming"
    assert not any("warning" in c for c in chunks[1:])
    again = post(client, headers={"Idempotency-Key": "stream-1"}, stream=True)
    assert frames(again.text)[0]["id"] != chunks[0]["id"]  # processed again, not replayed
    assert post(client, stream=True).headers["Aurous-Idempotency-Status"] == "ignored_streaming"


def test_a_finished_stream_is_stored_completed_and_billed(client, mock):  # B-CHAT-3, B-CHAT-10
    before = mock.ledger.balance("team_default")
    chunks = frames(post(client, stream=True).text)
    stored = client.get(f"/v1/chat/completions/{chunks[0]['id']}", headers=auth()).json()
    assert stored["status"] == "completed"
    assert stored["choices"][0]["message"]["content"] == assemble(chunks)["content"]
    assert stored["usage"] == chunks[-1]["usage"]
    assert mock.ledger.balance("team_default") == pytest.approx(before - stored["usage"]["credits_charged"], abs=1e-6)


def test_a_provider_failure_mid_stream_sends_one_error_frame(client):  # B-CHAT-11, B-CHAT-5
    chunks = frames(post(client, stream=True, metadata={"aurous_mock_outcome": "provider_failure"}).text)
    assert [("error" in c) for c in chunks] == [False, True]
    assert chunks[1]["error"]["code"] == "chat_provider_unavailable"
    stored = client.get(f"/v1/chat/completions/{chunks[0]['id']}", headers=auth()).json()
    assert stored["status"] == "failed" and stored["error"]["code"] == "chat_provider_unavailable"


# --- a true stream, watched at the ASGI boundary -------------------------------------------------


async def run_asgi(app, body: dict[str, Any], fail_after: int | None = None) -> list[dict[str, Any]]:
    """Send one request to the app and record what it sends; `fail_after` body messages, the client
    goes away (the socket write fails, as uvicorn reports it)."""
    sent: list[dict[str, Any]] = []
    payload = json.dumps(body).encode()
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": payload, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if fail_after is not None and message["type"] == "http.response.body":
            if sum(m["type"] == "http.response.body" for m in sent) >= fail_after:
                raise OSError("connection reset by peer")
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8080), "state": {},
        "headers": [(b"x-api-key", auth()["X-Api-Key"].encode()), (b"content-type", b"application/json")],
    }
    try:
        await app(scope, receive, send)
    except OSError:
        pass
    return sent


@pytest.mark.anyio
async def test_each_chunk_leaves_as_its_own_message():
    app = create_app()
    sent = await run_asgi(app, {"model": PRO, "messages": USER, "stream": True})
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    joined = b"".join(m.get("body", b"") for m in bodies)
    CHECKER.check_sse(CHECKER._validator("/components/schemas/ChatCompletionChunk"), joined, "stream")
    assert len([m for m in bodies if m.get("body")]) == joined.count(b"data: ")  # one message per frame
    assert all(m.get("more_body") for m in bodies[:-1])


@pytest.mark.anyio
async def test_a_client_that_goes_away_leaves_the_completion_cancelled_and_billed_for_what_it_got():
    app = create_app()
    mock = app.state.mock
    before = mock.ledger.balance("team_default")
    sent = await run_asgi(app, {"model": PRO, "messages": USER, "stream": True}, fail_after=3)
    first = json.loads(next(m for m in sent if m["type"] == "http.response.body")["body"][len(b"data: "):])
    stored = json.loads(mock.store.get("chat_completions", first["id"])["body"])
    assert stored["status"] == "cancelled" and stored["error"]["code"] == "stream_cancelled"
    usage = stored["usage"]
    assert 0 < usage["completion_tokens"] <= 4  # two content chunks of two tokens were sent
    assert mock.ledger.balance("team_default") == pytest.approx(before - usage["credits_charged"], abs=1e-6)
    CHECKER._check_value(CHECKER._validator("/components/schemas/ChatCompletion"), stored, "stored")
