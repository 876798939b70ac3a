"""Every shipped scenario (fixtures/scenarios) loads and fires as its file describes, over real HTTP:
each file's `example` is sent to a live uvicorn server with `Aurous-Mock-Scenario`, under a fresh team,
and the caller must see what `expect` says. Transport faults are read off the socket itself (a reset, a
close before any byte, a body shorter than its Content-Length, a chunked stream that never ends), since
a fault is only real if the client sees it there. Responses are checked against the contract, except
the deliberately broken ones and the `501` of operations this build does not serve yet."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import check_httpx_response

from mockserver import create_app
from mockserver.paths import data_dir

LIBRARY = create_app().state.mock.scenarios
NAMES = LIBRARY.names()
FAULTS = ("connection_reset", "empty_response", "truncated_body", "stream_cut")


def test_the_library_covers_the_documented_codes_and_incidents():  # B-ERR-2
    documented = {code for code, entry in create_app().state.mock.fixtures.errors.items() if entry.get("documented")}
    assert {f"error-{code.replace('_', '-')}" for code in documented} <= set(NAMES)
    incidents = {"chat-provider-outage", "rate-limit-storm", "slow-stream", "stream-cut", "stream-error",
                 "stuck-generation", "failed-generation", "moderated-generation", "webhook-receiver-down",
                 "expired-outputs", "version-pin-drift", "flaky-chat"}
    assert incidents <= set(NAMES)
    for scenario in LIBRARY.all():
        assert scenario.description and scenario.example, f"{scenario.name} needs a description and an example"


def _team(live) -> str:
    with httpx.Client(base_url=live.base_url) as admin:
        created = admin.post("/__mock/teams", json={"rpm_limit": 1000})
    assert created.status_code == 201
    return created.json()["api_key"]


def _raw(live, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[bytes, BaseException | None]:
    """One request on a plain socket; everything received until the server closes, and how it closed."""
    host, port = live.base_url.removeprefix("http://").split(":")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError as error:
            return received, error
    return received, None


def _check_fault(fault: str, received: bytes, error: BaseException | None) -> None:
    if fault == "connection_reset":
        assert isinstance(error, ConnectionResetError) and received == b""
        return
    assert error is None
    if fault == "empty_response":
        assert received == b"", "the server sent bytes before closing"
        return
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
    if fault == "truncated_body":
        announced = int(headers[b"content-length"])
        assert 0 < len(body) < announced, (len(body), announced)
    else:  # stream_cut: chunked, never terminated, no [DONE]
        assert headers[b"transfer-encoding"] == b"chunked"
        assert not body.endswith(b"0\r\n\r\n") and b"[DONE]" not in body
        assert body.count(b"data: {") == 3


def _journal_entry(live, key: str) -> dict[str, Any]:
    with httpx.Client(base_url=live.base_url) as admin:
        entries = admin.get("/__mock/requests").json()["data"]
    mine = [e for e in entries if e["headers"].get("x-api-key", "").endswith(key[-4:])]
    return mine[-1]


@pytest.mark.parametrize("name", NAMES)
def test_shipped_scenario_fires_as_described(live, name):
    scenario = LIBRARY.get(name)
    assert scenario is not None and scenario.example is not None
    example, expect = scenario.example, scenario.example["expect"]
    key = _team(live)
    headers = {"X-Api-Key": key, "Aurous-Mock-Scenario": name, **example.get("headers", {})}
    body = json.dumps(example["body"]).encode() if "body" in example else b""
    if body:
        headers["Content-Type"] = "application/json"
    fault = expect.get("fault")
    started = time.perf_counter()
    if fault in FAULTS:
        received, error = _raw(live, example["method"], example["path"], headers, body)
        _check_fault(fault, received, error)
    else:
        with httpx.Client(base_url=live.base_url, timeout=10) as client:
            response = client.request(example["method"], example["path"], headers=headers, content=body)
        elapsed = time.perf_counter() - started
        if fault == "malformed_json":
            assert response.headers["content-type"] == "application/json"
            with pytest.raises(ValueError):
                json.loads(response.content)
        elif response.status_code != 501:  # 501: an operation this build does not serve yet
            check_httpx_response(response)
        if "status" in expect:
            assert response.status_code == expect["status"], response.text
        if "code" in expect:
            assert response.json()["error"]["code"] == expect["code"]
        if "min_seconds" in expect:
            assert elapsed >= expect["min_seconds"]
        if "content" in expect:
            assert response.json()["choices"][0]["message"]["content"] == expect["content"]
        if "stream_error" in expect:
            frames = [json.loads(line[6:]) for line in response.text.split("\n\n") if line.startswith("data: {")]
            assert frames[2]["error"]["code"] == expect["stream_error"] and len(frames) == 3
        if "version" in expect:
            assert response.headers["Aurous-Version"] == expect["version"]
    entry = _journal_entry(live, key)
    assert [note["scenario"] for note in entry["scenarios"]] == [name] * len(entry["scenarios"])
    assert all(note["activation"] == "header" for note in entry["scenarios"])
    if fault in ("connection_reset", "empty_response"):
        assert entry["status"] == 0  # no response was sent
    for override, value in expect.get("overrides", {}).items():
        assert entry["overrides"][override] == value


def test_the_readme_catalogue_lists_every_scenario_with_its_description():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for scenario in LIBRARY.all():
        assert f"| `{scenario.name}` | {scenario.description} |" in readme, scenario.name


def test_the_bundled_library_is_the_checkout_one():
    """`pip install .` bundles fixtures/scenarios (pyproject force-includes fixtures/): the server loads
    the same files as the checkout holds."""
    checkout = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
    assert data_dir("fixtures") / "scenarios" == Path(LIBRARY.directory)
    assert sorted(p.stem for p in checkout.glob("*.yaml")) == NAMES
