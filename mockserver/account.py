"""Account and metering routes (B-ACCT-1, B-ACCT-2): team, balance, usage totals, the ledger."""

from __future__ import annotations

import math
from typing import Any

from starlette.responses import Response

from .call import Call
from .clock import from_unix, isoformat, parse_rfc3339
from .errors import ApiError
from .ledger import credits, open_holds, public
from .listing import after_cursor
from .registry import operation
from .responses import json_response

USAGE_KINDS = ("chat", "embedding", "image", "video", "character")
DEFAULT_USAGE_PERIOD = 30 * 24 * 3600.0


@operation("getTeam")
async def get_team(call: Call) -> Response:
    team = call.team
    assert team is not None
    return json_response({k: v for k, v in team.items() if k != "scenarios"})


@operation("getBalance")
async def get_balance(call: Call) -> Response:
    ledger = call.mock.ledger
    balance = ledger.balance(call.team_id)
    return json_response({
        "object": "balance",
        "team_id": call.team_id,
        "currency": "credit",
        "balance": balance,
        "held": ledger.held(call.team_id),
        "available": balance,
    })


def _moment(value: str | None, param: str) -> float | None:
    if value is None:
        return None
    seconds = parse_rfc3339(value)
    if seconds is None:
        raise ApiError("invalid_format", f"{param} is not an RFC 3339 date or date-time.", param=param)
    return seconds


@operation("getUsage")
async def get_usage(call: Call) -> Response:
    hi = _moment(call.query.get("end"), "end")
    hi = call.mock.clock.time() if hi is None else hi
    lo = _moment(call.query.get("start"), "start")
    lo = hi - DEFAULT_USAGE_PERIOD if lo is None else lo
    lines = [line for line in call.mock.ledger.lines(call.team_id) if lo <= line["_at"] < hi]
    by_kind = dict.fromkeys(USAGE_KINDS, 0.0)
    for line in lines:
        if line["type"] == "charge" and line["_usage_kind"] in by_kind:
            by_kind[line["_usage_kind"]] += line["amount"]
    return json_response({
        "object": "usage",
        "team_id": call.team_id,
        "start": isoformat(from_unix(lo)),
        "end": isoformat(from_unix(hi)),
        "credits_charged": _total(lines, "charge"),
        "credits_refunded": _total(lines, "refund"),
        "credits_held": open_holds(lines),
        "by_kind": {kind: credits(value) for kind, value in by_kind.items()},
        "events": len(lines),
    })


def _total(lines: list[dict[str, Any]], kind: str) -> float:
    return credits(math.fsum(line["amount"] for line in lines if line["type"] == kind))


@operation("listUsageEvents")
async def list_usage_events(call: Call) -> Response:
    lines = call.mock.ledger.lines(call.team_id)
    lines.reverse()  # newest first
    wanted_type = call.query.get("type")
    generation_id = call.query.get("generation_id")
    if wanted_type is not None:
        lines = [line for line in lines if line["type"] == wanted_type]
    if generation_id is not None:
        lines = [line for line in lines if line["generation_id"] == generation_id]
    lines = after_cursor(call, lines)
    limit = call.query["limit"]  # the contract's default fills it in
    page = lines[:limit]
    return json_response({"object": "list", "data": [public(line) for line in page], "has_more": len(lines) > limit})
