"""Idempotency-Key in process (B-IDEM-1..7): replays, conflicts, the window on the clock, streams, what is
spent on a replay, requests in flight, and the bounded store behind it."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
import pytest
from conftest import DEFAULT_KEY, auth, check_httpx_response
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.call import Call, Next
from mockserver.pipeline.runner import DEFAULT_STAGES, ApiApp
from mockserver.store import MemoryStore

PRO = "aurous-grow-2.0-pro"
EMBED = "aurous-embed-vision-1.0"
CHAT = {"model": PRO, "messages": [{"role": "user", "content": "Name three rivers in Europe."}], "max_tokens": 40,
        "temperature": 1}
DAY = 24 * 3600


def chat(client, key: str, body: Any = None, team_key: str = DEFAULT_KEY, **headers: str) -> httpx.Response:
    return client.post("/v1/chat/completions", json=CHAT if body is None else body,
                       headers=auth(team_key, **({"Idempotency-Key": key} | headers)))


def charges(client, team_key: str = DEFAULT_KEY) -> list[dict[str, Any]]:
    events = client.get("/v1/usage/events", params={"limit": 100}, headers=auth(team_key)).json()["data"]
    return [event for event in events if event["type"] == "charge"]


def test_a_replay_is_the_first_answer_byte_for_byte_and_is_not_billed_again(client, mock):  # B-IDEM-2
    first = chat(client, "order-1")
    second = chat(client, "order-1")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["Aurous-Idempotent-Replayed"] == "true"
    assert "Aurous-Idempotent-Replayed" not in first.headers
    assert first.headers["Aurous-Idempotency-Status"] == "processed"
    assert second.headers["Aurous-Idempotency-Status"] == "replayed"
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["Aurous-Request-Id"] != first.headers["Aurous-Request-Id"]
    completion_id = first.json()["id"]
    assert [c["generation_id"] for c in charges(client)].count(completion_id) == 1
    journal = client.get("/__mock/requests").json()["data"]
    mine = [e for e in journal if e["path"] == "/v1/chat/completions"]
    assert [e["idempotency"] for e in mine] == ["processed", "replayed"]
    assert mine[1]["replay_of"] == first.headers["Aurous-Request-Id"]


def test_a_replay_spends_a_request_but_no_tokens(client, new_team):  # B-IDEM-2, B-RL-1, B-RL-2
    key = new_team(rpm_limit=50, tpm_limit=100_000)["api_key"]
    with freeze_time("2026-07-01T00:00:05Z"):
        first = chat(client, "spend", team_key=key)
        second = chat(client, "spend", team_key=key)
    assert second.headers["Aurous-Idempotent-Replayed"] == "true"
    assert int(second.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"]) - 1
    assert second.headers["X-RateLimit-TPM-Remaining"] == first.headers["X-RateLimit-TPM-Remaining"]
    assert second.headers["x-ratelimit-remaining-tokens"] == first.headers["x-ratelimit-remaining-tokens"]


def test_another_body_with_the_key_is_a_conflict_the_sdk_must_not_retry(client):  # B-IDEM-3
    assert chat(client, "order-2").status_code == 200
    changed = dict(CHAT, max_tokens=41)
    conflict = chat(client, "order-2", changed)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_key_in_use"
    assert conflict.json()["error"]["type"] == "invalid_request"
    assert conflict.headers["x-should-retry"] == "false"
    assert len(charges(client)) == 1


def test_another_operation_with_the_key_is_a_conflict(client):  # B-IDEM-3
    assert chat(client, "shared").status_code == 200
    embedding = client.post("/v1/embeddings", json={"model": EMBED, "input": "hello"},
                            headers=auth(**{"Idempotency-Key": "shared"}))
    assert embedding.status_code == 409 and embedding.json()["error"]["code"] == "idempotency_key_in_use"


def test_keys_are_scoped_to_the_team(client, new_team):  # B-IDEM-2, B-RL-3
    other = new_team()["api_key"]
    mine = chat(client, "same-key")
    theirs = chat(client, "same-key", team_key=other)
    assert theirs.status_code == 200 and "Aurous-Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]


def test_without_a_key_every_call_processes_anew(client):  # B-IDEM-1
    first = client.post("/v1/chat/completions", json=CHAT, headers=auth())
    second = client.post("/v1/chat/completions", json=CHAT, headers=auth())
    assert first.json()["id"] != second.json()["id"]
    assert first.headers["Aurous-Idempotency-Status"] == second.headers["Aurous-Idempotency-Status"] == "none"
    assert len(charges(client)) == 2


@pytest.mark.parametrize("key", ["", "k" * 257])
def test_a_key_outside_1_to_256_characters_is_refused(client, key):  # B-IDEM-1
    response = chat(client, key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert charges(client) == []


def test_a_key_of_256_characters_is_honoured(client):  # B-IDEM-1
    chat(client, "k" * 256)
    assert chat(client, "k" * 256).headers["Aurous-Idempotent-Replayed"] == "true"


def test_the_key_is_free_again_after_24_hours_on_the_clock(client, mock):  # B-IDEM-4
    with freeze_time("2026-07-01T10:00:00Z") as frozen:
        first = chat(client, "daily")
        frozen.tick(DAY - 1)
        assert chat(client, "daily").headers.get("Aurous-Idempotent-Replayed") == "true"
        frozen.tick(1)
        again = chat(client, "daily")
    assert again.status_code == 200 and "Aurous-Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert len(charges(client)) == 2


def test_the_admin_clock_moves_the_window_too(client):  # B-IDEM-4, one clock
    first = chat(client, "advanced")
    client.post("/__mock/clock/advance", json={"seconds": DAY})
    again = chat(client, "advanced")
    assert "Aurous-Idempotent-Replayed" not in again.headers and again.json()["id"] != first.json()["id"]


def test_only_successful_answers_are_replayed(client, new_team):  # B-IDEM-6
    key = new_team(tpm_limit=30)["api_key"]  # CHAT reserves more than 30 tokens
    with freeze_time("2026-07-01T00:00:05Z") as frozen:
        refused = chat(client, "retry-me", team_key=key)
        assert refused.status_code == 429
        frozen.tick(60)
        small = dict(CHAT, max_tokens=1)
        assert chat(client, "retry-me", small, team_key=key).status_code == 200  # the key was left free
        replay = chat(client, "retry-me", small, team_key=key)
    assert replay.headers["Aurous-Idempotent-Replayed"] == "true"


def test_a_failed_call_frees_its_key(client):  # B-IDEM-6, B-CHAT-11
    failing = dict(CHAT, metadata={"aurous_mock_outcome": "provider_failure"})
    first = chat(client, "failing", failing)
    second = chat(client, "failing", failing)
    assert first.status_code == second.status_code == 502
    assert "Aurous-Idempotent-Replayed" not in second.headers
    journal = [e for e in client.get("/__mock/requests").json()["data"] if e["path"] == "/v1/chat/completions"]
    assert [e["idempotency"] for e in journal] == ["processed", "processed"]


def test_a_stream_ignores_the_key(client):  # B-IDEM-5
    body = dict(CHAT, stream=True)
    first = chat(client, "streamed", body)
    second = chat(client, "streamed", body)
    for response in (first, second):
        assert response.headers["Aurous-Idempotency-Status"] == "ignored_streaming"
        assert "Aurous-Idempotent-Replayed" not in response.headers
    ids = {json.loads(line[6:])["id"] for r in (first, second) for line in r.text.splitlines()
           if line.startswith("data: {")}
    assert len(ids) == 2
    # A stream never claimed the key: the same key on a non-streamed call processes.
    assert chat(client, "streamed").headers["Aurous-Idempotency-Status"] == "processed"


def test_an_invalid_request_never_claims_the_key(client):  # B-IDEM-6, B-ERR-3
    bad = dict(CHAT, temperature=9)
    assert chat(client, "invalid-first", bad).status_code == 400
    assert chat(client, "invalid-first").status_code == 200


def test_embeddings_replay_the_same_vectors_once_billed(client):  # B-IDEM-1, B-IDEM-2, B-EMB-1
    body = {"model": EMBED, "input": "rivers of Europe"}
    headers = auth(**{"Idempotency-Key": "vectors"})
    first = client.post("/v1/embeddings", json=body, headers=headers)
    second = client.post("/v1/embeddings", json=body, headers=headers)
    assert second.content == first.content and second.headers["Aurous-Idempotent-Replayed"] == "true"
    assert "Aurous-Idempotency-Status" not in second.headers  # chat only (B-IDEM-5)
    assert len(charges(client)) == 1


def test_a_replay_echoes_the_version_its_body_was_made_under(client):  # B-IDEM-2, B-VER-1
    first = chat(client, "pinned", **{"Aurous-Version": "2026-05-15"})
    second = chat(client, "pinned")
    assert first.headers["Aurous-Version"] == second.headers["Aurous-Version"] == "2026-05-15"


def test_numbers_compare_by_value(client):  # B-IDEM-2: `1` and `1.0` are the same number (DECISIONS)
    chat(client, "numbers")
    raw = json.dumps(CHAT).replace('"temperature": 1', '"temperature": 1.0e0').encode()
    replay = client.post("/v1/chat/completions", content=raw,
                         headers=auth(**{"Idempotency-Key": "numbers", "Content-Type": "application/json"}))
    assert replay.headers["Aurous-Idempotent-Replayed"] == "true"


def _spelled(value: Any, rng: random.Random) -> str:
    """JSON for `value` with its keys in another order and other whitespace."""
    space = lambda: rng.choice(["", " ", "\n", "\t ", "  \r\n"])  # noqa: E731
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        inner = ",".join(f"{space()}{json.dumps(k)}{space()}:{space()}{_spelled(v, rng)}{space()}" for k, v in items)
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ",".join(space() + _spelled(v, rng) + space() for v in value) + "]"
    return json.dumps(value, ensure_ascii=rng.random() < 0.5)


BODY = {"model": PRO, "max_tokens": 30, "temperature": 0.5, "stop": ["\n\n", "END"], "metadata": {"a": "é", "b": "x"},
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]}
_examples = iter(range(10**6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.randoms(use_true_random=False))
def test_any_order_or_spacing_of_the_body_replays(client, order):  # B-IDEM-2
    key = f"spelling-{next(_examples)}"
    headers = auth(**{"Idempotency-Key": key, "Content-Type": "application/json"})
    first = client.post("/v1/chat/completions", content=json.dumps(BODY).encode(), headers=headers)
    again = client.post("/v1/chat/completions", content=_spelled(BODY, order).encode(), headers=headers)
    assert again.status_code == 200 and again.headers["Aurous-Idempotent-Replayed"] == "true"
    assert again.content == first.content


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [path]


def _changed(value: Any, path: tuple) -> Any:
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = old + 1 if isinstance(old, int | float) else old + "!"
    return copy


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leaf=st.sampled_from([leaf for leaf in _leaves(BODY) if leaf[-1] not in ("model", "role")]))  # stay valid
def test_any_changed_value_conflicts(client, leaf):  # B-IDEM-3
    key = f"changed-{next(_examples)}"
    assert chat(client, key, BODY).status_code == 200
    conflict = chat(client, key, _changed(BODY, leaf))
    assert conflict.status_code == 409, (leaf, conflict.text)
    assert conflict.json()["error"]["code"] == "idempotency_key_in_use"


@pytest.mark.anyio
async def test_a_request_in_flight_is_processed_once_and_a_duplicate_waits(mock):  # B-IDEM-7
    """A stage after idempotency holds the first request inside its handler, so the second arrives while
    the first is in flight."""
    gate, entered = asyncio.Event(), asyncio.Event()

    async def hold_first(call: Call, call_next: Next):
        if not entered.is_set():
            entered.set()
            await gate.wait()
        return await call_next(call)

    app = ApiApp(mock, [*DEFAULT_STAGES, hold_first])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock",
                                 event_hooks={"response": [_checked]}) as http:
        headers = auth(**{"Idempotency-Key": "in-flight"})
        first = asyncio.create_task(http.post("/v1/chat/completions", json=CHAT, headers=headers))
        await entered.wait()
        duplicate = await http.post("/v1/chat/completions", json=CHAT, headers=headers)
        other = await http.post("/v1/chat/completions", json=dict(CHAT, max_tokens=3), headers=headers)
        gate.set()
        done = await first
        replay = await http.post("/v1/chat/completions", json=CHAT, headers=headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_request_in_progress"
    assert duplicate.headers["x-should-retry"] == "true" and duplicate.headers["Retry-After"] == "1"
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_in_use"
    assert done.status_code == 200 and replay.content == done.content
    assert replay.headers["Aurous-Idempotent-Replayed"] == "true"
    assert len([line for line in mock.ledger.lines("team_default") if line["type"] == "charge"]) == 1


async def _checked(response: httpx.Response) -> None:
    await response.aread()
    check_httpx_response(response)


def test_idempotency_state_lives_in_the_store(client, mock):  # design: state behind one interface
    chat(client, "stored")
    held = mock.store.claim_live("idempotency", "team_default:stored", {}, mock.clock.time() + 1, mock.clock.time())
    assert held is not None and held["done"] is True and json.loads(held["body"])["object"] == "chat.completion"


def test_live_values_expire_and_stay_within_their_byte_budget():
    store = MemoryStore(live_bytes=1000)
    store.put_live("ns", "a", 1, expires_at=10, now=0, size=400)
    store.put_live("ns", "b", 2, expires_at=11, now=0, size=400)
    assert store.claim_live("ns", "a", 9, expires_at=12, now=5) == 1
    store.put_live("ns", "c", 3, expires_at=12, now=5, size=400)  # over budget: the oldest goes
    assert store.claim_live("ns", "a", 9, expires_at=20, now=5) is None
    store.put_live("ns", "d", 4, expires_at=30, now=11.5, size=0)  # b has expired: forgotten in passing
    live = store._live["ns"]
    assert len(live) == 3 and live.get("b", 11.5) is None and live.get("c", 11.5) == 3 and live.get("a", 11.5) == 9
    store.drop_live("ns", "c")
    assert live.get("c", 11.5) is None


def test_memory_stays_flat_under_fresh_keys(client, mock):  # bounded: entries expire with the window
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        for day in range(3):
            for i in range(20):
                assert chat(client, f"day{day}-{i}", dict(CHAT, max_tokens=1)).status_code == 200
            assert len(mock.store._live["idempotency"]) == 20
            frozen.tick(DAY + 1)
        chat(client, "last", dict(CHAT, max_tokens=1))
    assert len(mock.store._live["idempotency"]) == 1

