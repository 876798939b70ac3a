"""The shipped generation and webhook scenarios do to generations what their descriptions say, over real HTTP
on the admin clock: stuck, failed and moderated generations (B-IMG-2, B-CHAR-1), and a webhook receiver that
is down (B-WH-5), each for the requests that carry the scenario header only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import auth
from receiver import Receiver, advance, logged

DAY = 24 * 3600


@pytest.fixture
def team(live_reset):
    with live_reset.client() as http:
        yield http, http.post("/__mock/teams", json={"balance": 100}).json()["api_key"]



def create(http: httpx.Client, key: str, path: str, body: dict[str, Any], scenario: str | None) -> dict[str, Any]:
    headers = auth(key, **({"Aurous-Mock-Scenario": scenario} if scenario else {}))
    response = http.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def image_status(http: httpx.Client, key: str, image_id: str) -> dict[str, Any]:
    return http.get(f"/v1/images/{image_id}", headers=auth(key)).json()


def test_stuck_generation_reaches_processing_and_stays_there(team):  # B-IMG-2
    http, key = team
    stuck = create(http, key, "/v1/images", {"prompt": "a lighthouse"}, "stuck-generation")
    normal = create(http, key, "/v1/images", {"prompt": "a lighthouse"}, None)
    advance(http, 6)
    assert image_status(http, key, stuck["id"])["status"] == "processing"
    advance(http, 60)
    assert image_status(http, key, normal["id"])["status"] == "succeeded"
    advance(http, 28 * DAY)
    assert image_status(http, key, stuck["id"])["status"] == "processing"


@pytest.mark.parametrize(("scenario", "seconds", "message"), [
    ("failed-generation", 20, "The generation failed on the provider's side. Try again."),
    ("moderated-generation", 3, "The request was rejected by content moderation."),
])
def test_failed_and_moderated_generations_fail_with_their_message_and_cost_nothing(team, scenario, seconds, message):
    # B-IMG-2, B-ACCT-3
    http, key = team
    before = http.get("/v1/balance", headers=auth(key)).json()
    image = create(http, key, "/v1/images", {"prompt": "a lighthouse"}, scenario)
    advance(http, seconds - 1)
    assert image_status(http, key, image["id"])["status"] in ("pending", "processing")
    advance(http, 1)
    ended = image_status(http, key, image["id"])
    assert ended["status"] == "failed" and ended["error_message"] == message
    assert http.get("/v1/balance", headers=auth(key)).json() == before


def test_a_failed_character_synthesis_carries_the_scenarios_message(team):  # B-CHAR-1
    http, key = team
    character = create(http, key, "/v1/characters", {"name": "Ada", "prompt": "a cheerful baker", "generate": True},
                       "failed-generation")
    advance(http, 20)
    ended = http.get(f"/v1/characters/{character['id']}", headers=auth(key)).json()
    assert ended["status"] == "failed"
    assert ended["error_message"] == "The generation failed on the provider's side. Try again."



def test_webhook_receiver_down_fails_every_attempt_of_that_requests_events(team):  # B-WH-5
    http, key = team
    with Receiver() as receiver:
        endpoint = http.post("/v1/webhook_endpoints", json={"url": f"{receiver.url}/hooks",
                                                             "events": ["image.completed"]}, headers=auth(key)).json()
        down = create(http, key, "/v1/images", {"prompt": "a lighthouse"}, "webhook-receiver-down")
        advance(http, 31)
        logged(http, 1, endpoint_id=endpoint["id"])
        advance(http, 2)
        logged(http, 2, endpoint_id=endpoint["id"])
        advance(http, 2)
        attempts = logged(http, 3, endpoint_id=endpoint["id"])
        assert [(a["attempt"], a["status"], a["succeeded"]) for a in attempts] == [
            (1, 503, False), (2, 503, False), (3, 503, False)]
        assert len({a["message_id"] for a in attempts}) == 1 and {a["event"] for a in attempts} == {"image.completed"}
        assert image_status(http, key, down["id"])["status"] == "succeeded"  # the generation itself is fine
        assert receiver.deliveries == []  # a receiver that is down receives nothing
        healthy = create(http, key, "/v1/images", {"prompt": "a lighthouse"}, None)
        advance(http, 31)
        delivered = receiver.wait_for(1)
    assert delivered[0].json["data"]["id"] == healthy["id"]

