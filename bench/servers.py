"""The servers under test: launching `aurous-mock serve` and the bare app, waiting until they answer,
stopping them on every way out, and timing the mock's start-up.

Also holds what every part of the benchmark shares: the host, the time bounds and `BenchError`.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# Bounds, so that no step of a run can hang.
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
ADMIN_TIMEOUT_S = 5.0
LOAD_GRACE_S = 15.0
POLL_INTERVAL_S = 0.005

# A team for load: limits high enough that the per-team rate limit never refuses the benchmark.
# The admin API caps rpm_limit at 1,000,000 a minute, far above what one uvicorn worker serves.
LOAD_TEAM = {"rpm_limit": 1_000_000, "tpm_limit": 1_000_000_000, "balance": 1_000_000}


class BenchError(Exception):
    """A target did not start, or answered wrongly: the run has no valid figures."""


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


def mock_command(port: int, fixtures: Path | None = None) -> list[str]:
    """`aurous-mock serve`, preferring the console script next to this interpreter (the project venv)."""
    script = Path(sys.executable).with_name("aurous-mock")
    found = str(script) if script.exists() else shutil.which("aurous-mock")
    head = [found] if found else [sys.executable, "-m", "mockserver"]
    extra = ["--fixtures", str(fixtures)] if fixtures is not None else []
    return [*head, "serve", "--host", HOST, "--port", str(port), "--log-level", "warning", *extra]


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
