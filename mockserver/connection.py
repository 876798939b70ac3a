"""Ending a connection the way a broken network or server does, for transport faults (scenarios).

A fault is only real if the client sees it on the socket: uvicorn answers `500` when an app raises
before it starts a response, so an exception is no reset. Under uvicorn the ASGI `send` callable is a
method of the request cycle that owns the asyncio transport; closing that transport gives the client a
FIN (an empty reply, or a body shorter than announced) and aborting it with `SO_LINGER` 0 a TCP RST.
Other ASGI servers (and Starlette's TestClient) get `ConnectionDropped` raised instead.
"""

from __future__ import annotations

import asyncio
import socket
import struct

from starlette.types import Receive, Send


class ConnectionDropped(ConnectionError):
    """Raised where the server gives no handle on the connection (not uvicorn)."""


def _transport(send: Send) -> asyncio.Transport | None:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if hasattr(transport, "abort") else None


async def drop(send: Send, receive: Receive, *, reset: bool = False) -> None:
    """Close the connection now (`reset`: with a TCP RST), whatever was sent so far, then wait until the
    server has seen it go, so it neither answers `500` nor logs an unfinished response."""
    transport = _transport(send)
    if transport is None:
        raise ConnectionDropped("the scenario dropped the connection")
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass  # the socket is gone already: aborting is all that is left
        transport.abort()
    else:
        transport.close()
    while (await receive())["type"] != "http.disconnect":
        pass
