"""`respond`: answer with a literal status, headers and body (JSON, or text when the body is a string)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...call import Call, Next
from ...jsoncodec import dumps
from . import Action, BuildContext, Firing, action

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["status"],
    "properties": {
        "status": {"type": "integer", "minimum": 200, "maximum": 599},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "body": {},
    },
}


@action("respond", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Answer with a literal `{status, headers, body}`."""
    headers = {name.lower(): text for name, text in value.get("headers", {}).items()}
    body = value.get("body")
    if isinstance(body, str):
        content, media = body.encode(), headers.pop("content-type", "text/plain; charset=utf-8")
    else:
        content, media = (b"" if body is None else dumps(body)), headers.pop("content-type", "application/json")
    status = value["status"]

    async def act(call: Call, call_next: Next, firing: Firing) -> Response:
        return Response(content, status, headers, media)

    return act
