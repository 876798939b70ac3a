"""Webhook endpoints (B-WH-1, B-WH-4) in process, and deliveries (B-WH-2, B-WH-3, B-WH-5, B-IMG-11) over real
HTTP: a live mock whose clock the test moves through the admin API, and receivers on 127.0.0.1 that verify
every delivery with the `standardwebhooks` package."""

from __future__ import annotations

import httpx
import pytest
from conftest import LiveServer, auth
from receiver import Receiver, advance, logged
from spec_check import CHECKER
from standardwebhooks.webhooks import Webhook

from mockserver import create_app
from mockserver.config import MockConfig

ALL_EVENTS = ["image.completed", "image.failed", "image.cancelled", "video.completed", "video.failed",
              "video.cancelled", "usage.balance_low", "webhook.endpoint_disabled", "character.completed",
              "character.failed", "character.cancelled"]
EVENT_SCHEMAS = {"image.completed": "ImageCompletedEvent", "image.failed": "ImageFailedEvent",
                 "image.cancelled": "ImageCancelledEvent", "usage.balance_low": "BalanceLowEvent",
                 "webhook.endpoint_disabled": "EndpointDisabledEvent", "video.completed": "VideoCompletedEvent",
                 "character.completed": "CharacterCompletedEvent", "character.cancelled": "CharacterCancelledEvent"}


def check_event(body: dict) -> None:
    """A delivery's body is what the contract's `webhooks` section documents for its event."""
    validator = CHECKER._validator(f"/components/schemas/{EVENT_SCHEMAS[body['event']]}")
    CHECKER._check_value(validator, body, f"webhook {body['event']}")


# --- endpoints (in process) ------------------------------------------------------------------------------


def test_endpoint_crud_shows_the_secret_once_and_expands_the_wildcard(client, new_team):  # B-WH-1, B-WH-4
    other = new_team()
    created = client.post("/v1/webhook_endpoints", json={"url": "https://example.com/hooks", "events": ["*"],
                                                         "description": "all"}, headers=auth())
    assert created.status_code == 201
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["previous_secret_expires_at"] is None
    assert endpoint["events"] == ALL_EVENTS and endpoint["status"] == "enabled"
    shown = client.get(f"/v1/webhook_endpoints/{endpoint['id']}", headers=auth()).json()
    assert "secret" not in shown and shown["events"] == ALL_EVENTS
    assert [e["id"] for e in client.get("/v1/webhook_endpoints", headers=auth()).json()["data"]] == [endpoint["id"]]
    assert client.get(f"/v1/webhook_endpoints/{endpoint['id']}", headers=auth(other["api_key"])).status_code == 404
    patched = client.patch(f"/v1/webhook_endpoints/{endpoint['id']}",
                           json={"events": ["image.completed"], "status": "disabled"}, headers=auth()).json()
    assert (patched["events"], patched["status"], patched["disabled_reason"]) == (
        ["image.completed"], "disabled", "manual")
    assert patched["url"] == "https://example.com/hooks" and patched["description"] == "all"  # kept
    rotated = client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", headers=auth()).json()
    assert rotated["secret"] != endpoint["secret"] and rotated["previous_secret_expires_at"] is not None
    deleted = client.delete(f"/v1/webhook_endpoints/{endpoint['id']}", headers=auth())
    assert deleted.json() == {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}
    assert client.get(f"/v1/webhook_endpoints/{endpoint['id']}", headers=auth()).status_code == 404


@pytest.mark.parametrize(("body", "code", "param"), [
    ({"url": "https://example.com/h", "events": ["image.expired"]}, "invalid_format", "events[0]"),
    ({"url": "https://example.com/h", "events": ["video.moderation_rejected"]}, "invalid_format", "events[0]"),
    ({"url": "https://example.com/h", "events": ["image.completed", "image.completed"]}, "invalid_format", "events"),
    ({"url": "https://example.com/h", "events": []}, "invalid_length", "events"),
    ({"url": "example.com/h", "events": ["*"]}, "invalid_webhook_url", "url"),
    ({"url": "https://exa mple.com/h", "events": ["*"]}, "invalid_webhook_url", "url"),
    ({"events": ["*"]}, "missing_field", "url"),
])
def test_bad_endpoints_are_refused(client, body, code, param):  # B-WH-1, B-WH-3
    response = client.post("/v1/webhook_endpoints", json=body, headers=auth())
    error = response.json()["error"]
    assert (response.status_code, error["code"], error["param"]) == (400, code, param)


# --- deliveries (live) -----------------------------------------------------------------------------------




def register(http: httpx.Client, key: str, url: str, events: list[str]) -> dict:
    response = http.post("/v1/webhook_endpoints", json={"url": url, "events": events}, headers=auth(key))
    assert response.status_code == 201
    return response.json()


@pytest.fixture
def team(live_reset):
    with live_reset.client() as http:
        yield http, http.post("/__mock/teams", json={"balance": 100}).json()["api_key"]


def test_deliveries_are_signed_and_retried_two_seconds_apart_on_the_clock(team):  # B-WH-2, B-WH-5, B-IMG-11
    http, key = team
    with Receiver(fail_first=2) as receiver:
        endpoint = register(http, key, f"{receiver.url}/hooks", ["image.completed"])
        created = http.post("/v1/images", json={"prompt": "a lighthouse"}, headers=auth(key)).json()
        advance(http, 31)
        receiver.wait_for(1)
        advance(http, 2)
        receiver.wait_for(2)
        advance(http, 2)
        deliveries = receiver.wait_for(3)
        generation = http.get(f"/v1/images/{created['id']}", headers=auth(key)).json()
    verifier = Webhook(endpoint["secret"])
    for delivery in deliveries:
        assert verifier.verify(delivery.body.decode(), delivery.headers) == delivery.json
    assert [d.answered for d in deliveries] == [500, 500, 204]
    assert len({d.headers["webhook-id"] for d in deliveries}) == 1  # one message, retried
    stamps = [int(d.headers["webhook-timestamp"]) for d in deliveries]
    assert stamps[1] - stamps[0] >= 2 and stamps[2] - stamps[1] >= 2
    assert deliveries[0].json == {"event": "image.completed", "data": generation}
    check_event(deliveries[0].json)
    attempts = logged(http, 3, endpoint_id=endpoint["id"])
    assert [(d["attempt"], d["status"], d["succeeded"]) for d in attempts] == [(1, 500, False), (2, 500, False),
                                                                            (3, 204, True)]
    assert attempts[0]["signature"] == deliveries[0].headers["webhook-signature"]


def test_a_generation_webhook_url_gets_completions_and_failures_only(team):  # B-IMG-11, B-WH-3
    http, key = team
    with Receiver() as receiver:
        url = f"{receiver.url}/per-request"
        ok = http.post("/v1/images", json={"prompt": "a cat", "webhook_url": url}, headers=auth(key)).json()
        bad = http.post("/v1/images", json={"prompt": "a cat aurous-mock-fail", "webhook_url": url},
                        headers=auth(key)).json()
        cancelled = http.post("/v1/images", json={"prompt": "a dog", "webhook_url": url}, headers=auth(key)).json()
        assert http.post(f"/v1/images/{cancelled['id']}/cancel", headers=auth(key)).status_code == 200
        advance(http, 31)
        deliveries = receiver.wait_for(2)
    events = sorted((d.json["event"], d.json["data"]["id"]) for d in deliveries)
    assert events == sorted([("image.completed", ok["id"]), ("image.failed", bad["id"])])
    assert all("webhook-signature" not in d.headers and d.headers["webhook-id"].startswith("msg_") for d in deliveries)
    for delivery in deliveries:
        check_event(delivery.json)
    assert len(receiver.deliveries) == 2  # the cancellation went nowhere: no endpoint is registered


def test_a_webhook_url_of_a_registered_endpoint_is_signed_with_its_secret(team):  # B-WH-2, B-IMG-11
    http, key = team
    with Receiver() as receiver:
        url = f"{receiver.url}/shared"
        endpoint = register(http, key, url, ["video.failed"])  # subscribed to something else
        http.post("/v1/videos", json={"prompt": "waves", "webhook_url": url}, headers=auth(key))
        advance(http, 31)
        delivery = receiver.wait_for(1)[0]
    assert Webhook(endpoint["secret"]).verify(delivery.body.decode(), delivery.headers)["event"] == "video.completed"
    check_event(delivery.json)


def test_character_events_echo_the_client_reference(team):  # B-CHAR-2, B-CHAR-3, B-WH-3
    http, key = team
    with Receiver() as receiver:
        endpoint = register(http, key, f"{receiver.url}/chars", ["character.completed", "character.cancelled"])
        body = {"name": "Mira", "prompt": "a sea captain", "generate": True, "client_reference_id": "order-4711"}
        done = http.post("/v1/characters", json=body, headers=auth(key)).json()
        advance(http, 31)
        dropped = http.post("/v1/characters", json={**body, "client_reference_id": "order-4712"},
                            headers=auth(key)).json()
        assert http.delete(f"/v1/characters/{dropped['id']}", headers=auth(key)).status_code == 200
        deliveries = receiver.wait_for(2)
    verifier = Webhook(endpoint["secret"])
    by_event = {d.json["event"]: verifier.verify(d.body.decode(), d.headers)["data"] for d in deliveries}
    assert by_event["character.completed"]["id"] == done["id"]
    assert by_event["character.completed"]["client_reference_id"] == "order-4711"
    assert by_event["character.cancelled"]["status"] == "cancelled"
    assert by_event["character.cancelled"]["client_reference_id"] == "order-4712"
    for delivery in deliveries:
        check_event(delivery.json)


def test_during_a_rotation_both_secrets_sign(team):  # B-WH-2
    http, key = team
    with Receiver() as receiver:
        endpoint = register(http, key, f"{receiver.url}/hooks", ["image.cancelled"])
        rotated = http.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", headers=auth(key)).json()
        created = http.post("/v1/images", json={"prompt": "a cat"}, headers=auth(key)).json()
        http.post(f"/v1/images/{created['id']}/cancel", headers=auth(key))
        delivery = receiver.wait_for(1)[0]
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], rotated["secret"]):
        assert Webhook(secret).verify(delivery.body.decode(), delivery.headers)["event"] == "image.cancelled"
    check_event(delivery.json)


def test_an_endpoint_that_keeps_failing_is_disabled_and_that_is_announced(team):  # B-WH-5, B-WH-3
    http, key = team
    with Receiver(status=503) as failing, Receiver() as watcher:
        broken = register(http, key, f"{failing.url}/down", ["image.completed"])
        register(http, key, f"{watcher.url}/ops", ["webhook.endpoint_disabled"])
        for _ in range(3):
            http.post("/v1/images", json={"prompt": "a cat"}, headers=auth(key))
        advance(http, 31)
        failing.wait_for(3)
        advance(http, 2)
        failing.wait_for(6)
        advance(http, 2)
        failing.wait_for(9)
        notice = watcher.wait_for(1)[0]
    assert notice.json["event"] == "webhook.endpoint_disabled" and notice.json["data"]["id"] == broken["id"]
    check_event(notice.json)
    shown = http.get(f"/v1/webhook_endpoints/{broken['id']}", headers=auth(key)).json()
    assert (shown["status"], shown["disabled_reason"]) == ("disabled", "delivery_failures")
    enabled = http.patch(f"/v1/webhook_endpoints/{broken['id']}", json={"status": "enabled"}, headers=auth(key))
    assert (enabled.json()["status"], enabled.json()["disabled_reason"]) == ("enabled", None)


def test_balance_low_fires_at_most_once_an_hour(live_reset):  # B-WH-3
    with live_reset.client() as http, Receiver() as receiver:
        key = http.post("/__mock/teams", json={"balance": 12, "balance_low_threshold": 10}).json()["api_key"]
        register(http, key, f"{receiver.url}/money", ["usage.balance_low"])
        http.post("/v1/images", json={"prompt": "a cat", "count": 3}, headers=auth(key))  # 9 left: under 10
        first = receiver.wait_for(1)[0]
        http.post("/v1/images", json={"prompt": "a cat"}, headers=auth(key))  # 8 left: within the hour
        advance(http, 3601)
        http.post("/v1/images", json={"prompt": "a cat"}, headers=auth(key))
        second = receiver.wait_for(2)[1]
    assert first.json["data"] == {"object": "balance", "team_id": first.json["data"]["team_id"], "currency": "credit",
                                  "available": 9, "threshold": 10}
    check_event(first.json)
    assert second.json["data"]["available"] == 7  # 12 - 3 - 1 charged, 1 held
    assert len(receiver.deliveries) == 2  # the 8-credit moment, within the hour, fired nothing


def test_a_receiver_that_hangs_or_refuses_never_blocks_the_server():  # B-WH-5
    app = create_app(MockConfig(webhook_timeout_seconds=0.5))
    with LiveServer(app) as live, live.client() as http, Receiver(hang_seconds=10) as hanging:
        key = http.post("/__mock/teams", json={"balance": 100}).json()["api_key"]
        register(http, key, f"{hanging.url}/slow", ["image.completed"])
        register(http, key, "http://127.0.0.1:1/refused", ["image.completed"])
        http.post("/v1/images", json={"prompt": "a cat"}, headers=auth(key))
        advance(http, 31)
        hanging.wait_for(1)  # the receiver holds the first attempt for up to 10 s
        assert http.get("/__mock/health").status_code == 200  # the server answers meanwhile
        advance(http, 2)
        hanging.wait_for(2)
        attempts = logged(http, 2, attempt=1)
    first = {d["url"].rsplit("/", 1)[1]: d for d in attempts}
    assert first["slow"]["status"] is None and "no answer within 0.5 s" in first["slow"]["error"]
    assert first["refused"]["status"] is None and first["refused"]["error"].startswith("ConnectError")
