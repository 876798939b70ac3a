"""Authentication (B-AUTH-1..3): `X-Api-Key` or `Authorization: Bearer`, on every route but anonymous ones."""

from __future__ import annotations

from starlette.responses import Response

from ..call import Call, Next
from ..errors import ApiError


def presented_key(call: Call) -> str | None:
    headers = call.headers
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return value.strip()
    return None


async def authenticate(call: Call, call_next: Next) -> Response:
    if call.operation is not None and call.operation.anonymous:
        return await call_next(call)
    key = presented_key(call)
    team = call.mock.accounts.authenticate(key)
    if team is None and call.route_error is not None:
        raise call.route_error  # an unknown route is a 404 with or without a key
    if team is None:
        reason = "No API key was sent." if not key else "The API key is malformed, unknown, revoked or expired."
        raise ApiError("invalid_api_key", f"Invalid API key. {reason} Send it in X-Api-Key or as "
                       "Authorization: Bearer <key>.")
    call.team, call.api_key = team, key
    return await call_next(call)
