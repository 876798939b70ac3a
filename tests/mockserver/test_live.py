"""Over real HTTP: the `aurous-mock serve` command as a user runs it, and the official OpenAI SDK."""

from __future__ import annotations

import queue
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import openai
import pytest
from conftest import DEFAULT_KEY, check_httpx_response

HDR = ("Aurous-Request-Id", "x-request-id", "Aurous-Version", "X-RateLimit-Limit", "X-RateLimit-Remaining",
       "X-RateLimit-Reset")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _lines(stream, sink: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        sink.put(line)
    sink.put(None)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    """`aurous-mock serve` in a subprocess: (base URL, the key it printed)."""
    port = _free_port()
    command = shutil.which("aurous-mock")
    argv = [command] if command else [sys.executable, "-m", "mockserver"]
    process = subprocess.Popen([*argv, "serve", "--port", str(port), "--scenario", "scripted-chat"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, output), daemon=True).start()
    key = None
    try:
        while True:
            line = output.get(timeout=20)
            assert line is not None, "aurous-mock serve exited before it was ready"
            if "test key" in line:
                key = line.rsplit(" ", 1)[-1].strip()
            if "Uvicorn running on" in line:
                break
        assert key is not None
        yield f"http://127.0.0.1:{port}", key
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_prints_a_working_key_and_answers_models(served):
    base_url, key = served
    with httpx.Client(base_url=base_url, event_hooks={"response": [check_httpx_response]}) as client:
        ok = client.get("/v1/models", headers={"X-Api-Key": key})
        assert ok.status_code == 200
        assert all(name in ok.headers for name in HDR)
        refused = client.get("/v1/models")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_api_key"
        assert client.get("/__mock/health").json()["status"] == "ok"


def test_serve_activates_scenarios_given_on_the_command_line(served):
    base_url, key = served
    with httpx.Client(base_url=base_url, event_hooks={"response": [check_httpx_response]}) as client:
        assert client.get("/__mock/scenarios").json()["active"] == ["scripted-chat"]
        reply = client.post("/v1/chat/completions", headers={"X-Api-Key": key},
                            json={"model": "aurous-grow-2.0-pro", "messages": [{"role": "user", "content": "Hi"}]})
        assert reply.json()["choices"][0]["message"]["content"] == "Sunny, 24 degrees."


@pytest.fixture
def sdk(live) -> Iterator[openai.OpenAI]:
    http = httpx.Client(event_hooks={"response": [check_httpx_response]})
    yield openai.OpenAI(base_url=f"{live.base_url}/v1", api_key=DEFAULT_KEY, http_client=http, max_retries=0)
    http.close()


def test_openai_sdk_lists_and_retrieves_models(sdk):  # B-CHAT-1 (models.list), B-CAT-1
    models = sdk.models.list()
    ids = {model.id for model in models}
    assert "aurous-grow-2.0-pro" in ids
    assert sdk.models.retrieve("aurous-embed-vision-1.0").id == "aurous-embed-vision-1.0"


def test_openai_sdk_sees_every_header_with_raw_response(sdk):  # B-HDR-1..3, B-HDR-5
    raw = sdk.models.with_raw_response.list()
    assert all(raw.headers.get(name) for name in HDR)
    assert raw.request_id == raw.headers["Aurous-Request-Id"]
    raw.parse()


def test_openai_sdk_raises_typed_errors_with_the_catalog_code(live):  # B-ERR-1, B-AUTH-3
    http = httpx.Client(event_hooks={"response": [check_httpx_response]})
    client = openai.OpenAI(base_url=f"{live.base_url}/v1", api_key="al_live_" + "1" * 64, http_client=http,
                           max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.models.list()
    assert caught.value.code == "invalid_api_key"
    assert caught.value.type == "authentication_error"
    with pytest.raises(openai.NotFoundError) as missing:
        openai.OpenAI(base_url=f"{live.base_url}/v1", api_key=DEFAULT_KEY, http_client=http,
                      max_retries=0).models.retrieve("aurous-chat-pro")
    assert missing.value.code == "model_not_found"
    http.close()


@pytest.mark.anyio
async def test_async_openai_sdk_lists_models(live):  # B-CHAT-1
    async def check(response: httpx.Response) -> None:
        await response.aread()
        check_httpx_response(response)

    async with httpx.AsyncClient(event_hooks={"response": [check]}) as http:
        client = openai.AsyncOpenAI(base_url=f"{live.base_url}/v1", api_key=DEFAULT_KEY, http_client=http)
        page = await client.models.list()
        assert any(model.id == "aurous-grow-2.0-lite" for model in page.data)


def test_live_admin_clock_moves_key_grace(live_reset):  # B-AUTH-4 across processes' view: the admin clock
    with live_reset.client() as client:
        team = client.post("/__mock/teams", json={}).json()
        client.post(f"/__mock/teams/{team['team_id']}/rotate_key", json={"api_key": team["api_key"]})
        client.post("/__mock/clock/advance", json={"seconds": 86400})
        assert client.get("/v1/team", headers={"X-Api-Key": team["api_key"]}).status_code == 401
