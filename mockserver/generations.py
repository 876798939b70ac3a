"""The generations core that images and videos share (B-IMG-1, B-IMG-2, B-IMG-8, B-IMG-9, B-VID-1,
B-ACCT-3, B-VER-3).

A generation is written once, at create, with the moments it will start processing and finish and
how it will end; its status at any time is derived from those timestamps and the clock, so freezegun
and `POST /__mock/clock/advance` both move it, it never goes backwards, and a terminal state stays
terminal. The only later write is a cancel, which stamps `cancelled_at`. `completed_at`,
`duration_ms` and `aurous_version` are therefore fixed when the generation is created.

Billing: a `hold` at create; when the finish comes due (see `timeline`), a success releases the hold
and writes the `charge`, a failure releases it; a cancel releases it at once. All lines carry the
hold's id, so `GET /v1/usage/events` shows each generation's story and the signed sum is the balance.
"""

from __future__ import annotations

import hmac
from typing import Any

from . import billing, webhook_events
from .call import Call
from .clock import from_unix, isoformat
from .errors import ApiError
from .timeline import due, schedule

NAMESPACE = "generations"
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
OUTPUT_TTL = {"image": 7 * 24 * 3600.0, "video": 24 * 3600.0}  # after completion (B-IMG-8, B-VID-1)
USAGE_KIND = {"image": "image", "video": "video"}


def status_at(row: dict[str, Any], now: float) -> str:
    cancelled = row.get("cancelled_at")
    if cancelled is not None and now >= cancelled:
        return "cancelled"
    if now >= row["finish_at"]:
        return row["outcome"]
    if now >= row["processing_at"]:
        return "processing"
    return "pending"


def completed_at(row: dict[str, Any]) -> float:
    cancelled = row.get("cancelled_at")
    return cancelled if cancelled is not None else row["finish_at"]


def view(row: dict[str, Any], now: float) -> dict[str, Any]:
    """The generation as `GET` shows it at `now` (every documented field, nulls where they do not apply)."""
    body = dict(row["body"])
    status = status_at(row, now)
    body["status"] = status
    if status in TERMINAL:
        done = completed_at(row)
        body["completed_at"] = isoformat(from_unix(done))
        body["duration_ms"] = round((done - row["created"]) * 1000)
    if status == "failed":
        body["error_message"] = row["error_message"]
    if status == "succeeded":
        base = f"{row['base_url']}/v1/{row['kind']}s/{row['id']}/output"
        if row["kind"] == "image":
            body["output_urls"] = [f"{base}/{i}?token={row['token']}" for i in range(body["image_count"])]
        else:
            body["output_video_url"] = f"{base}?token={row['token']}"
    return body


def create(call: Call, kind: str, fields: dict[str, Any], cost: dict[str, Any], prompt: str,
           webhook_url: str | None) -> dict[str, Any]:
    """Refuse without credit (402, nothing created), else write the row, place the hold and schedule the finish."""
    mock = call.mock
    amount = cost["amount"]
    billing.require_credit(call, amount)
    generation_id = mock.ids.new("img" if kind == "image" else "vid")
    plan = mock.generation_rules.plan(kind, generation_id, prompt, call.overrides)
    now = mock.clock.time()
    hold = mock.ledger.record(call.team_id, "hold", amount, f"Hold for {kind} generation {generation_id}",
                              generation_id=generation_id, usage_kind=USAGE_KIND[kind])
    body = {
        "id": generation_id, "status": "pending", "prompt": prompt, "created_at": isoformat(from_unix(now)),
        "media_type": kind, "negative_prompt": None, "output_urls": None, "output_video_url": None,
        "reference_image_urls": None, "error_message": None, "duration_ms": None, "cost": cost,
        "width": None, "height": None, "image_count": None, "size_preset": None, "inference_type": None,
        "seed": None, "video_duration": None, "video_resolution": None, "video_ratio": None,
        "video_camera_fixed": None, "character_id": None, "bundle_name": None, "loras": None,
        "aurous_version": call.version, "creation_request_id": call.request_id, "completed_at": None,
    }
    body.update(fields)
    row = {
        "id": generation_id, "kind": kind, "team_id": call.team_id, "body": body, "created": now,
        "processing_at": now + plan.processing_after, "finish_at": now + plan.finish_after,
        "outcome": plan.outcome, "error_message": plan.error_message, "cancelled_at": None,
        "hold_id": hold["id"], "token": mock.ids.hex(40), "webhook_url": webhook_url,
        "webhook_fail": call.overrides.get("webhook_fail"),
        "base_url": str(call.request.base_url).rstrip("/"),
    }
    mock.store.put(NAMESPACE, generation_id, row)
    mock.store.trim(NAMESPACE, mock.generation_rules.max_rows)
    schedule(mock, row["finish_at"], "generation.finish", id=generation_id, team_id=call.team_id,
             hold_id=hold["id"], amount=amount, kind=kind)
    call.notes["generation_id"] = generation_id
    webhook_events.check_balance(mock, call.team_id)
    return view(row, now)


def estimate(call: Call, cost: dict[str, Any]) -> dict[str, Any]:
    """B-IMG-7, B-VID-2: the price, and whether the create would pass the credit check now; nothing is held."""
    return {"estimated_cost": cost, "sufficient_balance": call.mock.ledger.balance(call.team_id) >= cost["amount"]}


def find(call: Call, kind: str) -> dict[str, Any]:
    """The caller's generation named in the path; unknown, another kind's or another team's: 404."""
    generation_id = call.path_params["id"]
    row = call.mock.store.get(NAMESPACE, generation_id)
    if row is None or row["kind"] != kind or row["team_id"] != call.team_id:
        raise ApiError("resource_not_found", f"No {kind} generation {generation_id} in this team.", param="id")
    return row


def retrieve(call: Call, kind: str) -> dict[str, Any]:
    return view(find(call, kind), call.mock.clock.time())


def cancel(call: Call, kind: str) -> dict[str, Any]:
    """B-IMG-9: a pending or processing generation becomes cancelled and its hold is released at once."""
    mock = call.mock
    row = find(call, kind)
    now = mock.clock.time()
    status = status_at(row, now)
    if status in TERMINAL:
        raise ApiError("generation_not_cancellable", f"The {kind} generation {row['id']} is already {status}.",
                       param="id")
    row = {**row, "cancelled_at": now}
    mock.store.put(NAMESPACE, row["id"], row)
    _release(mock, row["team_id"], row["id"], row["hold_id"], row["body"]["cost"]["amount"], kind, now, "cancelled")
    shown = view(row, now)
    webhook_events.emit(mock, row["team_id"], f"{kind}.cancelled", shown, now, fail=row.get("webhook_fail"))
    return shown


@due("generation.finish")
def _finish(mock: Any, item: dict[str, Any]) -> None:
    """The finish has come: settle the hold and announce the outcome (unless it was cancelled first)."""
    row = mock.store.get(NAMESPACE, item["id"])
    at, kind = item["at"], item["kind"]
    if row is not None and row.get("cancelled_at") is not None:
        return  # released when it was cancelled
    if row is None:  # forgotten by retention before its end: the hold must not stay open
        _release(mock, item["team_id"], item["id"], item["hold_id"], item["amount"], kind, at, "forgotten")
        return
    amount = item["amount"]
    _release(mock, row["team_id"], row["id"], row["hold_id"], amount, kind, at, row["outcome"])
    if row["outcome"] == "succeeded" and amount > 0:
        mock.ledger.record(row["team_id"], "charge", amount, f"{kind.capitalize()} generation {row['id']}",
                           generation_id=row["id"], hold_id=row["hold_id"], usage_kind=USAGE_KIND[kind], at=at)
    event = f"{kind}.completed" if row["outcome"] == "succeeded" else f"{kind}.failed"
    webhook_events.emit(mock, row["team_id"], event, view(row, at), at, webhook_url=row["webhook_url"],
                        fail=row.get("webhook_fail"))


def _release(mock: Any, team_id: str, generation_id: str, hold_id: str, amount: float, kind: str, at: float,
             why: str) -> None:
    mock.ledger.record(team_id, "release", amount, f"Release of the hold for {kind} generation {generation_id} "
                       f"({why})", generation_id=generation_id, hold_id=hold_id, usage_kind=USAGE_KIND[kind], at=at)


def output(call: Call, kind: str, index: int = 0) -> dict[str, Any]:
    """The checks of the anonymous output routes, in the documented order (B-IMG-8, B-VID-1, B-AUTH-5):
    unknown 404, wrong token 403, expired 410, not yet succeeded 409, failed/cancelled or no such index 404.
    Returns the row whose output may be served."""
    mock = call.mock
    generation_id = call.path_params["id"]
    row = mock.store.get(NAMESPACE, generation_id)
    if row is None or row["kind"] != kind:
        raise ApiError("resource_not_found", f"No {kind} generation {generation_id}.", param="id")
    if not _same(call.query.get("token", ""), row["token"]):
        raise ApiError("invalid_output_token", param="token")
    now = mock.clock.time()
    status = status_at(row, now)
    if status in TERMINAL and now >= completed_at(row) + OUTPUT_TTL[kind]:
        raise ApiError("output_expired", param="id")
    if status not in TERMINAL:
        raise ApiError("output_not_ready", f"The {kind} generation is still {status}.", param="id")
    if status != "succeeded":
        raise ApiError("resource_not_found", f"The {kind} generation {status}; it has no output.", param="id")
    if kind == "image" and index >= row["body"]["image_count"]:
        raise ApiError("resource_not_found", f"The generation has {row['body']['image_count']} image(s).",
                       param="index")
    return row


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
