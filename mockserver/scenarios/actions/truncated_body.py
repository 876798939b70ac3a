"""`truncated_body`: the handler runs (state changes and billing happen, as on a real server), the status
and headers go out with the full Content-Length, then only part of the body and the connection closes."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...call import Call, Next
from ..faults import TruncatedBody
from . import Action, BuildContext, Firing, action

SCHEMA = {
    "oneOf": [
        {"const": True},
        {"type": "object", "additionalProperties": False,
         "properties": {"keep": {"type": "number", "minimum": 0, "exclusiveMaximum": 1}}},
    ]
}


@action("truncated_body", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Send the handler's answer cut short: `true` keeps half the body, `{keep: 0.1}` a tenth."""
    keep = 0.5 if value is True else float(value.get("keep", 0.5))

    async def act(call: Call, call_next: Next, firing: Firing) -> Response:
        return TruncatedBody(await call_next(call), keep)

    return act
