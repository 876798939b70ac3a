"""JSON responses rendered compactly, the way the API sends them."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from . import connection
from .jsoncodec import dumps

JSON = "application/json"


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if headers is None:
        return JsonBytes(dumps(value), status)
    return Response(dumps(value), status, headers, JSON)


def json_bytes(body: bytes, status: int = 200) -> Response:
    return JsonBytes(body, status)


class JsonBytes(Response):
    """A JSON body already encoded, with the two headers Starlette would give it, set directly: every
    API answer is one, and Starlette's general header handling is most of the cost of making it."""

    media_type = JSON

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", str(len(body)).encode()), _JSON_TYPE]


_JSON_TYPE = (b"content-type", JSON.encode())


class StreamCut(Exception):
    """Raised by a stream's producer to cut the connection mid-stream (a scenario's stream fault)."""


class EventStream(StreamingResponse):
    """A streamed body whose producer always learns how the stream ended: when the client goes away
    the producer is closed at once (its `finally` runs), not whenever it is garbage-collected. A producer
    that raises `StreamCut` has the connection closed under the client, with no end of stream."""

    _receive: Receive | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._receive = receive
        await super().__call__(scope, receive, send)

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        except StreamCut:
            assert self._receive is not None
            await connection.drop(send, self._receive)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()
