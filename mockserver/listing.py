"""Pages of a listing (files, characters, webhook endpoints): newest first, `limit` after `starting_after`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from .call import Call
from .errors import ApiError
from .responses import json_response


def after_cursor(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows after the one `starting_after` names; an id not in the listing is 404."""
    cursor = call.query.get("starting_after")
    if cursor is None:
        return rows
    position = next((i for i, row in enumerate(rows) if row["id"] == cursor), None)
    if position is None:
        raise ApiError("resource_not_found", f"starting_after {cursor} names nothing in this listing.",
                       param="starting_after")
    return rows[position + 1:]


def page(call: Call, rows: list[dict[str, Any]], shown: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
    """Ids are ULIDs, so sorting by id is sorting by creation time."""
    rows = after_cursor(call, sorted(rows, key=lambda row: row["id"], reverse=True))
    limit = call.query["limit"]  # the contract's default fills it in
    return json_response({"object": "list", "data": [shown(row) for row in rows[:limit]],
                          "has_more": len(rows) > limit})
