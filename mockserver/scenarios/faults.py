"""Responses that break the transport, for the transport-fault actions. Each is a real fault on the
socket under uvicorn (see `mockserver/connection.py`): the journal records status 0 when no response
was sent at all."""

from __future__ import annotations

import math

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .. import connection


class DroppedConnection(Response):
    """No response at all: the connection is closed (`reset`: with a TCP RST, else a plain FIN)."""

    def __init__(self, *, reset: bool) -> None:
        super().__init__(b"", 200)
        self.status_code = 0
        self.reset = reset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await connection.drop(send, receive, reset=self.reset)


class TruncatedBody(Response):
    """The handler's response with its status and headers (Content-Length included), but only the first
    `keep` share of its body; then the connection closes. A streamed response sends its first event."""

    def __init__(self, inner: Response, keep: float) -> None:
        self.inner = inner
        self.keep = keep
        self.status_code = inner.status_code
        self.raw_headers = inner.raw_headers  # the pipeline's headers land on the response that is sent
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        body = getattr(self.inner, "body", None)
        if body is None:  # a stream: its first event, then nothing
            iterator = self.inner.body_iterator  # type: ignore[attr-defined]
            try:
                async for chunk in iterator:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    break
            finally:
                aclose = getattr(iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
        else:
            kept = bytes(body)[:math.floor(len(body) * self.keep)]
            if kept:
                await send({"type": "http.response.body", "body": kept, "more_body": True})
        await connection.drop(send, receive)


def malformed(payload: bytes) -> bytes:
    """JSON that no parser accepts: the first half of the document (an object or array is never valid
    without its closing bracket), or a stray brace when there is nothing to cut."""
    half = payload[: len(payload) // 2]
    return half if half.strip() else b"{"
