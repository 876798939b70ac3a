"""Version resolution (B-VER-1, B-VER-2): the header's pin, else the team's default, else the system default."""

from __future__ import annotations

from starlette.responses import Response

from ..call import Call, Next


async def resolve_version(call: Call, call_next: Next) -> Response:
    pinned = call.headers.get("aurous-version")
    if pinned is not None:
        call.version = call.mock.versions.parse_pin(pinned.strip())
    elif call.team is not None:
        call.version = call.team["default_api_version"]
    else:
        call.version = call.mock.versions.system_default
    return await call_next(call)


def version_for_response(call: Call) -> str:
    """The version echoed on a response, also when the request failed before it was resolved."""
    if call.version is not None:
        return call.version
    versions = call.mock.versions
    pinned = call.headers.get("aurous-version")
    if pinned is not None and versions.is_valid(pinned.strip()):
        return pinned.strip()
    if call.team is not None:
        return call.team["default_api_version"]
    return versions.system_default
