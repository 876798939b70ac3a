"""The load phase: start the targets the scenarios need, check each scenario's request once, then warm
up and drive the rounds with wrk or the built-in generator, taking the ratios to `bare` per round; last,
on the same mock server, the time to the first streamed byte (`ttfb.py`)."""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from bench.loadgen import run_builtin
from bench.machine import cpu_split, pinned
from bench.report import ScenarioReport
from bench.scenario import BASELINE, LoadResult, Request, Scenario
from bench.scenario_rules import bench_fixtures
from bench.servers import (
    BenchError,
    Server,
    bare_command,
    free_port,
    http_request,
    load_team_key,
    mock_command,
    printed_key,
    running,
)
from bench.ttfb import TtfbReport, measure_ttfb
from bench.wrk import run_wrk

RULES_PATH = "/v1/team"  # the request of the scenario-matching pair (run.py: rules-0, rules-50)


@dataclass
class Generator:
    """wrk when it is installed (a C client leaves the CPU to the servers), else the built-in asyncio client."""

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


def start_targets(
    stack: ExitStack, scenarios: list[Scenario], log_dir: Path, cpus: set[int] | None, also: set[str] | None = None
) -> dict[str, Server]:
    """Launch each target the scenarios need (and those in `also`) and wait until it answers."""
    servers: dict[str, Server] = {}
    targets = {s.target for s in scenarios} | (also or set())
    if "mock" in targets:
        port = free_port()
        fixtures = bench_fixtures(log_dir, RULES_PATH)
        servers["mock"] = stack.enter_context(running("mock", mock_command(port, fixtures), port, log_dir, cpus))
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
    if scenario.prepare is not None:
        method, path, body = scenario.prepare
        status, answer = http_request(server.port, method, path, body=body.encode(),
                                      headers={**dict(headers), "Content-Type": "application/json"})
        if not 200 <= status < 300:
            raise BenchError(f"{scenario.name}: preparing with {method} {path} answered {status}: {answer[:300]!r}")
        scenario = replace(scenario, path=scenario.path.replace("{id}", json.loads(answer)["id"]))
    request = Request(scenario, server.port, tuple(headers), (scenario.body or "").encode())
    status, body = http_request(server.port, scenario.method, scenario.path, headers=dict(headers),
                                body=request.body or None)
    if not 200 <= status < 300:
        raise BenchError(f"{scenario.name}: {scenario.method} {scenario.path} answered {status}: {body[:300]!r}")
    return request


def run_load(
    args: argparse.Namespace, generator: Generator, log_dir: Path
) -> tuple[list[ScenarioReport], TtfbReport | None]:
    """The rounds over `args.scenarios` (none when `args.rounds` is 0), then `args.ttfb_requests` time-to-first-byte
    pairs on the mock (started for them alone when no scenario needs it)."""
    scenarios: list[Scenario] = args.scenarios if args.rounds else []
    reports = {s.name: ScenarioReport(s) for s in scenarios}
    split = None if args.no_pin else cpu_split()
    server_cpus, client_cpus = split if split else (None, None)
    ttfb: TtfbReport | None = None
    with ExitStack() as stack:
        servers = start_targets(stack, scenarios, log_dir, server_cpus, {"mock"} if args.ttfb_requests else None)
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
            for scenario in scenarios:
                baseline = measured.get(scenario.baseline)
                if scenario.name == BASELINE or baseline is None or baseline.rps <= 0:
                    continue
                mine = measured[scenario.name]
                reports[scenario.name].ratios.append(mine.rps / baseline.rps)
                if mine.requests_per_cpu_s and baseline.requests_per_cpu_s:
                    reports[scenario.name].cpu_ratios.append(mine.requests_per_cpu_s / baseline.requests_per_cpu_s)
        if args.ttfb_requests:
            mock = servers["mock"]
            print(f"time to first byte: {args.ttfb_requests} streamed and {args.ttfb_requests} non-streamed "
                  f"POST /v1/chat/completions, one at a time on one keep-alive connection", flush=True)
            ttfb = measure_ttfb(mock.port, load_team_key(mock), args.ttfb_requests)
            if not mock.alive():
                raise BenchError(f"mock died during the time-to-first-byte run (exit {mock.process.returncode}):\n"
                                 f"{mock.log_tail()}")
    return list(reports.values()), ttfb
