"""The one pipeline every API request runs through (request id, route lookup, then the stages:
authentication, rate limit, unknown routes, version, validation; then the resource handler), with
one place that renders errors, stamps the common headers and writes the journal."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .. import journal
from ..call import Call, Stage, compose
from ..errors import ApiError
from ..registry import HANDLERS
from ..state import MockState
from ..timeline import run_due
from .auth import authenticate
from .idempotency import idempotency
from .ratelimit import limit_requests, limit_tokens
from .route import require_route
from .scenarios import run_scenarios
from .validate import validate_request
from .version import resolve_version, version_for_response

log = logging.getLogger("aurous_mock")

# The order is the contract. Scenarios run after validation (a scripted fault answers a request the API
# would accept) and before idempotency, so a scripted fault never becomes a stored idempotent answer.
# Idempotency comes after validation, so an invalid request never claims a key, and inside the buckets,
# so a replay spends a request but no tokens. An unknown route or method is raised by require_route,
# after the team is known, so the 404 or 405 of a known team carries its rate-limit headers and version.
DEFAULT_STAGES: list[Stage] = [
    authenticate, limit_requests, require_route, limit_tokens, resolve_version, validate_request, run_scenarios,
    idempotency,
]


class ApiApp:
    """ASGI app for everything outside `/__mock`."""

    def __init__(self, mock: MockState, stages: list[Stage] | None = None) -> None:
        self.mock = mock
        self._chain = compose(stages if stages is not None else DEFAULT_STAGES, self._dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":  # the API has no websockets: refuse the upgrade
                await send({"type": "websocket.close", "code": 1008})
            return
        mock = self.mock
        mock.webhooks.ensure_running()
        call = Call(mock, Request(scope, receive), mock.ids.new("req"), mock.clock.time())
        # Looked up by several stages: one dict instead of a scan of the header list per lookup.
        call.headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(scope["headers"])}
        try:
            try:
                call.operation, call.path_params = mock.contract.match(scope["method"], scope["path"])
            except ApiError as error:
                call.route_error = error
            response = await self._chain(call)
        except ApiError as error:
            response = mock.errors.response(error)
        except Exception:  # a bug: answer with the envelope, never a traceback
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            response = mock.errors.response(ApiError("internal_error"))
        stamp(response, call)
        journal.record(call, response.status_code)
        try:
            await response(scope, receive, send)
        except ClientDisconnect:
            pass  # the client left mid-stream; the stream's producer has recorded how far it got

    async def _dispatch(self, call: Call) -> Response:
        assert call.operation is not None
        # What came due since the last request happens first, so the answer and the ledger agree.
        run_due(self.mock)
        self.mock.webhooks.wake_if_due()
        handler = HANDLERS.get(call.operation.operation_id)
        if handler is None:
            raise ApiError("not_implemented", f"aurous-mock does not serve {call.operation.method} "
                           f"{call.operation.path} yet.")
        return await handler(call)


def stamp(response: Response, call: Call) -> None:
    """The headers every response carries (B-HDR-1, B-HDR-2, B-HDR-3, B-HDR-5)."""
    raw = response.raw_headers
    request_id = call.request_id.encode()
    raw.append((b"aurous-request-id", request_id))
    raw.append((b"x-request-id", request_id))
    raw.append((b"aurous-version", version_for_response(call).encode()))
    names = _ENCODED_NAMES
    raw.extend([(names[name], value.encode()) for name, value in call.response_headers.items()])


class _EncodedNames(dict[str, bytes]):
    """Header names are a small fixed set: each is encoded once, on first use."""

    def __missing__(self, name: str) -> bytes:
        encoded = self[name] = name.lower().encode()
        return encoded


_ENCODED_NAMES = _EncodedNames()
