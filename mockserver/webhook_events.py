"""Webhook events (B-WH-2..5, B-IMG-11): who receives an event, the signed message, and what an
attempt's result does to the endpoint. The HTTP attempts themselves are made by `webhook_scheduler`.

Endpoints are kept per team in the store; a message is scheduled on the clock in the queue
`webhook_attempts`, and each attempt is logged in `webhook_deliveries` (`GET /__mock/webhooks/deliveries`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from .clock import from_unix, isoformat
from .jsoncodec import dumps

if TYPE_CHECKING:
    from .state import MockState

# B-WH-3: the events fired today. `*.expired` and `*.moderation_rejected` are reserved and never fire.
FIRED_EVENTS = (
    "image.completed", "image.failed", "image.cancelled", "video.completed", "video.failed", "video.cancelled",
    "usage.balance_low", "webhook.endpoint_disabled", "character.completed", "character.failed",
    "character.cancelled",
)
# A per-request `webhook_url` receives only completions and failures (seed 003).
PER_REQUEST_EVENTS = frozenset(e for e in FIRED_EVENTS if e.endswith((".completed", ".failed")))
ATTEMPTS = 3
RETRY_SECONDS = 2.0  # B-IMG-11, B-WH-5
DISABLE_AFTER_FAILED_MESSAGES = 3  # consecutive messages that failed every attempt
BALANCE_LOW_DEBOUNCE = 3600.0
SECRET_OVERLAP = 24 * 3600.0  # after a rotation the previous secret signs for 24 h
QUEUE = "webhook_attempts"
DELIVERIES_LOG = "webhook_deliveries"


def endpoints_namespace(team_id: str) -> str:
    return f"webhook_endpoints:{team_id}"


def new_secret(mock: MockState) -> str:
    """`whsec_` + base64 of 32 bytes from the seeded secrets stream (Standard Webhooks)."""
    return "whsec_" + base64.b64encode(bytes.fromhex(mock.ids.hex(64))).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (Standard Webhooks, B-WH-2)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signing_secrets(endpoint: dict[str, Any], now: float) -> list[str]:
    secrets = [endpoint["secret"]]
    previous = endpoint.get("previous_secret")
    if previous and now < endpoint["previous_secret_expires"]:
        secrets.append(previous)
    return secrets


def public_endpoint(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": endpoint["id"], "object": "webhook_endpoint", "url": endpoint["url"], "events": endpoint["events"],
        "description": endpoint["description"], "status": endpoint["status"],
        "disabled_reason": endpoint["disabled_reason"], "created_at": endpoint["created_at"],
    }


def emit(mock: MockState, team_id: str, event: str, data: dict[str, Any], at: float,
         webhook_url: str | None = None, fail: dict[str, Any] | None = None) -> None:
    """Schedule `{event, data}` for every enabled endpoint of the team subscribed to it, and for the
    generation's own `webhook_url` (completions and failures only). Unknown events never fire. `fail` is
    a scenario's `webhook_fail` from the request that caused the event: its attempts fail that way."""
    if event not in FIRED_EVENTS:
        return
    body = dumps({"event": event, "data": data})
    endpoints = [e for e in mock.store.values(endpoints_namespace(team_id))
                 if e["status"] == "enabled" and event in e["events"]]
    for endpoint in endpoints:
        _schedule(mock, team_id, event, body, endpoint["url"], endpoint["id"], at, fail)
    if webhook_url and event in PER_REQUEST_EVENTS:
        _schedule(mock, team_id, event, body, webhook_url, None, at, fail)


def _schedule(mock: MockState, team_id: str, event: str, body: bytes, url: str, endpoint_id: str | None,
              at: float, fail: dict[str, Any] | None = None) -> None:
    message = {"message_id": mock.ids.new("msg"), "team_id": team_id, "event": event, "body": body.decode(),
               "url": url, "endpoint_id": endpoint_id, "attempt": 1}
    if fail is not None:
        message["fail"] = fail
    mock.store.schedule(QUEUE, at, message)
    mock.webhooks.wake()


def headers_for(mock: MockState, message: dict[str, Any], now: float) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt. A per-request `webhook_url` is signed with the secret of
    the team's registered endpoint with the same URL when there is one, and unsigned otherwise."""
    timestamp = int(now)
    headers = {"content-type": "application/json", "webhook-id": message["message_id"],
               "webhook-timestamp": str(timestamp), "user-agent": "aurous-mock-webhooks"}
    endpoint = _signing_endpoint(mock, message)
    if endpoint is not None:
        body = message["body"].encode()
        headers["webhook-signature"] = " ".join(
            sign(secret, message["message_id"], timestamp, body) for secret in signing_secrets(endpoint, now)
        )
    return headers


def _signing_endpoint(mock: MockState, message: dict[str, Any]) -> dict[str, Any] | None:
    namespace = endpoints_namespace(message["team_id"])
    if message["endpoint_id"] is not None:
        return mock.store.get(namespace, message["endpoint_id"])
    return next((e for e in mock.store.values(namespace) if e["url"] == message["url"]), None)


def record_attempt(mock: MockState, message: dict[str, Any], headers: dict[str, str], started: float,
                   status: int | None, error: str | None) -> None:
    """Log the attempt; on failure retry 2 s later on the clock, up to 3 attempts; a registered endpoint whose
    messages keep failing every attempt is disabled and `webhook.endpoint_disabled` fires (B-WH-5)."""
    succeeded = status is not None and 200 <= status < 300
    mock.store.append(DELIVERIES_LOG, {
        "message_id": message["message_id"], "event": message["event"], "url": message["url"],
        "endpoint_id": message["endpoint_id"], "team_id": message["team_id"], "attempt": message["attempt"],
        "status": status, "succeeded": succeeded, "error": error, "at": isoformat(from_unix(started)),
        "webhook_timestamp": headers["webhook-timestamp"], "signature": headers.get("webhook-signature"),
    }, bounded=True)
    endpoint = _registered(mock, message)
    if succeeded:
        if endpoint is not None and endpoint["failed_messages"]:
            mock.store.put(endpoints_namespace(message["team_id"]), endpoint["id"], {**endpoint, "failed_messages": 0})
        return
    if message["attempt"] < ATTEMPTS:
        mock.store.schedule(QUEUE, started + RETRY_SECONDS, {**message, "attempt": message["attempt"] + 1})
        return
    if endpoint is None or endpoint["status"] != "enabled":
        return
    failed = endpoint["failed_messages"] + 1
    endpoint = {**endpoint, "failed_messages": failed}
    if failed >= DISABLE_AFTER_FAILED_MESSAGES:
        endpoint.update(status="disabled", disabled_reason="delivery_failures")
    mock.store.put(endpoints_namespace(message["team_id"]), endpoint["id"], endpoint)
    if endpoint["status"] == "disabled":
        emit(mock, message["team_id"], "webhook.endpoint_disabled", public_endpoint(endpoint), mock.clock.time())


def _registered(mock: MockState, message: dict[str, Any]) -> dict[str, Any] | None:
    if message["endpoint_id"] is None:
        return None
    return mock.store.get(endpoints_namespace(message["team_id"]), message["endpoint_id"])


def check_balance(mock: MockState, team_id: str) -> None:
    """`usage.balance_low` when the available balance is under the team's threshold, at most once an hour."""
    team = mock.accounts.team(team_id)
    if team is None:
        return
    available = mock.ledger.balance(team_id)
    threshold = float(team["balance_low_threshold"])
    if available >= threshold:
        return
    now = mock.clock.time()
    last = mock.store.get("balance_low_fired", team_id)
    if last is not None and now - last < BALANCE_LOW_DEBOUNCE:
        return
    mock.store.put("balance_low_fired", team_id, now)
    emit(mock, team_id, "usage.balance_low", {"object": "balance", "team_id": team_id, "currency": "credit",
                                              "available": available, "threshold": threshold}, now)
