"""The built-in load generator, for machines without wrk: raw asyncio HTTP/1.1 keep-alive connections
driven from protocol callbacks, reporting the same figures as wrk with no third-party client."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.scenario import LoadResult, Request, run_token
from bench.servers import HOST, LOAD_GRACE_S


def parse_response(buffer: bytearray | bytes) -> tuple[int, int, bool] | None:
    """(status, bytes used, keep-alive) for the first complete response in `buffer`, or None if it is incomplete.

    A response without Content-Length or chunked framing ends when the server closes: `bytes used` is
    then -1 and the caller counts it at end of stream.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    if buffer[:7] != b"HTTP/1.":
        raise ValueError("not an HTTP/1.x response")
    status = int(buffer[9:12])
    head = bytes(buffer[:end + 2]).lower()
    keep = b"\r\nconnection: close" not in head
    start = end + 4
    at = head.find(b"\r\ncontent-length:")
    if at >= 0:
        total = start + int(head[at + 17:head.index(b"\r\n", at + 2)])
        return (status, total, keep) if len(buffer) >= total else None
    if b"\r\ntransfer-encoding: chunked" in head:
        position = start
        while True:
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size = int(bytes(buffer[position:line_end]).split(b";", 1)[0], 16)
            position = line_end + 2
            if size == 0:
                trailer_end = buffer.find(b"\r\n\r\n", position - 2)
                return (status, trailer_end + 4, keep) if trailer_end >= 0 else None
            position += size + 2
            if len(buffer) < position:
                return None
    if status < 200 or status in (204, 304):
        return status, start, keep
    return status, -1, False


@dataclass
class _Tally:
    """What all connections of one built-in load run have seen."""

    request: Request
    deadline: int
    latencies: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    run: str = field(default_factory=run_token)  # new per load run: fresh header values never repeat
    _wire: bytes = b""

    def next_wire(self) -> bytes:
        """The same bytes every time, unless the scenario sends a fresh header value per request."""
        self.sent += 1
        if self.request.scenario.fresh_header:
            return self.request.wire(self.sent, self.run)
        if not self._wire:
            self._wire = self.request.wire()
        return self._wire


class _LoadConnection(asyncio.Protocol):
    """One keep-alive connection driven from callbacks: the next request leaves as soon as the answer
    is complete, with no task switch in between, so the Python client keeps up with the server."""

    def __init__(self, tally: _Tally) -> None:
        self.tally = tally
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.sent = 0
        self.in_flight = False
        self.until_close: int | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        if time.perf_counter_ns() >= self.tally.deadline:
            self.transport.close()
            return
        self.in_flight = True
        self.sent = time.perf_counter_ns()
        self.transport.write(self.tally.next_wire())

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        try:
            parsed = parse_response(self.buffer)
        except ValueError:
            self.tally.errors["read"] += 1
            self.in_flight = False
            self.transport.abort()
            return
        if parsed is None:
            return
        status, used, keep = parsed
        if used < 0:  # the body runs to the end of the stream
            self.until_close = status
            return
        self.done(status)
        del self.buffer[:used]
        if keep:
            self.send()
        else:
            self.transport.close()

    def done(self, status: int) -> None:
        self.in_flight = False
        self.tally.latencies.append(time.perf_counter_ns() - self.sent)
        self.tally.statuses[status] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        if self.until_close is not None:
            self.done(self.until_close)
        elif self.in_flight:
            self.tally.errors["read"] += 1
        if not self.closed.done():
            self.closed.set_result(None)


async def _drive(request: Request, seconds: float, connections: int) -> LoadResult:
    """Keep-alive connections each sending the next request as soon as the previous answer is read, as wrk does."""
    loop = asyncio.get_running_loop()
    start = time.perf_counter_ns()
    tally = _Tally(request, start + int(seconds * 1e9))
    open_connections: list[_LoadConnection] = []

    async def slot() -> None:
        while time.perf_counter_ns() < tally.deadline:
            try:
                _, protocol = await loop.create_connection(lambda: _LoadConnection(tally), HOST, request.port)
            except OSError:
                tally.errors["connect"] += 1
                await asyncio.sleep(0.01)
                continue
            open_connections.append(protocol)
            await protocol.closed

    tasks = [asyncio.create_task(slot()) for _ in range(connections)]
    _, pending = await asyncio.wait(tasks, timeout=seconds + LOAD_GRACE_S)
    for protocol in open_connections:  # before cancelling: that would also cancel `closed`
        if protocol.transport is not None and not protocol.closed.done():
            if protocol.in_flight:  # an answer that never came
                tally.errors["timeout"] += 1
                protocol.in_flight = False
            protocol.transport.abort()
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = (time.perf_counter_ns() - start) / 1e9
    latencies = sorted(tally.latencies)
    count = len(latencies)
    return LoadResult(
        requests=count,
        duration_s=elapsed,
        rps=count / elapsed if elapsed else 0.0,
        p50_ms=percentile(latencies, 50) / 1e6,
        p99_ms=percentile(latencies, 99) / 1e6,
        mean_ms=(sum(latencies) / count / 1e6) if count else 0.0,
        max_ms=(latencies[-1] / 1e6) if count else 0.0,
        non_2xx=sum(n for status, n in tally.statuses.items() if not 200 <= status < 300),
        socket_errors=dict(tally.errors),
        statuses={str(status): n for status, n in sorted(tally.statuses.items())},
    )


def percentile(ordered: Sequence[int], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def run_builtin(request: Request, seconds: float, connections: int) -> LoadResult:
    return asyncio.run(_drive(request, seconds, connections))

