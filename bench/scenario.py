"""What the load generators take and give: a scenario, its request bound to a live server, and the
figures of one timed run. The scenarios themselves are listed in `run.py` (`SCENARIOS`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from bench.servers import HOST

# The scenario every other one is compared against, round by round.
BASELINE = "bare"


@dataclass(frozen=True)
class Scenario:
    """One request driven in a loop against one target (`bare` or `mock`).

    `auth` adds `X-Api-Key` with a key of a fresh high-limit team; `headers` and `body` are sent as
    given (a JSON body needs its own `Content-Type` header here). Its ratio is taken against `baseline`
    (`bare` unless another mock scenario is the fairer reference); `fresh_header` is sent with a new
    value on every request (a fresh `Idempotency-Key` each time).
    """

    name: str
    target: str
    method: str
    path: str
    auth: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    note: str = ""
    fresh_header: str | None = None
    baseline: str = BASELINE  # the scenario whose req/s in the same round this one is compared to
    # A request made once, with the same key, before the load: its JSON answer's `id` fills `{id}` in `path`
    # (the generation that `GET /v1/images/{id}` reads).
    prepare: tuple[str, str, str] | None = None


def run_token() -> str:
    """A value no other load run uses, for `fresh_header` values."""
    return secrets.token_hex(8)


@dataclass
class Request:
    """A scenario bound to a live server: everything a load generator needs."""

    scenario: Scenario
    port: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{self.scenario.path}"

    def wire(self, number: int = 0, run: str = "") -> bytes:
        """The HTTP/1.1 keep-alive request as sent on the socket (for `fresh_header`: the `number`th of
        the load run `run`; values must never repeat across runs, or a later round would send replays)."""
        lines = [f"{self.scenario.method} {self.scenario.path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.scenario.fresh_header:
            lines.append(f"{self.scenario.fresh_header}: {run}-{number}")
        if self.body or self.scenario.method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class LoadResult:
    """One timed run against one scenario; latencies in milliseconds."""

    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    server_cpu: float | None = None  # share of one CPU the server used during the run

    @property
    def requests_per_cpu_s(self) -> float | None:
        """Requests per second of server CPU: the server's cost per request, whatever else ran meanwhile."""
        if not self.server_cpu:
            return None
        return self.rps / self.server_cpu

    @property
    def socket_error_count(self) -> int:
        return sum(self.socket_errors.values())
