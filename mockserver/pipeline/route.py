"""Unknown routes and methods (404 route_not_found, 405 method_not_allowed), raised once the caller's
team is known, so the answer to a known team carries its rate-limit headers and version."""

from __future__ import annotations

from starlette.responses import Response

from ..call import Call, Next


async def require_route(call: Call, call_next: Next) -> Response:
    if call.route_error is not None:
        raise call.route_error
    return await call_next(call)
