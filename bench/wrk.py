"""The wrk load generator: the Lua script that hands it method, headers and body and prints exact
figures, and running it and reading those figures back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bench.scenario import LoadResult, Request, run_token
from bench.servers import LOAD_GRACE_S, BenchError


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
    fresh = request.scenario.fresh_header
    if fresh:
        lines += ["local sent = 0", "request = function()", "  sent = sent + 1",
                  f"  wrk.headers[{lua_string(fresh)}] = {lua_string(run_token() + '-')} .. sent",
                  "  return wrk.format()", "end"]
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
