"""Load and start-up benchmark of aurous-mock.

Start-up: wall time from launching `aurous-mock serve` to its first 200 on `/__mock/health`.
Load: requests/s and latency of mock routes next to a bare Starlette endpoint served by the same uvicorn
settings on the same machine in the same run, so the ratio between them is the mock's own cost and the
machine's speed mostly cancels out.

Run from the repository root: `python bench/run.py [options]` or `python -m bench.run [options]`.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# The targets the project holds itself to (see bench/README.md).
STARTUP_TARGET_S = 1.0
RATIO_TARGET = 0.5
RATIO_TARGET_SCENARIO = "models"

# Bounds, so that no step of a run can hang.
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
ADMIN_TIMEOUT_S = 5.0
LOAD_GRACE_S = 15.0
POLL_INTERVAL_S = 0.005

# A team for load: limits high enough that the per-team rate limit never refuses the benchmark.
# The admin API caps rpm_limit at 1,000,000 a minute, far above what one uvicorn worker serves.
LOAD_TEAM = {"rpm_limit": 1_000_000, "tpm_limit": 1_000_000_000, "balance": 1_000_000}


@dataclass(frozen=True)
class Scenario:
    """One request driven in a loop against one target (`bare` or `mock`).

    `auth` adds `X-Api-Key` with a key of a fresh high-limit team; `headers` and `body` are sent as
    given (a JSON body needs its own `Content-Type` header here).
    """

    name: str
    target: str
    method: str
    path: str
    auth: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    note: str = ""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("bare", "bare", "GET", "/bare", note="Starlette alone: the reference for the ratio"),
    Scenario("models", "mock", "GET", "/v1/models", auth=True, note="the full pipeline and a 2.5 kB cached body"),
    Scenario("team", "mock", "GET", "/v1/team", auth=True, note="the full pipeline and a small dumped body"),
)
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
BASELINE = "bare"


class BenchError(Exception):
    """A target did not start, or answered wrongly: the run has no valid figures."""


class Stopped(Exception):
    """SIGTERM arrived: unwind so every subprocess is stopped on the way out."""


# ---------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = ADMIN_TIMEOUT_S,
) -> tuple[int, bytes]:
    """One request on a fresh connection (admin calls, probes); returns status and body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Server:
    """A server subprocess on 127.0.0.1, its output kept in a file (a pipe nobody reads could fill up)."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    started_at: float
    ready_after_s: float | None = None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server has used so far (Linux /proc; None elsewhere)."""
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def wait_ready(self, probe_path: str, timeout: float = START_TIMEOUT_S) -> float:
        """Poll until `probe_path` answers 200; returns the seconds since the process was launched."""
        deadline = self.started_at + timeout
        while True:
            if not self.alive():
                raise BenchError(f"{self.name} exited with code {self.process.returncode} before it was ready:\n"
                                 f"{self.log_tail()}")
            try:
                status, _ = http_request(self.port, "GET", probe_path, timeout=1.0)
            except (ConnectionError, OSError, http.client.HTTPException):
                status = 0
            now = time.perf_counter()
            if status == 200:
                self.ready_after_s = now - self.started_at
                return self.ready_after_s
            if now > deadline:
                raise BenchError(f"{self.name} did not answer 200 on {probe_path} within {timeout:.0f} s "
                                 f"(last status {status or 'no connection'}):\n{self.log_tail()}")
            time.sleep(POLL_INTERVAL_S)

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it does not go in time."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)


def mock_command(port: int) -> list[str]:
    """`aurous-mock serve`, preferring the console script next to this interpreter (the project venv)."""
    script = Path(sys.executable).with_name("aurous-mock")
    found = str(script) if script.exists() else shutil.which("aurous-mock")
    head = [found] if found else [sys.executable, "-m", "mockserver"]
    return [*head, "serve", "--host", HOST, "--port", str(port), "--log-level", "warning"]


def bare_command(port: int) -> list[str]:
    """The bare app under the settings the mock's CLI passes to `uvicorn.run`: one worker, no access log."""
    return [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--app-dir", str(ROOT), "--host", HOST,
            "--port", str(port), "--log-level", "warning", "--no-access-log"]


@contextmanager
def running(name: str, command: list[str], port: int, log_dir: Path, cpus: set[int] | None = None) -> Iterator[Server]:
    """Launch a server (on `cpus` when given) and always stop it, also on errors and interrupts."""
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        started_at = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, port, process, log_path, started_at)
    try:
        if cpus:
            os.sched_setaffinity(process.pid, cpus)
        yield server
    finally:
        server.stop()


def cpu_split() -> tuple[set[int], set[int]] | None:
    """(server CPUs, load generator CPUs): the last CPU for the servers, the rest for the client.

    On a small machine the scheduler otherwise moves the server and the client across cores from one
    run to the next, which visibly widens the spread of req/s. Both targets get the same CPU, so the
    comparison stays fair. None when the platform cannot pin or has a single CPU.
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return {cpus[-1]}, set(cpus[:-1])


@contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """Run this process (and the wrk it starts) on `cpus`, then restore its affinity."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def printed_key(server: Server) -> str:
    """The key `aurous-mock serve` prints on its `test key` line."""
    for line in server.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if "test key" in line:
            return line.rsplit(":", 1)[1].strip()
    raise BenchError(f"{server.name} printed no `test key` line:\n{server.log_tail()}")


def load_team_key(server: Server) -> str:
    """A fresh team whose rate limits the benchmark cannot reach."""
    status, body = http_request(server.port, "POST", "/__mock/teams", headers={"Content-Type": "application/json"},
                                body=json.dumps(LOAD_TEAM).encode())
    if status != 201:
        raise BenchError(f"POST /__mock/teams answered {status}: {body[:300]!r}")
    return str(json.loads(body)["api_key"])


# ---------------------------------------------------------------------------------------------- start-up


def measure_startup(runs: int, log_dir: Path) -> list[float]:
    """Seconds from launching `aurous-mock serve` to its first 200 on /__mock/health, once per run."""
    times: list[float] = []
    for index in range(runs):
        port = free_port()
        with running("mock-startup", mock_command(port), port, log_dir) as server:
            elapsed = server.wait_ready("/__mock/health")
            printed_key(server)
        times.append(elapsed)
        print(f"  start-up run {index + 1}/{runs}: {elapsed:.3f} s", flush=True)
    return times


# ---------------------------------------------------------------------------------------------- load


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

    def wire(self) -> bytes:
        """The HTTP/1.1 keep-alive request as sent on the socket."""
        lines = [f"{self.scenario.method} {self.scenario.path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
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


def lua_string(text: str) -> str:
    """A Lua string literal that holds `text` exactly."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in '"\\' or byte < 32 or byte > 126:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\":%.0f,\\"duration_us\\":%.0f,\\"p50_us\\":%.3f,\\"p99_us\\":%.3f," ..
    "\\"mean_us\\":%.3f,\\"max_us\\":%.3f,\\"status\\":%.0f,\\"connect\\":%.0f,\\"read\\":%.0f," ..
    "\\"write\\":%.0f,\\"timeout\\":%.0f}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def wrk_script(request: Request) -> str:
    """Method, headers and body for wrk (it takes them only from Lua), and a `done` that prints exact figures."""
    lines = [f"wrk.method = {lua_string(request.scenario.method)}"]
    if request.body:
        lines.append(f"wrk.body = {lua_string(request.body.decode())}")
    for name, value in request.headers:
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    return "\n".join(lines) + "\n" + WRK_DONE


def run_wrk(wrk: str, request: Request, seconds: float, connections: int, script_dir: Path) -> LoadResult:
    script = script_dir / f"{request.scenario.name}.lua"
    script.write_text(wrk_script(request), encoding="utf-8")
    duration = max(1, round(seconds))
    command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), request.url]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + LOAD_GRACE_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {duration + LOAD_GRACE_S:.0f} s on {request.url}") from exc
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {request.url} (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    duration_s = raw["duration_us"] / 1e6
    return LoadResult(
        requests=int(raw["requests"]),
        duration_s=duration_s,
        rps=raw["requests"] / duration_s if duration_s else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        mean_ms=raw["mean_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        # wrk's "Non-2xx or 3xx responses": it counts statuses of 400 and above.
        non_2xx=int(raw["status"]),
        socket_errors={k: int(raw[k]) for k in ("connect", "read", "write", "timeout") if raw[k]},
    )


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

    wire: bytes
    deadline: int
    latencies: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


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
        self.transport.write(self.tally.wire)

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
    tally = _Tally(request.wire(), start + int(seconds * 1e9))
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


@dataclass
class Generator:
    """wrk when it is installed (a C client leaves the CPU to the servers), else the asyncio client above."""

    wrk: str | None
    connections: int
    script_dir: Path

    @property
    def name(self) -> str:
        return "wrk" if self.wrk else "builtin"

    def run(self, request: Request, seconds: float) -> LoadResult:
        if self.wrk:
            return run_wrk(self.wrk, request, seconds, self.connections, self.script_dir)
        return run_builtin(request, seconds, self.connections)


# ---------------------------------------------------------------------------------------------- reporting


@dataclass
class ScenarioReport:
    """All runs of one scenario; ratios are taken per round, against `bare` measured in that round."""

    scenario: Scenario
    rounds: list[LoadResult] = field(default_factory=list)
    warmup: LoadResult | None = None
    ratios: list[float] = field(default_factory=list)
    cpu_ratios: list[float] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        values = [getattr(result, attribute) for result in self.rounds]
        return statistics.median(values) if values else 0.0

    def median_known(self, attribute: str) -> float | None:
        """Median over the rounds that have the figure (server CPU is not measured everywhere)."""
        values = [v for v in (getattr(result, attribute) for result in self.rounds) if v is not None]
        return statistics.median(values) if values else None

    @property
    def cpu_ratio(self) -> float | None:
        return statistics.median(self.cpu_ratios) if self.cpu_ratios else None

    @property
    def ratio(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    @property
    def non_2xx(self) -> int:
        return sum(r.non_2xx for r in self.rounds) + (self.warmup.non_2xx if self.warmup else 0)

    @property
    def socket_errors(self) -> int:
        return sum(r.socket_error_count for r in self.rounds) + (self.warmup.socket_error_count if self.warmup else 0)

    def as_json(self) -> dict[str, Any]:
        scenario = self.scenario
        return {
            "target": scenario.target,
            "request": f"{scenario.method} {scenario.path}",
            "note": scenario.note,
            "rps": self.median("rps"),
            "p50_ms": self.median("p50_ms"),
            "p99_ms": self.median("p99_ms"),
            "ratio_to_bare": self.ratio,
            "ratio_by_round": self.ratios,
            "server_cpu": self.median_known("server_cpu"),
            "requests_per_cpu_s": self.median_known("requests_per_cpu_s"),
            "cpu_ratio_to_bare": self.cpu_ratio,
            "cpu_ratio_by_round": self.cpu_ratios,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            "warmup": asdict(self.warmup) if self.warmup else None,
            "rounds": [{**asdict(r), "requests_per_cpu_s": r.requests_per_cpu_s} for r in self.rounds],
        }


def print_table(reports: list[ScenarioReport]) -> None:
    header = ("scenario", "request", "req/s", "p50 ms", "p99 ms", "vs bare", "srv CPU", "non-2xx", "sock err",
              "req/s by round")
    rows = [header]

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    for report in reports:
        cpu = report.median_known("server_cpu")
        rows.append((
            report.scenario.name,
            f"{report.scenario.method} {report.scenario.path}",
            f"{report.median('rps'):.0f}",
            f"{report.median('p50_ms'):.2f}",
            f"{report.median('p99_ms'):.2f}",
            share(report.ratio),
            "-" if cpu is None else f"{cpu:.0%}",
            str(report.non_2xx),
            str(report.socket_errors),
            " ".join(f"{r.rps:.0f}" for r in report.rounds),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = set(range(2, 9))
    for index, row in enumerate(rows):
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [cell.rjust(width) if i in right else cell.ljust(width) for i, (cell, width) in pairs]
        print("  ".join(cells).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))


# ---------------------------------------------------------------------------------------------- main

BUSY_WARNING = 0.15


def cpu_busy(seconds: float = 0.5) -> float | None:
    """Share of all CPUs busy over a short sample before the run, from /proc/stat (None elsewhere).

    Other work on the machine is the largest source of noise; the load average lags by minutes and
    still counts the benchmark's previous run, so it is not used.
    """

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return idle, sum(fields[:8])

    try:
        idle_a, total_a = sample()
        time.sleep(seconds)
        idle_b, total_b = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = total_b - total_a
    return 1 - (idle_b - idle_a) / total if total > 0 else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per scenario and round")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load per scenario first")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all scenarios; the median is reported")
    parser.add_argument("--startup-runs", type=int, default=5, help="start-up measurements (0 to skip)")
    parser.add_argument("--only", metavar="SCENARIO[,..]", help=f"run only these of: {', '.join(BY_NAME)}")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the figures as JSON")
    parser.add_argument("--no-wrk", action="store_true", help="use the built-in asyncio generator even with wrk")
    parser.add_argument("--no-pin", action="store_true",
                        help="do not pin the servers to the last CPU and the load generator to the others")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.connections < 1 or args.rounds < 0 or args.startup_runs < 0:
        parser.error("--duration and --connections must be positive; --warmup, --rounds, --startup-runs >= 0")
    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    args.scenarios = [BY_NAME[n] for n in BY_NAME if n in names]
    return args


def start_targets(
    stack: ExitStack, scenarios: list[Scenario], log_dir: Path, cpus: set[int] | None
) -> dict[str, Server]:
    """Launch each target the scenarios need and wait until it answers."""
    servers: dict[str, Server] = {}
    targets = {s.target for s in scenarios}
    if "mock" in targets:
        port = free_port()
        servers["mock"] = stack.enter_context(running("mock", mock_command(port), port, log_dir, cpus))
    if "bare" in targets:
        port = free_port()
        servers["bare"] = stack.enter_context(running("bare", bare_command(port), port, log_dir, cpus))
    probes = {"mock": "/__mock/health", "bare": "/bare"}
    for target, server in servers.items():
        server.wait_ready(probes[target])
    if "mock" in servers:
        printed_key(servers["mock"])
        status, body = http_request(servers["mock"].port, "POST", "/__mock/reset")
        if status != 200:
            raise BenchError(f"POST /__mock/reset answered {status}: {body[:300]!r}")
    return servers


def bind(scenario: Scenario, server: Server) -> Request:
    """The scenario's request for this server, checked once: a scenario that fails is no benchmark."""
    headers = list(scenario.headers)
    if scenario.auth:
        headers.append(("X-Api-Key", load_team_key(server)))
    request = Request(scenario, server.port, tuple(headers), (scenario.body or "").encode())
    status, body = http_request(server.port, scenario.method, scenario.path, headers=dict(headers),
                                body=request.body or None)
    if not 200 <= status < 300:
        raise BenchError(f"{scenario.name}: {scenario.method} {scenario.path} answered {status}: {body[:300]!r}")
    return request


def run_load(args: argparse.Namespace, generator: Generator, log_dir: Path) -> list[ScenarioReport]:
    scenarios: list[Scenario] = args.scenarios
    reports = {s.name: ScenarioReport(s) for s in scenarios}
    split = None if args.no_pin else cpu_split()
    server_cpus, client_cpus = split if split else (None, None)
    with ExitStack() as stack:
        servers = start_targets(stack, scenarios, log_dir, server_cpus)
        stack.enter_context(pinned(client_cpus))
        requests = {s.name: bind(s, servers[s.target]) for s in scenarios}

        def drive(scenario: Scenario, seconds: float) -> LoadResult:
            server = servers[scenario.target]
            cpu_before = server.cpu_seconds()
            result = generator.run(requests[scenario.name], seconds)
            cpu_after = server.cpu_seconds()
            if cpu_before is not None and cpu_after is not None and result.duration_s > 0:
                result.server_cpu = (cpu_after - cpu_before) / result.duration_s
            if not server.alive():
                raise BenchError(f"{server.name} died during {scenario.name} (exit {server.process.returncode}):\n"
                                 f"{server.log_tail()}")
            if result.requests == 0:
                raise BenchError(f"{scenario.name}: no request completed; socket errors {result.socket_errors}")
            return result

        if args.warmup > 0:
            for scenario in scenarios:
                reports[scenario.name].warmup = drive(scenario, args.warmup)
                print(f"  warm-up {scenario.name}: {reports[scenario.name].warmup.rps:.0f} req/s", flush=True)
        for index in range(args.rounds):
            # Rotate the order every round so no scenario always runs first (or right after another).
            shift = index % len(scenarios)
            measured: dict[str, LoadResult] = {}
            for scenario in scenarios[shift:] + scenarios[:shift]:
                result = drive(scenario, args.duration)
                measured[scenario.name] = result
                reports[scenario.name].rounds.append(result)
                cpu = "" if result.server_cpu is None else f", server CPU {result.server_cpu:.0%}"
                print(f"  round {index + 1}/{args.rounds} {scenario.name}: {result.rps:.0f} req/s, "
                      f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms{cpu}, non-2xx {result.non_2xx}",
                      flush=True)
            baseline = measured.get(BASELINE)
            for scenario in scenarios:
                if scenario.name == BASELINE or baseline is None or baseline.rps <= 0:
                    continue
                mine = measured[scenario.name]
                reports[scenario.name].ratios.append(mine.rps / baseline.rps)
                if mine.requests_per_cpu_s and baseline.requests_per_cpu_s:
                    reports[scenario.name].cpu_ratios.append(mine.requests_per_cpu_s / baseline.requests_per_cpu_s)
    return list(reports.values())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = None if args.no_wrk else shutil.which("wrk")
    split = cpu_split()
    if args.no_wrk is False and wrk is None:
        print("wrk not found: using the built-in asyncio load generator", flush=True)

    def on_term(signum: int, frame: object) -> None:
        raise Stopped

    signal.signal(signal.SIGTERM, on_term)
    # Ctrl-C must unwind through the clean-up even when a parent shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    result: dict[str, Any] = {
        "generator": "wrk" if wrk else "builtin",
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connections,
                     "rounds": args.rounds, "startup_runs": args.startup_runs, "wrk_threads": 1 if wrk else None,
                     "cpus": None if args.no_pin or split is None else {"servers": sorted(split[0]),
                                                                         "load_generator": sorted(split[1])}},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "targets": {"startup_max_s": STARTUP_TARGET_S, "models_min_ratio": RATIO_TARGET},
    }
    busy = cpu_busy()
    result["machine"]["cpu_busy_before"] = busy
    if busy is not None:
        note = " (something else is running: figures will be noisy)" if busy > BUSY_WARNING else ""
        print(f"CPU busy before the run: {busy:.0%} of {os.cpu_count()} CPU(s){note}", flush=True)
    problems: list[str] = []
    reports: list[ScenarioReport] = []
    startup: list[float] = []
    with tempfile.TemporaryDirectory(prefix="aurous-bench-") as temp:
        log_dir = Path(temp)
        generator = Generator(wrk, args.connections, log_dir)
        try:
            if args.startup_runs:
                print(f"start-up: {args.startup_runs} run(s) of `aurous-mock serve` until /__mock/health answers 200",
                      flush=True)
                startup = measure_startup(args.startup_runs, log_dir)
            if args.rounds and args.scenarios:
                where = "" if args.no_pin or split is None else (
                    f", servers on CPU {','.join(map(str, sorted(split[0])))}, "
                    f"client on CPU {','.join(map(str, sorted(split[1])))}")
                print(f"load: {generator.name}, {args.connections} connections, {args.warmup:g} s warm-up, "
                      f"{args.duration:g} s x {args.rounds} round(s){where}: "
                      f"{', '.join(s.name for s in args.scenarios)}", flush=True)
                reports = run_load(args, generator, log_dir)
        except BenchError as error:
            problems.append(str(error))
        except (KeyboardInterrupt, Stopped):
            print("\ninterrupted: servers stopped, no figures", file=sys.stderr)
            return 130

    for report in reports:
        if report.non_2xx:
            problems.append(f"{report.scenario.name}: {report.non_2xx} non-2xx responses "
                            f"({'status >= 400, as wrk counts them' if wrk else 'any status outside 200-299'})")
    print()
    if reports:
        print_table(reports)
        errors = sum(r.socket_errors for r in reports)
        if errors:
            print(f"note: {errors} socket error(s) during the load; see the JSON for which kind")
    if startup:
        median = statistics.median(startup)
        print(f"start-up to first healthy response: min {min(startup):.3f} s, median {median:.3f} s "
              f"over {len(startup)} run(s) (target <= {STARTUP_TARGET_S:.1f} s: "
              f"{'met' if median <= STARTUP_TARGET_S else 'MISSED'})")
    ratio_report = next((r for r in reports if r.scenario.name == RATIO_TARGET_SCENARIO), None)
    if ratio_report is not None and ratio_report.ratio is not None:
        print(f"{RATIO_TARGET_SCENARIO} vs bare: {ratio_report.ratio:.1%} of the bare endpoint's req/s "
              f"(target >= {RATIO_TARGET:.0%}: {'met' if ratio_report.ratio >= RATIO_TARGET else 'MISSED'})")

    result["startup"] = {
        "runs_s": startup,
        "min_s": min(startup) if startup else None,
        "median_s": statistics.median(startup) if startup else None,
    }
    result["scenarios"] = {r.scenario.name: r.as_json() for r in reports}
    result["valid"] = not problems
    result["problems"] = problems
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    if problems:
        print("\nINVALID: this run's figures do not stand:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
