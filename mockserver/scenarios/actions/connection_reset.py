"""`connection_reset: true`: no response; the connection is reset (TCP RST), as a crashed proxy does."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...call import Call, Next
from ..faults import DroppedConnection
from . import Action, BuildContext, Firing, action


@action("connection_reset", {"const": True})
def build(value: Any, context: BuildContext) -> Action:
    """Reset the connection (TCP RST) without a response."""

    async def act(call: Call, call_next: Next, firing: Firing) -> Response:
        return DroppedConnection(reset=True)

    return act
