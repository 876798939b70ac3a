"""Scenarios over real HTTP with the official OpenAI SDK: retries through "fail twice then succeed",
a cut stream that raises, and clients whose scenario headers interleave without touching each other."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from conftest import check_httpx_response

PRO = "aurous-grow-2.0-pro"
ASK = [{"role": "user", "content": "What is the weather in Tokyo today?"}]
SCENARIO = "Aurous-Mock-Scenario"


@pytest.fixture
def team(live) -> Iterator[dict[str, Any]]:
    with httpx.Client(base_url=live.base_url) as admin:
        created = admin.post("/__mock/teams", json={"rpm_limit": 1000})
    assert created.status_code == 201
    yield created.json()


def sdk(live, key: str, scenario: str, **options: Any) -> openai.OpenAI:
    http = httpx.Client(event_hooks={"response": [check_httpx_response]})
    return openai.OpenAI(base_url=f"{live.base_url}/v1", api_key=key, http_client=http,
                         default_headers={SCENARIO: scenario}, **options)


def journal(live, team_id: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=live.base_url) as admin:
        return admin.get("/__mock/requests", params={"team_id": team_id}).json()["data"]


def test_sdk_retries_through_fail_twice_then_succeed(live, team):  # B-CHAT-11
    client = sdk(live, team["api_key"], "flaky-chat", max_retries=2)
    completion = client.chat.completions.create(model=PRO, messages=ASK, max_tokens=8)
    assert completion.choices[0].message.content
    attempts = [e for e in journal(live, team["team_id"]) if e["path"] == "/v1/chat/completions"]
    assert [e["status"] for e in attempts] == [502, 502, 200]
    assert [e["headers"]["x-stainless-retry-count"] for e in attempts] == ["0", "1", "2"]
    assert [bool(e.get("scenarios")) for e in attempts] == [True, True, False]
    assert attempts[0]["scenarios"][0]["scenario"] == "flaky-chat"
    client.close()


def test_sdk_without_retries_sees_the_typed_error(live, team):  # B-ERR-1, B-CHAT-11
    client = sdk(live, team["api_key"], "flaky-chat", max_retries=0)
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(model=PRO, messages=ASK, max_tokens=8)
    assert raised.value.status_code == 502 and raised.value.code == "chat_provider_unavailable"
    client.close()


def test_sdk_raises_on_a_cut_stream_and_the_completion_is_failed(live, team):  # B-CHAT-5, B-CHAT-11
    client = openai.OpenAI(base_url=f"{live.base_url}/v1", api_key=team["api_key"], max_retries=0,
                           default_headers={SCENARIO: "stream-cut"})
    stream = client.chat.completions.create(model=PRO, messages=ASK, max_tokens=24, stream=True)
    received = []
    with pytest.raises((httpx.HTTPError, openai.APIError)):
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 3
    entry = journal(live, team["team_id"])[-1]
    with live.client() as http:
        stored = http.get(f"/v1/chat/completions/{entry['completion_id']}", headers={"X-Api-Key": team["api_key"]})
    assert stored.json()["status"] == "failed"
    client.close()


def test_interleaved_clients_with_different_headers_never_meet(live, team):
    key = team["api_key"]
    with live.client() as http:
        def chat(scenario: str) -> httpx.Response:
            return http.post("/v1/chat/completions", headers={"X-Api-Key": key, SCENARIO: scenario},
                             json={"model": PRO, "messages": ASK, "max_tokens": 16})

        pairs = [(chat("flaky-chat"), chat("scripted-chat")) for _ in range(3)]
    assert [a.status_code for a, _ in pairs] == [502, 502, 200]
    replies = [b.json()["choices"][0]["message"]["content"] for _, b in pairs]
    assert replies[:2] == ["Sunny, 24 degrees.", "Light rain in the evening."]
    assert replies[2] not in replies[:2]


def test_concurrent_clients_count_their_own_calls(live, team):
    """Two clients at once on one team, "flaky-chat" alone and with "scripted-chat": each sees exactly
    its own two failures, whatever the order the server handles them in."""
    key = team["api_key"]

    async def client_calls(scenario: str) -> list[int]:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
            async def one() -> int:
                response = await http.post("/v1/chat/completions", headers={"X-Api-Key": key, SCENARIO: scenario},
                                           json={"model": PRO, "messages": ASK, "max_tokens": 4})
                return response.status_code

            return list(await asyncio.gather(*(one() for _ in range(6))))

    async def both() -> list[list[int]]:
        return list(await asyncio.gather(client_calls("flaky-chat"), client_calls("flaky-chat,scripted-chat")))

    for statuses in asyncio.run(both()):
        assert sorted(statuses) == [200, 200, 200, 200, 502, 502]
