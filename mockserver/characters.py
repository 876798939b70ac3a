"""Characters (B-CHAR-1..3): built from references (`ready` at once) or synthesised in the background
(`synthesizing`, then `ready` or `failed` on the clock, with `character.*` webhooks); DELETE of an
in-flight synthesis cancels it. Synthesis is billed like a generation: hold, then charge or release."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from . import billing, webhook_events
from .call import Call
from .clock import from_unix, isoformat
from .errors import ApiError
from .listing import page
from .references import character_status, characters_namespace, resolve, store_file
from .registry import operation
from .responses import json_response
from .timeline import due, schedule

SYNTHESIS_PRICE = 4  # credits per synthesis (the price of the renders it makes)
RENDERS = 2
FAILURE_CODE = "provider_error"  # customer-safe code of a failed synthesis (seed 002)


def view(row: dict[str, Any], now: float, status: str | None = None) -> dict[str, Any]:
    """The character at `now`: its status derived from the synthesis's finish (B-CHAR-1)."""
    status = status or character_status(row, now)
    completed = {"synthesizing": None, "cancelled": now}.get(status, row["finish_at"] or row["created"])
    references = {"synthesizing": [], "ready": row["reference_image_urls"]}.get(status, row["given_references"])
    return {
        "id": row["id"], "object": "character", "name": row["name"], "status": status, "prompt": row["prompt"],
        "reference_image_urls": references, "error_message": row["error_message"] if status == "failed" else None,
        "client_reference_id": row["client_reference_id"], "cost": row["cost"],
        "created_at": isoformat(from_unix(row["created"])),
        "completed_at": None if completed is None else isoformat(from_unix(completed)),
    }


@operation("createCharacter")
async def create_character(call: Call) -> Response:
    body: dict[str, Any] = call.body
    mock = call.mock
    now = mock.clock.time()
    generate = bool(body.get("generate"))
    references = resolve(call, body.get("reference_image_urls"), materialise=True)
    row: dict[str, Any] = {
        "name": body["name"], "prompt": body.get("prompt"), "generate": generate,
        "client_reference_id": body.get("client_reference_id"), "created": now, "finish_at": None,
        "outcome": "ready", "error_message": None, "cost": None, "hold_id": None,
        "reference_image_urls": references or [], "given_references": references or [],
    }
    if generate:
        mock.generation_rules.moderate(body["prompt"])
        cost = {"amount": SYNTHESIS_PRICE, "currency": "credit", "breakdown": {"base": SYNTHESIS_PRICE}}
        billing.require_credit(call, SYNTHESIS_PRICE)
        row["id"] = mock.ids.new("char")
        plan = mock.generation_rules.plan("character", row["id"], body["prompt"], call.overrides, FAILURE_CODE)
        hold = mock.ledger.record(call.team_id, "hold", SYNTHESIS_PRICE, f"Hold for character synthesis {row['id']}",
                                  generation_id=row["id"], usage_kind="character")
        row.update(finish_at=now + plan.finish_after, outcome="ready" if plan.outcome == "succeeded" else "failed",
                   error_message=plan.error_message, cost=cost, hold_id=hold["id"],
                   renders=[mock.ids.new("file") for _ in range(RENDERS)])
        row["reference_image_urls"] = [*row["reference_image_urls"], *row["renders"]]
        schedule(mock, row["finish_at"], "character.finish", id=row["id"], team_id=call.team_id)
    else:
        row["id"] = mock.ids.new("char")
    row["team_id"] = call.team_id
    row["webhook_fail"] = call.overrides.get("webhook_fail")
    namespace = characters_namespace(call.team_id)
    mock.store.put(namespace, row["id"], row)
    mock.store.trim(namespace, mock.generation_rules.max_rows)
    if generate:
        webhook_events.check_balance(mock, call.team_id)
    return json_response(view(row, now), 201)


@due("character.finish")
def _finish(mock: Any, item: dict[str, Any]) -> None:
    """The synthesis has finished: its renders become files of the team, the hold is settled, the event fires."""
    row = mock.store.get(characters_namespace(item["team_id"]), item["id"])
    if row is None:
        return  # deleted (cancelled) before it finished: released then
    at = item["at"]
    _settle(mock, row, at, "release", row["outcome"])
    if row["outcome"] == "ready":
        for file_id in row["renders"]:
            store_file(mock, row["team_id"], file_id, "upload", at, filename=f"{row['id']}-render.png",
                       content_type="image/png")
        mock.ledger.record(row["team_id"], "charge", SYNTHESIS_PRICE, f"Character synthesis {row['id']}",
                           generation_id=row["id"], hold_id=row["hold_id"], usage_kind="character", at=at)
    event = "character.completed" if row["outcome"] == "ready" else "character.failed"
    webhook_events.emit(mock, row["team_id"], event, view(row, at), at, fail=row.get("webhook_fail"))


def _settle(mock: Any, row: dict[str, Any], at: float, kind: str, why: str) -> None:
    mock.ledger.record(row["team_id"], kind, SYNTHESIS_PRICE, f"Release of the hold for character synthesis "
                       f"{row['id']} ({why})", generation_id=row["id"], hold_id=row["hold_id"],
                       usage_kind="character", at=at)


def _found(call: Call) -> dict[str, Any]:
    row = call.mock.store.get(characters_namespace(call.team_id), call.path_params["id"])
    if row is None:
        raise ApiError("character_not_found", f"No character {call.path_params['id']} in this team.", param="id")
    return row


@operation("retrieveCharacter")
async def retrieve_character(call: Call) -> Response:
    return json_response(view(_found(call), call.mock.clock.time()))


@operation("listCharacters")
async def list_characters(call: Call) -> Response:
    now = call.mock.clock.time()
    return page(call, list(call.mock.store.values(characters_namespace(call.team_id))), lambda row: view(row, now))


@operation("deleteCharacter")
async def delete_character(call: Call) -> Response:
    """B-CHAR-3: deleting an in-flight synthesis cancels it: the hold is released, `character.cancelled` fires."""
    mock = call.mock
    row = _found(call)
    now = mock.clock.time()
    mock.store.delete(characters_namespace(call.team_id), row["id"])
    if character_status(row, now) == "synthesizing":
        _settle(mock, row, now, "release", "cancelled")
        webhook_events.emit(mock, row["team_id"], "character.cancelled", view(row, now, "cancelled"), now,
                            fail=row.get("webhook_fail"))
    return json_response({"id": row["id"], "object": "character", "deleted": True})
