"""`malformed_json: true`: the handler runs, then its JSON body (or each event of a stream) is sent cut
in half, with a correct Content-Length: the HTTP exchange is fine, the payload does not parse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import Response

from ...call import Call, Next
from ...responses import EventStream
from ..faults import malformed
from . import Action, BuildContext, Firing, action

DONE = b"data: [DONE]\n\n"


async def _broken_events(events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        async for event in events:
            if event.startswith(b"data: ") and event != DONE:
                event = b"data: " + malformed(event[len(b"data: "):].rstrip(b"\n")) + b"\n\n"
            yield event
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


@action("malformed_json", {"const": True})
def build(value: Any, context: BuildContext) -> Action:
    """Send the handler's answer with a body (or stream events) that is not valid JSON."""

    async def act(call: Call, call_next: Next, firing: Firing) -> Response:
        inner = await call_next(call)
        headers = [(k, v) for k, v in inner.raw_headers if k != b"content-length"]
        body = getattr(inner, "body", None)
        if body is None:
            response: Response = EventStream(_broken_events(inner.body_iterator), inner.status_code)  # type: ignore[attr-defined]
        else:
            response = Response(malformed(bytes(body)), inner.status_code)
        response.raw_headers = [*[(k, v) for k, v in response.raw_headers if k == b"content-length"], *headers]
        return response

    return act
