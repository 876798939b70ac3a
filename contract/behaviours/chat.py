"""Chat completions (B-CHAT-1..11)."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from ..context import Context
from ..errors import Skipped
from ..exchange import Exchange
from ..registry import check
from .common import STRICT_SCHEMAS, UNKNOWN_SUFFIX, id_pattern

CMP_ID = id_pattern("cmp")
STATUSES = {"completed", "in_progress", "failed", "cancelled"}
USAGE = {"prompt_tokens", "completion_tokens", "total_tokens", "credits_charged", "breakdown", "reasoning_tokens"}
BREAKDOWN = {"input_credits", "output_credits", "model", "pricing_version", "reasoning_credits"}
PRO = "aurous-grow-2.0-pro"
IMAGE = "https://example.com/cat.png"


def completion_problems(body: dict[str, Any], model: str) -> list[str]:
    """What B-CHAT-2 promises about one completion body."""
    problems = []
    if not CMP_ID.match(str(body.get("id"))):
        problems.append(f"id cmp_<ulid>, got {body.get('id')!r}")
    if body.get("object") != "chat.completion":
        problems.append(f"object chat.completion, got {body.get('object')!r}")
    if not isinstance(body.get("created"), int):
        problems.append("created as unix seconds")
    if body.get("model") != model:
        problems.append(f"model {model}, got {body.get('model')!r}")
    if len(body.get("choices") or []) != 1:
        problems.append(f"exactly one choice, got {len(body.get('choices') or [])}")
    usage = body.get("usage") or {}
    if not USAGE <= set(usage) or not BREAKDOWN <= set(usage.get("breakdown") or {}):
        problems.append(f"usage with {sorted(USAGE)} and breakdown {sorted(BREAKDOWN)}, got {usage}")
    elif usage["total_tokens"] not in (usage["prompt_tokens"] + usage["completion_tokens"],
                                       usage["prompt_tokens"] + usage["completion_tokens"] + usage["reasoning_tokens"]):
        problems.append(f"total_tokens = prompt + completion (+ reasoning) tokens, got {usage}")
    if body.get("status") not in STATUSES:
        problems.append(f"status in {sorted(STATUSES)}, got {body.get('status')!r}")
    if body.get("status") == "completed" and body.get("error") is not None:
        problems.append("no error on a completed completion")
    return problems


def expect_completion(ctx: Context, ex: Exchange, model: str) -> dict[str, Any]:
    ctx.expect_status(ex, 200)
    body = ex.json()
    problems = completion_problems(body, model)
    ctx.expect(not problems, "a completion as B-CHAT-2 documents it", "; ".join(problems), ex)
    return body


@check("B-CHAT-1", paid=True)
def openai_sdk_works(ctx: Context) -> None:
    try:
        import openai
    except ImportError:
        raise Skipped("the openai package is not installed (pip install openai)") from None
    client = openai.OpenAI(base_url=f"{ctx.target.base_url}/v1", api_key=ctx.target.api_key, max_retries=0)
    try:
        models = [m.id for m in client.models.list()]
        ctx.expect(PRO in models, f"{PRO} in client.models.list()", models)
        ctx.budget.reserve(0.02)
        raw = client.chat.completions.with_raw_response.create(
            model="aurous-grow-2.0-lite", max_tokens=2, messages=[{"role": "user", "content": "Say hi"}])
        completion = raw.parse()
        ctx.expect(raw.headers.get("aurous-request-id") and completion.choices[0].message.role == "assistant",
                   "with_raw_response: Aurous-Request-Id and a parsed completion", str(completion)[:200])
        ctx.budget.record({"usage": completion.usage.model_dump() if completion.usage else {}})
        chunks = list(client.chat.completions.create(model="aurous-grow-2.0-lite", max_tokens=2, stream=True,
                                                     messages=[{"role": "user", "content": "Say hi"}]))
        ctx.expect(chunks, "a stream of chunks through the SDK", "no chunks")
    except openai.OpenAIError as exc:
        ctx.fail("the OpenAI SDK to work unchanged", f"{type(exc).__name__}: {exc}")
    finally:
        client.close()


@check("B-CHAT-2", paid=True)
def completion_shape(ctx: Context) -> None:
    expect_completion(ctx, ctx.chat(), "aurous-grow-2.0-lite")


@check("B-CHAT-3", paid=True)
def stored_completion(ctx: Context) -> None:
    created = expect_completion(ctx, ctx.chat(), "aurous-grow-2.0-lite")
    got = ctx.call("GET", f"/v1/chat/completions/{created['id']}")
    ctx.expect_status(got, 200)
    ctx.expect(got.json().get("id") == created["id"] and got.json().get("choices") == created["choices"],
               "the stored completion, same id and choices", str(got.json())[:200], got)
    ctx.expect_status(ctx.call("GET", f"/v1/chat/completions/cmp_{UNKNOWN_SUFFIX}"), 404)


@check("B-CHAT-4")
def chat_validation(ctx: Context) -> None:
    base = {"model": "aurous-grow-2.0-lite", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
    ctx.expect_status(ctx.call("POST", "/v1/chat/completions", json_body={"messages": base["messages"]}), 400)
    ctx.expect_status(ctx.call("POST", "/v1/chat/completions", json_body={**base, "model": "x" * 129}), 400)
    ctx.expect_status(ctx.call("POST", "/v1/chat/completions", json_body={**base, "model": "aurous-chat-pro"}),
                      404, "model_not_found")
    embed = ctx.call("POST", "/v1/chat/completions", json_body={**base, "model": "aurous-embed-vision-1.0"})
    ctx.expect(400 <= embed.status < 500, "a 4xx for an embedding model in chat", embed.summary(), embed)
    too_many = [{"role": "user", "content": "hi"}] * 201
    ctx.expect_status(ctx.call("POST", "/v1/chat/completions", json_body={**base, "messages": too_many}), 400)
    cap = ctx.model(PRO)["aurous_metadata"]["max_output_tokens_hard_cap"]
    ctx.expect_status(ctx.call("POST", "/v1/chat/completions", json_body={**base, "model": PRO, "max_tokens": cap + 1}),
                      400, "max_tokens_exceeds_hard_cap")
    for field, value in (("temperature", 2.5), ("top_p", 1.5), ("presence_penalty", -2.5), ("frequency_penalty", 2.5),
                         ("top_logprobs", 21), ("stop", ["a", "b", "c", "d", "e"]), ("reasoning_effort", "extreme"),
                         ("max_tokens", 0)):
        ctx.expect_status(ctx.call("POST", "/v1/chat/completions", json_body={**base, field: value}), 400)


def read_stream(ctx: Context, body: dict[str, Any]) -> tuple[list[Any], str, Exchange]:
    """The frames of a streamed chat call (JSON objects, then the literal [DONE]) and the raw text."""
    ctx.budget.reserve(0.01)
    ex = ctx.target.post_stream("/v1/chat/completions", body)
    text = ex.body.decode(errors="replace")
    ctx.expect(ex.status == 200 and (ex.header("content-type") or "").startswith("text/event-stream"),
               "200 text/event-stream", f"{ex.status} {ex.header('content-type')}", ex)
    frames: list[Any] = []
    for event in [e for e in text.split("\n\n") if e.strip()]:
        lines = event.split("\n")
        ctx.expect(all(line.startswith("data: ") for line in lines), "only data: lines (no id:, retry:)",
                   event[:120], ex)
        payload = "\n".join(line[len("data: "):] for line in lines)
        if payload == "[DONE]":
            frames.append("[DONE]")
            continue
        try:
            value = json.loads(payload)
        except ValueError:
            value = None
        ctx.expect(isinstance(value, dict), "every data: but [DONE] a JSON object", payload[:120], ex)
        frames.append(value)
    ctx.expect(frames and frames[-1] == "[DONE]" and frames.count("[DONE]") == 1, "a stream ended by data: [DONE]",
               text[-120:], ex)
    if ex.status == 200:
        ctx.budget.record(frames[-2] if len(frames) > 1 else None)
    return frames[:-1], text, ex


@check("B-CHAT-5", paid=True)
def streaming(ctx: Context) -> None:
    body = {"model": "aurous-grow-2.0-lite", "max_tokens": 8, "messages": [{"role": "user", "content": "Name a fruit"}]}
    frames, _, ex = read_stream(ctx, {**body, "stream": True})
    for frame in frames:
        ctx.expect(frame.get("object") == "chat.completion.chunk" and "error" not in frame,
                   "chat.completion.chunk frames without error", str(frame)[:160], ex)
    usage = frames[-1].get("usage") if frames else None
    ctx.expect(isinstance(usage, dict) and "credits_charged" in usage,
               "usage with credits_charged on the last frame (include_usage defaults to true)", str(frames[-1:]), ex)
    streamed = "".join(f["choices"][0].get("delta", {}).get("content") or "" for f in frames if f.get("choices"))
    plain = expect_completion(ctx, ctx.call("POST", "/v1/chat/completions", json_body=body), body["model"])
    ctx.expect(streamed == plain["choices"][0]["message"]["content"], "the streamed content equal to the unstreamed",
               f"{streamed!r} vs {plain['choices'][0]['message']['content']!r}", ex)
    ctx.expect({k: usage.get(k) for k in ("prompt_tokens", "completion_tokens")} ==
               {k: plain["usage"].get(k) for k in ("prompt_tokens", "completion_tokens")},
               "the streamed usage equal to the unstreamed", f"{usage} vs {plain['usage']}", ex)
    quiet, _, ex = read_stream(ctx, {**body, "stream": True, "stream_options": {"include_usage": False}})
    ctx.expect(not any(f.get("usage") for f in quiet), "no usage with include_usage: false", str(quiet[-1:]), ex)


def expect_json_for(ctx: Context, schema: dict[str, Any], text: str, what: str, ex: Exchange) -> None:
    """`text` is a JSON string whose value is valid against `schema` (B-CHAT-6, B-CHAT-7)."""
    try:
        value = json.loads(text)
    except ValueError:
        ctx.fail(f"{what} as a JSON string", text[:200], ex)
    errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(value))
    ctx.expect(not errors, f"{what} valid against the schema sent", f"{errors[0].message if errors else ''} "
               f"in {text[:200]}", ex)


def _tool_call(ctx: Context, schema: dict[str, Any]) -> None:
    tool = {"type": "function", "function": {"name": "record_answer", "description": "Record it", "parameters": schema}}
    ex = ctx.chat("Record an answer", model=PRO, max_tokens=400, tools=[tool],
                  tool_choice={"type": "function", "function": {"name": "record_answer"}})
    body = expect_completion(ctx, ex, PRO)
    calls = body["choices"][0]["message"].get("tool_calls") or []
    ctx.expect(len(calls) >= 1 and calls[0].get("id") and calls[0]["function"]["name"] == "record_answer",
               "a tool call of the forced function with an id", str(calls)[:200], ex)
    expect_json_for(ctx, schema, calls[0]["function"]["arguments"], "function.arguments", ex)


@check("B-CHAT-6", paid=True)
def forced_tool_arguments_follow_the_schema(ctx: Context) -> None:
    ctx.property(STRICT_SCHEMAS, lambda schema: _tool_call(ctx, schema))
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    refused = ctx.call("POST", "/v1/chat/completions", json_body={
        "model": PRO, "messages": [{"role": "user", "content": "hi"}], "tools": [tool], "tool_choice": "required"})
    ctx.expect_status(refused, 400, "tool_choice_required_unsupported")


def _structured(ctx: Context, schema: dict[str, Any]) -> None:
    ex = ctx.chat("Fill it in", model="aurous-grow-2.0-lite", max_tokens=600,
                  response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": schema,
                                                                          "strict": True}})
    body = expect_completion(ctx, ex, "aurous-grow-2.0-lite")
    expect_json_for(ctx, schema, body["choices"][0]["message"].get("content") or "", "content", ex)


@check("B-CHAT-7", paid=True)
def structured_output_follows_the_schema(ctx: Context) -> None:
    ctx.property(STRICT_SCHEMAS, lambda schema: _structured(ctx, schema))
    ex = ctx.chat("Give me JSON", max_tokens=200, response_format={"type": "json_object"})
    content = expect_completion(ctx, ex, "aurous-grow-2.0-lite")["choices"][0]["message"].get("content") or ""
    try:
        json.loads(content)
    except ValueError:
        ctx.fail("json_object content that parses as JSON", content[:200], ex)


def _rate(ctx: Context, model: str, side: str) -> float:
    return float(ctx.model(model)["chat_pricing"][side]["credits_per_M"])


@check("B-CHAT-8", paid=True)
def reasoning_billed_at_the_output_rate(ctx: Context) -> None:
    ex = ctx.chat("Why is the sky blue?", model=PRO, max_tokens=16, reasoning_effort="low")
    usage = expect_completion(ctx, ex, PRO)["usage"]
    ctx.expect(usage["reasoning_tokens"] > 0, "reasoning_tokens > 0 with reasoning_effort", usage, ex)
    want = usage["reasoning_tokens"] * _rate(ctx, PRO, "output") / 1e6
    got = usage["breakdown"]["reasoning_credits"]
    ctx.expect(abs(got - want) <= 1e-6 + 1e-3 * want, f"reasoning_credits = reasoning_tokens x output rate = {want:g}",
               got, ex)


@check("B-CHAT-9", paid=True)
def image_parts_accepted(ctx: Context) -> None:
    vision = next((m["id"] for m in ctx.models() if m.get("kind") == "chat"
                   and (m.get("aurous_metadata") or {}).get("capabilities", {}).get("vision")), PRO)
    ex = ctx.call("POST", "/v1/chat/completions", json_body={
        "model": vision, "max_tokens": 1, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": IMAGE}}]}]})
    expect_completion(ctx, ex, vision)


@check("B-CHAT-10", paid=True)
def credits_follow_the_rates(ctx: Context) -> None:
    ex = ctx.chat("Tell me about Lisbon", model=PRO, max_tokens=6)
    usage = expect_completion(ctx, ex, PRO)["usage"]
    want = (usage["prompt_tokens"] * _rate(ctx, PRO, "input") + (usage["completion_tokens"] + usage["reasoning_tokens"])
            * _rate(ctx, PRO, "output")) / 1e6
    ctx.expect(abs(usage["credits_charged"] - want) <= 1e-6 + 1e-3 * want,
               f"credits_charged = tokens x the model's rates per million = {want:g}", usage, ex)
    version = ctx.model(PRO)["aurous_metadata"].get("pricing_version")
    ctx.expect(usage["breakdown"]["pricing_version"] == version, f"pricing_version {version} (the model's)",
               usage["breakdown"]["pricing_version"], ex)


@check("B-CHAT-11", admin=True)
def provider_failure(ctx: Context) -> None:
    """Only the mock can be told to fail (`metadata.aurous_mock_outcome`, its documented switch)."""
    team = ctx.team()
    ex = ctx.chat("hi", target=team, metadata={"aurous_mock_outcome": "provider_failure"})
    ctx.expect_status(ex, (500, 502, 503), "chat_provider_unavailable")
    ctx.expect(ex.json()["error"].get("type") == "server_error", "type server_error", ex.json()["error"], ex)
    entries = ctx.caps.require_admin().journal(team.team["team_id"])
    ids = [e.get("completion_id") for e in entries if e.get("completion_id")]
    ctx.expect(ids, "the failed completion's id in the journal", "none")
    stored = team.request("GET", f"/v1/chat/completions/{ids[-1]}")
    ctx.expect(stored.status == 200 and stored.json().get("status") == "failed"
               and (stored.json().get("error") or {}).get("code") == "chat_provider_unavailable",
               "the completion stored as failed with the error", stored.body[:200], stored)


