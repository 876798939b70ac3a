"""The scenario engine in process: matching, the limits (`nth`, `after`, `times`, `probability`),
counters per activation, every way to activate, the journal, loading and hot reload."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_KEY, PINNED_KEY, CheckedClient, auth
from jsonschema import Draft202012Validator

from mockserver import create_app
from mockserver.config import MockConfig
from mockserver.connection import ConnectionDropped
from mockserver.paths import data_dir
from mockserver.yamlfile import FixtureError, load_fast

CHAT = {"model": "aurous-grow-2.0-pro", "messages": [{"role": "user", "content": "Hello there"}], "max_tokens": 12}
EMBED = {"model": "aurous-embed-vision-1.0", "input": "hello"}
LIMITS = """\
description: limits
rules:
  - name: third only
    match: {method: GET, path: /v1/team}
    nth: 3
    error: invalid_format
  - match: {method: GET, path: /v1/balance}
    after: 1
    times: 2
    error: {code: rate_limit_exceeded, headers: {Retry-After: "7"}}
  - match: {method: POST, path: /v1/chat/completions, body: {messages.0.content: fail me}}
    error: chat_provider_unavailable
  - match: {path: "/v1/models/{model}", headers: {x-tenant: blue}}
    respond: {status: 404, body: {error: {code: model_not_found, type: not_found, message: scripted, param: null}}}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A copy of the bundled fixtures with an empty scenario folder, for the test's own scenarios."""
    target = tmp_path / "fixtures"
    shutil.copytree(data_dir("fixtures"), target, ignore=shutil.ignore_patterns("scenarios"))
    (target / "scenarios").mkdir()
    return target


@pytest.fixture
def serve(fixtures: Path) -> Callable[..., CheckedClient]:
    clients: list[CheckedClient] = []

    def start(**config: Any) -> CheckedClient:
        client = CheckedClient(create_app(MockConfig(fixtures_dir=fixtures, **config)))
        clients.append(client.__enter__())
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def journal(client: CheckedClient) -> list[dict[str, Any]]:
    return client.get("/__mock/requests").json()["data"]


def new_key(client: CheckedClient, **settings: Any) -> str:
    response = client.post("/__mock/teams", json=settings)
    assert response.status_code == 201, response.text
    return response.json()["api_key"]


def test_nth_after_times_and_body_and_header_matching(fixtures, serve):
    write(fixtures / "scenarios", "limits", LIMITS)
    client = serve()
    on = auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "limits"})
    assert [client.get("/v1/team", headers=on).status_code for _ in range(4)] == [200, 200, 400, 200]
    balances = [client.get("/v1/balance", headers=on) for _ in range(5)]
    assert [r.status_code for r in balances] == [200, 429, 429, 200, 200]
    assert balances[1].headers["Retry-After"] == "7"
    assert client.post("/v1/chat/completions", headers=on, json=CHAT).status_code == 200
    failing = {**CHAT, "messages": [{"role": "user", "content": "fail me"}]}
    assert client.post("/v1/chat/completions", headers=on, json=failing).status_code == 502
    assert client.get("/v1/models/aurous-grow-2.0-pro", headers=on).status_code == 200
    scripted = client.get("/v1/models/aurous-grow-2.0-pro", headers={**on, "X-Tenant": "blue"})
    assert scripted.status_code == 404 and scripted.json()["error"]["message"] == "scripted"
    fired = [e for e in journal(client) if e.get("scenarios")]
    assert [(e["path"], e["scenarios"][0]["rule"]) for e in fired] == [
        ("/v1/team", 0), ("/v1/balance", 1), ("/v1/balance", 1), ("/v1/chat/completions", 2),
        ("/v1/models/aurous-grow-2.0-pro", 3)]
    assert fired[0]["scenarios"][0] == {"scenario": "limits", "rule": 0, "name": "third only", "action": "error",
                                        "activation": "header", "call": 3}


def test_counters_are_kept_per_activation(fixtures, serve):
    write(fixtures / "scenarios", "limits", LIMITS)
    write(fixtures / "scenarios", "other", "description: x\nrules: [{match: {path: /x}, error: model_not_found}]\n")
    client = serve()
    team_a, team_b = new_key(client), new_key(client, scenarios=["limits"])

    def team_calls(key: str, header: str | None) -> list[int]:
        headers = auth(key) if header is None else auth(key, **{"Aurous-Mock-Scenario": header})
        return [client.get("/v1/team", headers=headers).status_code for _ in range(3)]

    # the same header under two teams, and two different headers under one team: four activations
    assert team_calls(team_a, "limits") == [200, 200, 400]
    assert team_calls(DEFAULT_KEY, "limits") == [200, 200, 400]
    assert team_calls(DEFAULT_KEY, "limits, other") == [200, 200, 400]
    # the team's own activation, and its header one, count apart
    assert team_calls(team_b, None) == [200, 200, 400]
    assert team_calls(team_b, "other") == [200, 200, 200]  # the team's scenario counts on: call 4, 5, 6
    assert [e["scenarios"][0]["activation"] for e in journal(client) if e.get("scenarios")] == ["header"] * 3 + [
        "team"]


def test_probability_is_drawn_from_the_seed(fixtures, serve):
    write(fixtures / "scenarios", "coin", """\
        description: a coin
        rules: [{match: {path: /v1/team}, probability: 0.5, error: invalid_format}]
        """)
    runs = []
    for seed in (0, 0, 1):
        client = serve(seed=seed)
        headers = auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "coin"})
        runs.append([client.get("/v1/team", headers=headers).status_code for _ in range(40)])
    assert runs[0] == runs[1] != runs[2]
    assert 8 <= runs[0].count(400) <= 32


def test_latency_is_seeded_and_journaled(fixtures, serve):
    write(fixtures / "scenarios", "slow", """\
        description: slow
        rules:
          - {match: {path: /v1/team}, latency: {uniform: [0.001, 0.004]}}
          - {match: {path: /v1/balance}, latency: {lognormal: {median: 0.002, sigma: 0.5}, max: 0.003}}
        """)
    draws = []
    for _ in range(2):
        client = serve()
        headers = auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "slow"})
        for path in ("/v1/team", "/v1/team", "/v1/balance"):
            assert client.get(path, headers=headers).status_code == 200
        draws.append([e["scenarios"][0]["latency_s"] for e in journal(client)])
    assert draws[0] == draws[1] and draws[0][0] != draws[0][1]
    assert all(0.001 <= d <= 0.004 for d in draws[0][:2]) and draws[0][2] <= 0.003


@pytest.mark.parametrize("name", ["nope", "../teams", "/etc/hosts", ".hidden"])
def test_unknown_scenario_in_the_header_is_refused(fixtures, serve, name):
    (fixtures / "scenarios" / ".hidden.yaml").write_text("description: x\nrules: [{error: invalid_format}]\n")
    client = serve()
    response = client.get("/v1/team", headers=auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": name}))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_format"
    assert response.json()["error"]["param"] == "Aurous-Mock-Scenario"
    assert client.get("/__mock/scenarios").json()["reload_errors"] == {}


def test_admin_lists_activates_and_deactivates(fixtures, serve):
    write(fixtures / "scenarios", "limits", LIMITS)
    client = serve()
    listing = client.get("/__mock/scenarios").json()
    assert [(s["name"], s["description"], s["rules"]) for s in listing["data"]] == [("limits", "limits", 4)]
    assert listing["active"] == [] and listing["reload_errors"] == {}
    assert client.post("/__mock/scenarios/nope").status_code == 404
    assert client.post("/__mock/scenarios/limits").json() == {"active": ["limits"]}
    other = new_key(client)
    assert [client.get("/v1/team", headers=auth(other)).status_code for _ in range(3)] == [200, 200, 400]
    assert client.get("/__mock/scenarios").json()["data"][0]["active_globally"] is True
    # activating again starts the counters afresh
    client.post("/__mock/scenarios/limits")
    assert [client.get("/v1/team", headers=auth(other)).status_code for _ in range(3)] == [200, 200, 400]
    assert client.delete("/__mock/scenarios").json() == {"active": []}
    assert [client.get("/v1/team", headers=auth(other)).status_code for _ in range(3)] == [200, 200, 200]
    assert journal(client)[2]["scenarios"][0]["activation"] == "global"


def test_the_whole_schema_is_served_and_validates_every_shipped_file():
    client = CheckedClient(create_app())
    schema = client.get("/__mock/scenarios/schema").json()
    Draft202012Validator.check_schema(schema)
    assert {"error", "latency", "stream", "generation", "webhook"} <= set(schema["$defs"]["rule"]["properties"])
    validator = Draft202012Validator(schema)
    for path in sorted((data_dir("fixtures") / "scenarios").glob("*.yaml")):
        assert not list(validator.iter_errors(load_fast(path))), path


def test_teams_get_scenarios_and_reset_turns_every_scenario_off(fixtures, serve):
    write(fixtures / "scenarios", "limits", LIMITS)
    client = serve(scenarios=("limits",))
    refused = client.post("/__mock/teams", json={"scenarios": ["limits", "nope"]})
    assert refused.status_code == 400 and "nope" in refused.json()["error"]["message"]
    created = client.post("/__mock/teams", json={"scenarios": ["limits"]}).json()
    assert created["scenarios"] == ["limits"]
    assert "scenarios" not in client.get("/v1/team", headers=auth(created["api_key"])).json()
    assert client.get("/__mock/scenarios").json()["active"] == ["limits"]  # from --scenario
    client.post("/__mock/reset")
    assert client.get("/__mock/scenarios").json()["active"] == []
    assert [client.get("/v1/team", headers=auth(DEFAULT_KEY)).status_code for _ in range(3)] == [200] * 3


def test_a_scenario_file_edit_is_picked_up_and_a_bad_edit_refused(fixtures, serve):
    path = write(fixtures / "scenarios", "edit", """\
        description: first
        rules: [{match: {path: /v1/team}, error: invalid_format}]
        """)
    client = serve(scenario_check_interval=0.0)  # look at the file on every call
    headers = auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "edit"})
    assert client.get("/v1/team", headers=headers).status_code == 400
    write(fixtures / "scenarios", "edit", """\
        description: second
        rules: [{match: {path: /v1/team}, error: {code: rate_limit_exceeded, headers: {Retry-After: "1"}}}]
        """)
    assert client.get("/v1/team", headers=headers).status_code == 429
    write(fixtures / "scenarios", "edit", """\
        description: broken
        rules:
          - match: {path: /v1/team}
            error: {code: 42}
        """)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert client.get("/v1/team", headers=headers).status_code == 429  # the last good version stays
    listing = client.get("/__mock/scenarios").json()
    assert listing["data"][0]["description"] == "second"
    assert listing["reload_errors"]["edit"].startswith(f"{path}:4: rules[0].error")
    write(fixtures / "scenarios", "added", "description: new\nrules: [{match: {path: /v1/team}, error: missing_field}]")
    added = client.get("/v1/team", headers=auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "added"}))
    assert added.status_code == 400
    path.unlink()
    assert client.get("/v1/team", headers=headers).status_code == 400  # gone: an unknown scenario
    assert [s["name"] for s in client.get("/__mock/scenarios").json()["data"]] == ["added"]


@pytest.mark.parametrize("text, where", [
    ("description: x\nrules:\n  - match: {path: /v1/team}\n    error: no_such\n", ":4: rules[0].error: 'no_such'"),
    ("description: x\nrules:\n  - match: {path: /v1/team}\n", ":3: rules[0]: names no action"),
    ("description: x\nrules:\n  - error: model_not_found\n    respond: {status: 200}", ":3: rules[0]: names 2 actions"),
    ("description: x\nrules:\n  - match: {method: GOT}\n    error: model_not_found\n", ":3: rules[0].match.method"),
    ("description: x\nrules:\n  - times: 0\n    error: model_not_found\n", ":3: rules[0].times: 0 is less than"),
    ("description: x\nrules:\n  - latency: {fixed: 1, uniform: [0, 1]}\n", ":3: rules[0].latency: give exactly one"),
    ("description: x\nrules:\n  - pin_version: '2099-01-01'\n", ":3: rules[0].pin_version: 2099-01-01 is not"),
    ("rules: []\n", ":1: (top level): 'description' is a required property"),
    ("description: x\nrules: [\n", ": not valid YAML"),
])
def test_a_broken_file_stops_start_up_with_file_line_and_field(fixtures, text, where):
    path = write(fixtures / "scenarios", "broken", text)
    with pytest.raises(FixtureError) as raised:
        create_app(fixtures=fixtures)
    assert str(raised.value).startswith(f"{path}:") and where in str(raised.value), str(raised.value)


def test_start_up_refuses_unknown_scenario_names(fixtures):
    with pytest.raises(FixtureError, match="no scenario 'nope' \\(--scenario\\)"):
        create_app(MockConfig(fixtures_dir=fixtures, scenarios=("nope",)))
    teams = fixtures / "teams.yaml"
    first = "  - id: team_default\n"
    teams.write_text(teams.read_text().replace(first, first + "    scenarios: [nope]\n", 1))
    with pytest.raises(FixtureError, match=r"teams\.yaml:\d+: teams\[0\]\.scenarios\[0\]: no scenario 'nope'"):
        create_app(fixtures=fixtures)


def test_drained_buckets_refuse_with_the_real_limiter(fixtures, serve):  # B-RL-1, B-RL-2, B-RL-3
    write(fixtures / "scenarios", "drain", """\
        description: drain
        rules:
          - {match: {path: /v1/team}, times: 1, rate_limit: {drain: requests}}
          - {match: {path: /v1/embeddings}, rate_limit: {drain: tokens}}
        """)
    client = serve()
    key, bystander = new_key(client, rpm_limit=50), new_key(client, rpm_limit=50)
    first = client.get("/v1/team", headers=auth(key, **{"Aurous-Mock-Scenario": "drain"}))
    assert first.status_code == 429 and first.json()["error"]["code"] == "rate_limit_exceeded"
    assert first.headers["X-RateLimit-Remaining"] == "0" and int(first.headers["Retry-After"]) >= 1
    assert client.get("/v1/balance", headers=auth(key)).status_code == 429  # no scenario: the bucket is empty
    assert client.get("/v1/balance", headers=auth(bystander)).status_code == 200
    tokens = client.post("/v1/embeddings", headers=auth(bystander, **{"Aurous-Mock-Scenario": "drain"}), json=EMBED)
    assert tokens.status_code == 429 and tokens.json()["error"]["code"] == "tokens_rate_limit_exceeded"
    assert tokens.headers["X-RateLimit-TPM-Remaining"] == "0"


def test_pin_version_answers_as_another_version(fixtures, serve):  # B-VER-4
    write(fixtures / "scenarios", "drift", "description: d\nrules: [{pin_version: '2026-06-19'}]\n")
    client = serve()
    pinned = auth(PINNED_KEY, **{"Aurous-Version": "2026-05-15"})
    assert client.get("/v1/pricing", headers=pinned).status_code == 200
    drifted = client.get("/v1/pricing", headers={**pinned, "Aurous-Mock-Scenario": "drift"})
    assert drifted.status_code == 404 and drifted.headers["Aurous-Version"] == "2026-06-19"
    models = client.get("/v1/models", headers={**pinned, "Aurous-Mock-Scenario": "drift"}).json()["data"]
    assert "chat_pricing" in next(m for m in models if m["id"] == "aurous-grow-2.0-pro")


def test_scripted_replies_tool_calls_and_vectors(fixtures, serve):
    write(fixtures / "scenarios", "script", """\
        description: script
        rules:
          - match: {path: /v1/chat/completions, body: {metadata.step: tools}}
            tool_calls: [{name: lookup, arguments: {q: a}}]
          - {match: {path: /v1/chat/completions}, chat_replies: ["One two three four.", "Second."]}
          - {match: {path: /v1/embeddings}, embedding: [3, 4]}
        """)
    client = serve()
    headers = auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "script"})
    first = client.post("/v1/chat/completions", headers=headers, json=CHAT).json()
    assert first["choices"][0]["message"]["content"] == "One two three four."
    cut = client.post("/v1/chat/completions", headers=headers, json={**CHAT, "max_tokens": 1}).json()
    assert cut["choices"][0] == {**cut["choices"][0], "finish_reason": "length"}
    assert "Second.".startswith(cut["choices"][0]["message"]["content"])
    own = client.post("/v1/chat/completions", headers=headers, json=CHAT).json()
    assert own["choices"][0]["message"]["content"] not in ("One two three four.", "Second.")
    tools = client.post("/v1/chat/completions", headers=headers, json={**CHAT, "metadata": {"step": "tools"}}).json()
    call = tools["choices"][0]["message"]["tool_calls"][0]
    assert call["function"] == {"name": "lookup", "arguments": '{"q":"a"}'}
    assert tools["choices"][0]["finish_reason"] == "tool_calls"
    vector = client.post("/v1/embeddings", headers=headers, json={**EMBED, "encoding_format": "float"}).json()
    values = vector["data"][0]["embedding"]
    assert len(values) == 1024 and values[:3] == [0.6, 0.8, 0.0] and not any(values[2:])


def test_stream_faults_pace_and_break_the_stream(fixtures, serve):  # B-CHAT-5, B-CHAT-11
    write(fixtures / "scenarios", "streams", """\
        description: streams
        rules:
          - match: {path: /v1/chat/completions, body: {metadata.case: error}}
            stream: {error_at: 2, error_code: internal_error}
          - {match: {path: /v1/chat/completions}, stream: {stall_s: 0.001, delay_s: 0.001}}
        """)
    client = serve()
    headers = auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "streams"})
    slow = client.post("/v1/chat/completions", headers=headers, json={**CHAT, "stream": True})
    assert slow.status_code == 200 and slow.text.endswith("data: [DONE]\n\n")
    entry = journal(client)[-1]
    assert entry["overrides"] == {"stream_stall": 0.001, "stream_delay": 0.001}
    broken = client.post("/v1/chat/completions", headers=headers,
                         json={**CHAT, "stream": True, "metadata": {"case": "error"}})
    frames = [f for f in broken.text.split("\n\n") if f.startswith("data: {")]
    assert len(frames) == 2 and '"code":"internal_error"' in frames[1]
    stored = client.get(f"/v1/chat/completions/{journal(client)[-1]['completion_id']}", headers=auth(DEFAULT_KEY))
    assert stored.json()["status"] == "failed" and stored.json()["error"]["code"] == "internal_error"


def test_transport_faults_in_process_raise_and_a_stream_can_be_malformed(fixtures, serve):
    """Without uvicorn there is no socket to break: the fault surfaces as `ConnectionDropped`. The
    journal still records the call, with status 0 when nothing was sent."""
    write(fixtures / "scenarios", "faults", """\
        description: faults
        rules:
          - {match: {path: /v1/team}, connection_reset: true}
          - {match: {path: /v1/chat/completions}, malformed_json: true}
        """)
    client = serve()
    headers = auth(DEFAULT_KEY, **{"Aurous-Mock-Scenario": "faults"})
    with pytest.raises(ConnectionDropped):
        client.get("/v1/team", headers=headers)
    assert journal(client)[-1]["status"] == 0
    with client.stream("POST", "/v1/chat/completions", headers=headers, json={**CHAT, "stream": True}) as stream:
        text = "".join(stream.iter_text())  # read raw: the checked client would refuse the broken frames
    frames = [frame for frame in text.split("\n\n") if frame.startswith("data: ")]
    assert frames[-1] == "data: [DONE]" and len(frames) > 2
    for frame in frames[:-1]:
        with pytest.raises(ValueError):
            json.loads(frame[len("data: "):])
