"""`webhook`: the webhook deliveries a request causes fail, through `call.overrides["webhook_fail"]`:
`{"status": 503}` (the receiver answers that status) or `{"status": null}` (the receiver cannot be
reached). Retries and the endpoint's auto-disable follow as for a real failing receiver (B-WH-5)."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from . import Action, BuildContext, Firing, action

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["fail"],
    "properties": {"fail": {"oneOf": [{"type": "integer", "minimum": 300, "maximum": 599},
                                      {"const": "unreachable"}]}},
}


@action("webhook", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Make webhook deliveries fail: `{fail: 503}` or `{fail: unreachable}`."""
    status = None if value["fail"] == "unreachable" else value["fail"]

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        call.overrides["webhook_fail"] = {"status": status}

    return act
