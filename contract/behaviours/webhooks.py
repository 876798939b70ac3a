"""Webhooks (B-WH-1..5) and per-request webhook_url (B-IMG-11). Deliveries need a receiver the target
can reach (one on this machine) and, to be quick, the mock's clock. The harness deletes only the
endpoints it created."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..context import Context
from ..exchange import Exchange
from ..receiver import Receiver, require_local, verify
from ..registry import check
from .common import id_pattern
from .generations import create, wait_terminal

WHE_ID = id_pattern("whe")
EVENTS = {"image.completed", "image.failed", "image.cancelled", "video.completed", "video.failed", "video.cancelled",
          "usage.balance_low", "webhook.endpoint_disabled", "character.completed", "character.failed",
          "character.cancelled"}
IMAGE = {"prompt": "A red kite over hills", "count": 1}


@contextmanager
def endpoint(ctx: Context, url: str, events: list[str]) -> Iterator[Exchange]:
    ex = ctx.call("POST", "/v1/webhook_endpoints", json_body={"url": url, "events": events, "description": "contract"})
    ctx.expect_status(ex, 201)
    ctx.redact.add(ex.json().get("secret"))
    try:
        yield ex
    finally:
        ctx.call("DELETE", f"/v1/webhook_endpoints/{ex.json()['id']}")


@check("B-WH-1")
def endpoint_crud_and_rotation(ctx: Context) -> None:
    with endpoint(ctx, "https://example.com/hooks/aurous", ["image.completed"]) as created:
        body = created.json()
        ctx.expect(WHE_ID.match(str(body.get("id"))) and str(body.get("secret", "")).startswith("whsec_"),
                   "a whe_ id and the whsec_ secret at creation", {"id": body.get("id")}, created)
        listed = ctx.call("GET", "/v1/webhook_endpoints")
        ctx.expect(body["id"] in [e.get("id") for e in listed.json().get("data", [])], "the endpoint listed",
                   listed.body[:200], listed)
        got = ctx.call("GET", f"/v1/webhook_endpoints/{body['id']}")
        ctx.expect_status(got, 200)
        ctx.expect("secret" not in got.json(), "the secret shown only at creation", "a secret on GET", got)
        patched = ctx.call("PATCH", f"/v1/webhook_endpoints/{body['id']}",
                           json_body={"events": ["image.completed", "image.failed"]})
        ctx.expect_status(patched, 200)
        ctx.expect(set(patched.json().get("events", [])) == {"image.completed", "image.failed"}, "events updated",
                   patched.json().get("events"), patched)
        rotated = ctx.call("POST", f"/v1/webhook_endpoints/{body['id']}/rotate_secret")
        ctx.expect_status(rotated, 200)
        ctx.redact.add(rotated.json().get("secret"))
        ctx.expect(rotated.json().get("secret") not in (None, body["secret"]) and rotated.json().get(
            "previous_secret_expires_at"), "a new secret and until when the previous one signs",
            {"previous_secret_expires_at": rotated.json().get("previous_secret_expires_at")}, rotated)
    ctx.expect_status(ctx.call("GET", f"/v1/webhook_endpoints/{body['id']}"), 404)


@check("B-WH-4")
def wildcard_is_a_snapshot(ctx: Context) -> None:
    with endpoint(ctx, "https://example.com/hooks/all", ["*"]) as created:
        events = created.json().get("events", [])
        ctx.expect("*" not in events and set(events) == EVENTS, "['*'] stored as the events that exist now",
                   events, created)


def _generation_delivery(ctx: Context, receiver: Receiver, secret: str | None) -> tuple[dict[str, Any], Exchange]:
    created = create(ctx, "images", IMAGE)
    ctx.expect_status(created, 201)
    done = wait_terminal(ctx, "images", created.json()["id"])
    deliveries = receiver.wait_for(1, about=done.json()["id"])
    ctx.expect(deliveries, "a webhook POST when the generation ended", "nothing within 10 s", done)
    delivery = deliveries[0]
    payload = json.loads(delivery["body"])
    status = done.json()["status"]
    want = {"succeeded": "image.completed", "failed": "image.failed"}.get(status)
    ctx.expect(payload.get("event") == want and set(payload) == {"event", "data"}, f'{{"event": "{want}", "data"}}',
               str(payload)[:200], done)
    ctx.expect(payload["data"].get("id") == done.json()["id"] and payload["data"].get("status") == status,
               "data: the generation as GET shows it", str(payload["data"])[:200], done)
    if secret is not None:
        ctx.expect(verify(secret, delivery), "a Standard Webhooks signature valid with the endpoint's secret",
                   {k: delivery["headers"].get(k) for k in ("webhook-id", "webhook-timestamp")}, done)
    return delivery, done


@check("B-IMG-11", paid=True, admin=True)
def webhook_url_receives_the_outcome(ctx: Context) -> None:
    require_local(ctx.target.base_url)
    with Receiver() as receiver:
        body = {**IMAGE, "webhook_url": receiver.url}
        created = create(ctx, "images", body)
        ctx.expect_status(created, 201)
        done = wait_terminal(ctx, "images", created.json()["id"])
        deliveries = receiver.wait_for(1, about=done.json()["id"])
        ctx.expect(deliveries, "a POST to webhook_url when the generation ended", "nothing within 10 s", done)
        payload = json.loads(deliveries[0]["body"])
        want = {"succeeded": "image.completed", "failed": "image.failed"}.get(done.json()["status"])
        ctx.expect(payload.get("event") == want and payload.get("data", {}).get("id") == done.json()["id"],
                   f"{want} with the generation", str(payload)[:200], done)


@check("B-WH-2", paid=True, admin=True)
def deliveries_signed(ctx: Context) -> None:
    require_local(ctx.target.base_url)
    with Receiver() as receiver, endpoint(ctx, receiver.url, ["image.completed", "image.failed"]) as created:
        _generation_delivery(ctx, receiver, created.json()["secret"])
        old_secret = created.json()["secret"]
        rotated = ctx.call("POST", f"/v1/webhook_endpoints/{created.json()['id']}/rotate_secret")
        ctx.redact.add(rotated.json().get("secret"))
        receiver.deliveries.clear()
        delivery, done = _generation_delivery(ctx, receiver, rotated.json()["secret"])
        ctx.expect(verify(old_secret, delivery), "both secrets sign during a rotation", "no signature by the old one",
                   done)


@check("B-WH-3", paid=True, admin=True)
def fired_events(ctx: Context) -> None:
    for reserved in ("image.expired", "video.moderation_rejected"):
        ex = ctx.call("POST", "/v1/webhook_endpoints", json_body={"url": "https://example.com/h", "events": [reserved]})
        ctx.expect_status(ex, 400)
    require_local(ctx.target.base_url)
    with Receiver() as receiver, endpoint(ctx, receiver.url, ["image.cancelled"]):
        created = create(ctx, "images", IMAGE)
        ctx.call("POST", f"/v1/images/{created.json()['id']}/cancel")
        ctx.caps.require_admin().advance(5)
        receiver.wait_for(1, about=created.json()["id"])
        events = receiver.events(about=created.json()["id"])
        ctx.expect(events == ["image.cancelled"], "one image.cancelled delivery", events, created)


@check("B-WH-5", paid=True, admin=True)
def failed_deliveries_retried(ctx: Context) -> None:
    require_local(ctx.target.base_url)
    with Receiver(status=500) as receiver, endpoint(ctx, receiver.url, ["image.cancelled"]):
        created = create(ctx, "images", IMAGE)
        ctx.call("POST", f"/v1/images/{created.json()['id']}/cancel")
        admin = ctx.caps.require_admin()
        for _ in range(4):
            admin.advance(2)
        deliveries = receiver.wait_for(3, about=created.json()["id"])
        ids = {d["headers"].get("webhook-id") for d in deliveries}
        ctx.expect(len(deliveries) == 3 and len(ids) == 1, "3 attempts of the same delivery (one webhook-id)",
                   f"{len(deliveries)} attempts, ids {sorted(map(str, ids))}", created)
