"""Time to the first streamed byte of a chat completion, and to the end of the stream.

One client, one keep-alive HTTP/1.1 connection on a raw socket, requests one after the other (no
concurrency, so the figures are the server's own latency, not queueing). Streamed and non-streamed
calls alternate so drift in the machine's speed reaches both alike. The chat request itself is defined
here and shared with the `chat` load scenario in `run.py`.
"""

from __future__ import annotations

import json
import socket
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from bench.loadgen import percentile
from bench.scenario import BASELINE, Request, Scenario
from bench.servers import ADMIN_TIMEOUT_S, HOST, BenchError

CHAT_PATH = "/v1/chat/completions"
CHAT_BODY: dict[str, Any] = {
    "model": "aurous-grow-2.0-pro",
    "messages": [{"role": "user", "content": "Say hello in one short sentence."}],
    "max_tokens": 64,
}
JSON_HEADERS = (("Content-Type", "application/json"),)

DEFAULT_REQUESTS = 200
WARMUP_PAIRS = 5  # unmeasured streamed + non-streamed pairs first
RESPONSE_TIMEOUT_S = ADMIN_TIMEOUT_S  # per response
BUDGET_S = 120.0  # the whole measurement, whatever N is
RECV_SIZE = 65536
TIMED_OUT = (f"time to first byte: no complete response in time ({RESPONSE_TIMEOUT_S:.0f} s per response, "
             f"{BUDGET_S:.0f} s in all)")


def chat_scenario(name: str, *, stream: bool, note: str = "", headers: tuple[tuple[str, str], ...] = (),
                  fresh_header: str | None = None, baseline: str = BASELINE) -> Scenario:
    """The chat request (authenticated, JSON body), streamed or not."""
    body = {**CHAT_BODY, "stream": True} if stream else CHAT_BODY
    return Scenario(name, "mock", "POST", CHAT_PATH, auth=True, headers=JSON_HEADERS + headers,
                    body=json.dumps(body), note=note, fresh_header=fresh_header, baseline=baseline)


@dataclass
class Exchange:
    """One response read off the connection; times in ns from the moment the request was written."""

    status: int
    first_event_ns: int | None  # first byte of the first `data:` event of the body
    end_ns: int  # the response complete (for a chunked body: its terminating 0-length chunk)
    body: bytes
    keep_alive: bool
    content_type: str


class _Reader:
    """Reads one HTTP/1.1 response, decoding a chunked body as it arrives and noting when each raw byte
    came in, so the first `data:` event is timed from its first byte, not from the end of its chunk."""

    def __init__(self, sock: socket.socket, sent_ns: int, deadline_ns: int) -> None:
        self.sock = sock
        self.sent_ns = sent_ns
        self.deadline_ns = deadline_ns
        self.raw = bytearray()
        self.arrivals: list[tuple[int, int]] = []  # (raw bytes received so far, perf_counter_ns)
        self.body = bytearray()
        self.segments: list[tuple[int, int]] = []  # (body offset, raw offset) where a run of chunk data starts

    def receive(self) -> None:
        remaining = (self.deadline_ns - time.perf_counter_ns()) / 1e9
        if remaining <= 0:
            raise BenchError(TIMED_OUT)
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(RECV_SIZE)
        except TimeoutError as exc:
            raise BenchError(TIMED_OUT) from exc
        if not data:
            raise BenchError(f"time to first byte: the server closed the connection mid-response "
                             f"after {len(self.raw)} bytes: {bytes(self.raw[:300])!r}")
        self.raw += data
        self.arrivals.append((len(self.raw), time.perf_counter_ns()))

    def arrived(self, raw_offset: int) -> int:
        """When the raw byte at `raw_offset` came in, in ns since the request was written."""
        return next(at for total, at in self.arrivals if total > raw_offset) - self.sent_ns

    def read(self) -> Exchange:
        while (end := self.raw.find(b"\r\n\r\n")) < 0:
            self.receive()
        if self.raw[:7] != b"HTTP/1.":
            raise BenchError(f"time to first byte: not an HTTP/1.x response: {bytes(self.raw[:300])!r}")
        status = int(self.raw[9:12])
        headers: dict[str, str] = {}
        for line in bytes(self.raw[:end]).decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if "content-length" in headers:
            total = start + int(headers["content-length"])
            while len(self.raw) < total:
                self.receive()
            self.body += self.raw[start:total]
            self.segments.append((0, start))
            tail = total
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            tail = self.read_chunks(start)
        else:
            raise BenchError(f"time to first byte: a response with neither Content-Length nor chunked framing "
                             f"(status {status}, headers {headers})")
        if len(self.raw) > tail:
            raise BenchError(f"time to first byte: {len(self.raw) - tail} unexpected bytes after the response")
        end_ns = self.arrivals[-1][1] - self.sent_ns
        return Exchange(status=status, first_event_ns=self.first_event(),
                        end_ns=end_ns, body=bytes(self.body),
                        keep_alive=headers.get("connection", "").lower() != "close",
                        content_type=headers.get("content-type", ""))

    def read_chunks(self, position: int) -> int:
        """Decode chunks from `position` until the terminating 0-length chunk; returns the offset after it."""
        while True:
            while (line_end := self.raw.find(b"\r\n", position)) < 0:
                self.receive()
            size = int(bytes(self.raw[position:line_end]).split(b";", 1)[0], 16)
            position = line_end + 2
            if size == 0:
                while len(self.raw) < position + 2:
                    self.receive()
                if self.raw[position:position + 2] == b"\r\n":
                    return position + 2
                while (trailer_end := self.raw.find(b"\r\n\r\n", position)) < 0:
                    self.receive()
                return trailer_end + 4
            left = size
            while left:
                while len(self.raw) <= position:
                    self.receive()
                piece = self.raw[position:position + left]
                self.segments.append((len(self.body), position))
                self.body += piece
                position += len(piece)
                left -= len(piece)
            while len(self.raw) < position + 2:
                self.receive()
            position += 2

    def first_event(self) -> int | None:
        """When the first byte of the body's first `data:` line came in (None: no such line)."""
        if self.body.startswith(b"data:"):
            at = 0
        else:
            at = self.body.find(b"\ndata:") + 1
            if at == 0:
                return None
        body_start, raw_start = next((b, r) for b, r in reversed(self.segments) if b <= at)
        return self.arrived(raw_start + at - body_start)


class _Client:
    """One keep-alive connection, reopened only if the server asks to close it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.connections = 0

    def exchange(self, wire: bytes, budget_end_ns: int) -> Exchange:
        if self.sock is None:
            self.sock = socket.create_connection((HOST, self.port), timeout=RESPONSE_TIMEOUT_S)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connections += 1
        self.sock.settimeout(RESPONSE_TIMEOUT_S)
        self.sock.sendall(wire)
        sent = time.perf_counter_ns()
        deadline = min(sent + int(RESPONSE_TIMEOUT_S * 1e9), budget_end_ns)
        answer = _Reader(self.sock, sent, deadline).read()
        if not answer.keep_alive:
            self.close()
        return answer

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _ms(values_ns: list[int]) -> dict[str, Any]:
    ordered = sorted(values_ns)
    return {
        "median": statistics.median(ordered) / 1e6 if ordered else None,
        "p99": percentile(ordered, 99) / 1e6 if ordered else None,
        "max": ordered[-1] / 1e6 if ordered else None,
        "samples": [round(v / 1e6, 3) for v in values_ns],
    }


@dataclass
class TtfbReport:
    """The figures of a time-to-first-byte run; times in ns since each request was written."""

    requests: int
    first_event_ns: list[int] = field(default_factory=list)  # streamed: first byte of the first `data:` event
    stream_end_ns: list[int] = field(default_factory=list)  # streamed: terminating chunk after `data: [DONE]`
    events: list[int] = field(default_factory=list)  # `data:` events per stream
    full_ns: list[int] = field(default_factory=list)  # non-streamed: whole response
    connections: int = 0
    duration_s: float = 0.0

    def figure(self, name: str, statistic: str) -> float | None:
        return _ms(getattr(self, name))[statistic]

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "request": f"POST {CHAT_PATH}",
            "body": CHAT_BODY,
            "connections_opened": self.connections,
            "duration_s": self.duration_s,
            "streamed": {
                "first_event_ms": _ms(self.first_event_ns),
                "stream_end_ms": _ms(self.stream_end_ns),
                "events_per_stream": statistics.median(self.events) if self.events else None,
            },
            "non_streamed": {"full_response_ms": _ms(self.full_ns)},
        }


def _check(answer: Exchange, what: str) -> None:
    if answer.status != 200:
        raise BenchError(f"time to first byte: {what} POST {CHAT_PATH} answered {answer.status}: "
                         f"{answer.body[:300]!r}")


def measure_ttfb(port: int, key: str, requests: int) -> TtfbReport:
    """`requests` streamed and as many non-streamed chat completions, alternating, one at a time on one
    keep-alive connection to the mock on `port`, after a few unmeasured pairs. Bounded by `BUDGET_S`."""
    headers = (("X-Api-Key", key),)
    wires = []
    for scenario in (chat_scenario("chat-stream", stream=True), chat_scenario("chat", stream=False)):
        wires.append(Request(scenario, port, (*scenario.headers, *headers), (scenario.body or "").encode()).wire())
    stream_wire, plain_wire = wires
    report = TtfbReport(requests)
    client = _Client(port)
    started = time.perf_counter_ns()
    budget_end = started + int(BUDGET_S * 1e9)
    try:
        for index in range(WARMUP_PAIRS + requests):
            if time.perf_counter_ns() > budget_end:
                raise BenchError(f"time to first byte: {index} of {WARMUP_PAIRS + requests} pairs within "
                                 f"{BUDGET_S:.0f} s; stopped")
            stream = client.exchange(stream_wire, budget_end)
            _check(stream, "streamed")
            if not stream.content_type.startswith("text/event-stream"):
                raise BenchError(f"time to first byte: streamed call answered {stream.content_type!r}")
            if stream.first_event_ns is None or not stream.body.rstrip().endswith(b"data: [DONE]"):
                raise BenchError(f"time to first byte: the stream did not hold `data:` events ending with "
                                 f"`data: [DONE]`: {stream.body[:300]!r} ... {stream.body[-100:]!r}")
            whole = client.exchange(plain_wire, budget_end)
            _check(whole, "non-streamed")
            if index < WARMUP_PAIRS:
                continue
            report.first_event_ns.append(stream.first_event_ns)
            report.stream_end_ns.append(stream.end_ns)
            report.events.append(stream.body.count(b"\ndata:") + 1)
            report.full_ns.append(whole.end_ns)
    except OSError as exc:
        raise BenchError(f"time to first byte: connection to 127.0.0.1:{port} failed: {exc}") from exc
    finally:
        client.close()
    report.connections = client.connections
    report.duration_s = (time.perf_counter_ns() - started) / 1e9
    return report
