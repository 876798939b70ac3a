"""Pages of a listing (files, characters, webhook endpoints): newest first, `limit` after `starting_after`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from .call import Call
from .errors import ApiError
from .responses import json_response


def page(call: Call, rows: list[dict[str, Any]], shown: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
    """Ids are ULIDs, so sorting by id is sorting by creation time."""
    rows = sorted(rows, key=lambda row: row["id"], reverse=True)
    cursor = call.query.get("starting_after")
    if cursor is not None:
        position = next((i for i, row in enumerate(rows) if row["id"] == cursor), None)
        if position is None:
            raise ApiError("resource_not_found", f"starting_after {cursor} names nothing in this listing.",
                           param="starting_after")
        rows = rows[position + 1:]
    limit = call.query["limit"]  # the contract's default fills it in
    return json_response({"object": "list", "data": [shown(row) for row in rows[:limit]],
                          "has_more": len(rows) > limit})
