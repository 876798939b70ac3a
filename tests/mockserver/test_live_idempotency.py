"""Idempotency and rate limits over real HTTP with the official OpenAI SDK (B-IDEM-1..7, B-RL-1..3, B-HDR-3,
B-HDR-4): replays, a conflict the SDK does not retry, 50 concurrent duplicates, the window on the admin
clock, and the SDK waiting out a 429 until it succeeds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from conftest import check_httpx_response

PRO = "aurous-grow-2.0-pro"
ASK = [{"role": "user", "content": "Suggest a name for a bakery."}]


@pytest.fixture
def admin(live_reset) -> Iterator[httpx.Client]:
    with live_reset.client() as client:
        yield client


@pytest.fixture
def team(admin) -> dict[str, Any]:
    response = admin.post("/__mock/teams", json={"rpm_limit": 1000, "balance": 500})
    assert response.status_code == 201
    return response.json()


def sdk(live, key: str, **options: Any) -> openai.OpenAI:
    http = httpx.Client(event_hooks={"response": [check_httpx_response]})
    return openai.OpenAI(base_url=f"{live.base_url}/v1", api_key=key, http_client=http, **options)


def journal(admin: httpx.Client, team_id: str) -> list[dict[str, Any]]:
    return [e for e in admin.get("/__mock/requests").json()["data"] if e["team_id"] == team_id]


def charges(admin: httpx.Client, key: str) -> list[dict[str, Any]]:
    events = admin.get("/v1/usage/events", params={"limit": 100}, headers={"X-Api-Key": key}).json()["data"]
    return [e for e in events if e["type"] == "charge"]


def test_the_sdk_sees_a_replay_in_its_raw_response(live, admin, team):  # B-IDEM-2
    client = sdk(live, team["api_key"], max_retries=0)
    options = {"model": PRO, "messages": ASK, "max_tokens": 30, "extra_headers": {"Idempotency-Key": "bakery-1"}}
    first = client.chat.completions.with_raw_response.create(**options)
    second = client.chat.completions.with_raw_response.create(**options)
    assert first.headers.get("aurous-idempotent-replayed") is None
    assert second.headers["aurous-idempotent-replayed"] == "true"
    assert second.headers["aurous-idempotency-status"] == "replayed"
    assert second.http_response.content == first.http_response.content
    assert second.parse().id == first.parse().id
    assert len(charges(admin, team["api_key"])) == 1


def test_a_conflict_raises_once_without_a_retry(live, admin, team):  # B-IDEM-3
    client = sdk(live, team["api_key"], max_retries=3)
    key = {"Idempotency-Key": "bakery-2"}
    client.chat.completions.create(model=PRO, messages=ASK, max_tokens=30, extra_headers=key)
    with pytest.raises(openai.ConflictError) as raised:
        client.chat.completions.create(model=PRO, messages=ASK, max_tokens=31, extra_headers=key)
    assert raised.value.code == "idempotency_key_in_use"
    statuses = [e["status"] for e in journal(admin, team["team_id"]) if e["path"] == "/v1/chat/completions"]
    assert statuses == [200, 409]  # the SDK did not retry the 409


def test_fifty_concurrent_duplicates_make_one_completion_and_one_charge(live, admin, team):  # B-IDEM-7
    body = {"model": PRO, "messages": ASK, "max_tokens": 30}
    headers = {"X-Api-Key": team["api_key"], "Idempotency-Key": "bakery-3"}

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=live.base_url, limits=limits, timeout=30) as client:
            return await asyncio.gather(*(client.post("/v1/chat/completions", json=body, headers=headers)
                                          for _ in range(50)))

    responses = asyncio.run(burst())
    for response in responses:
        check_httpx_response(response)
    done = [r for r in responses if r.status_code == 200]
    waiting = [r for r in responses if r.status_code == 409]
    assert len(done) + len(waiting) == 50
    assert all(r.json()["error"]["code"] == "idempotency_request_in_progress" for r in waiting)
    assert len({r.json()["id"] for r in done}) == 1
    assert len({r.content for r in done}) == 1
    decisions = [e["idempotency"] for e in journal(admin, team["team_id"]) if e["path"] == "/v1/chat/completions"]
    assert decisions.count("processed") == 1
    assert len(charges(admin, team["api_key"])) == 1


def test_the_key_is_reusable_after_the_window_on_the_admin_clock(live, admin, team):  # B-IDEM-4
    client = sdk(live, team["api_key"], max_retries=0)
    options = {"model": PRO, "messages": ASK, "max_tokens": 30, "extra_headers": {"Idempotency-Key": "bakery-4"}}
    first = client.chat.completions.create(**options)
    admin.post("/__mock/clock/advance", json={"seconds": 24 * 3600 - 5})
    assert client.chat.completions.create(**options).id == first.id
    admin.post("/__mock/clock/advance", json={"seconds": 5})
    again = client.chat.completions.with_raw_response.create(**options)
    assert again.headers.get("aurous-idempotent-replayed") is None and again.parse().id != first.id
    assert len(charges(admin, team["api_key"])) == 2


def test_the_sdk_waits_out_an_empty_bucket_and_then_succeeds(live, admin):  # B-RL-1, B-HDR-3
    """The clock is moved to about 1.5 s before the minute ends, the one-request bucket is spent, and the
    SDK's next call is refused with a Retry-After the SDK honours: its retry lands in the next minute."""
    team = admin.post("/__mock/teams", json={"rpm_limit": 1}).json()
    offset = admin.get("/__mock/clock").json()["offset_seconds"]
    to_minute_end = 60 - (time.time() + offset) % 60
    admin.post("/__mock/clock/advance", json={"seconds": (to_minute_end - 1.5) % 60 or 60})
    client = sdk(live, team["api_key"], max_retries=2)
    client.models.list()
    models = client.models.list()  # refused once, retried after Retry-After
    assert models.data
    attempts = [e for e in journal(admin, team["team_id"]) if e["path"] == "/v1/models"][1:]
    assert [e["status"] for e in attempts] == [429, 200]
    assert [e["headers"]["x-stainless-retry-count"] for e in attempts] == ["0", "1"]


def test_tpm_exhaustion_on_chat_and_buckets_per_team(live, admin):  # B-RL-2, B-RL-3, B-HDR-4
    tight = admin.post("/__mock/teams", json={"tpm_limit": 200}).json()
    roomy = admin.post("/__mock/teams", json={"tpm_limit": 200}).json()
    client = sdk(live, tight["api_key"], max_retries=0)
    first = client.chat.completions.with_raw_response.create(model=PRO, messages=ASK, max_tokens=100)
    spent = 200 - int(first.headers["x-ratelimit-tpm-remaining"])
    assert spent == first.parse().usage.total_tokens
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model=PRO, messages=ASK, max_tokens=190)
    assert raised.value.code == "tokens_rate_limit_exceeded"
    assert 1 <= int(raised.value.response.headers["retry-after"]) <= 60
    assert int(raised.value.response.headers["x-ratelimit-tpm-remaining"]) == 200 - spent
    other = sdk(live, roomy["api_key"], max_retries=0).chat.completions.with_raw_response.create(
        model=PRO, messages=ASK, max_tokens=10)
    assert other.headers["x-ratelimit-tpm-remaining"] == str(200 - other.parse().usage.total_tokens)
    assert int(other.headers["x-ratelimit-remaining"]) == int(other.headers["x-ratelimit-limit"]) - 1


def test_the_admin_api_is_never_limited(live, admin):  # B-RL-1: limits are the API's, not the mock's
    team = admin.post("/__mock/teams", json={"rpm_limit": 1}).json()
    headers = {"X-Api-Key": team["api_key"]}
    assert admin.get("/v1/team", headers=headers).status_code == 200
    assert admin.get("/v1/team", headers=headers).status_code == 429
    for _ in range(20):
        assert admin.get("/__mock/requests").status_code == 200


def test_sdk_retries_under_a_scripted_outage_store_only_the_success(live, admin, team):  # B-IDEM-6, scenarios
    """Scenarios answer before the idempotency stage: the two scripted 502s never claim the key, the SDK's
    third attempt is processed under it, and the next call with the key is its replay."""
    client = sdk(live, team["api_key"], max_retries=2)
    options = {"model": PRO, "messages": ASK, "max_tokens": 30,
               "extra_headers": {"Idempotency-Key": "bakery-5", "Aurous-Mock-Scenario": "flaky-chat"}}
    first = client.chat.completions.create(**options)
    again = client.chat.completions.with_raw_response.create(**options)
    assert again.headers["aurous-idempotent-replayed"] == "true" and again.parse().id == first.id
    attempts = [e for e in journal(admin, team["team_id"]) if e["path"] == "/v1/chat/completions"]
    assert [e["status"] for e in attempts] == [502, 502, 200, 200]
    assert [e.get("idempotency") for e in attempts] == [None, None, "processed", "replayed"]
    assert len(charges(admin, team["api_key"])) == 1
