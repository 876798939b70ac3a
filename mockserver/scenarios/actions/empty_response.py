"""`empty_response: true`: the server closes the connection without a byte of response (curl's "empty
reply from server", httpx's `RemoteProtocolError: Server disconnected without sending a response`)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...call import Call, Next
from ..faults import DroppedConnection
from . import Action, BuildContext, Firing, action


@action("empty_response", {"const": True})
def build(value: Any, context: BuildContext) -> Action:
    """Close the connection without sending a response."""

    async def act(call: Call, call_next: Next, firing: Firing) -> Response:
        return DroppedConnection(reset=False)

    return act
