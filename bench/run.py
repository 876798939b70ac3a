"""Load and start-up benchmark of aurous-mock.

Start-up: wall time from launching `aurous-mock serve` to its first 200 on `/__mock/health`.
Load: requests/s and latency of mock routes next to a bare Starlette endpoint served by the same uvicorn
settings on the same machine in the same run, so the ratio between them is the mock's own cost and the
machine's speed mostly cancels out.

Run from the repository root: `python bench/run.py [options]` or `python -m bench.run [options]`.
Time to first byte: sequential streamed chat completions on one keep-alive connection, timed to their first
`data:` event and to the end of the stream, next to the non-streamed call's whole response.
The parts live next to this file: `servers.py` (launch, stop, start-up time), `machine.py` (CPU pinning,
busy CPUs), `scenario.py`, `load.py` (warm-up and rounds), `wrk.py`, `loadgen.py` (built-in), `ttfb.py`
(time to first byte), `report.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # `python bench/run.py` puts bench/ on the path, not the root: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import os
import platform
import shutil
import signal
import tempfile
from typing import Any

from bench.load import RULES_PATH, Generator, run_load
from bench.machine import BUSY_WARNING, cpu_busy, cpu_split
from bench.report import RATIO_TARGETS, STARTUP_TARGET_S, ScenarioReport, non_2xx_problems, print_summary, write_json
from bench.scenario import Scenario
from bench.scenario_rules import RULES, UNMATCHED
from bench.servers import BenchError, measure_startup
from bench.ttfb import DEFAULT_REQUESTS, TtfbReport, chat_scenario

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("bare", "bare", "GET", "/bare", note="Starlette alone: the reference for the ratio"),
    Scenario("models", "mock", "GET", "/v1/models", auth=True, note="the full pipeline and a 2.5 kB cached body"),
    Scenario("team", "mock", "GET", "/v1/team", auth=True, note="the full pipeline and a small dumped body"),
    chat_scenario("chat", stream=False, note="a non-streamed chat completion: validation, reply, billing, storage"),
    chat_scenario("chat_key_fresh", stream=False, fresh_header="Idempotency-Key", baseline="chat",
                  note="the same chat call with a new Idempotency-Key each time: claimed, processed, remembered"),
    chat_scenario("chat_key_replay", stream=False, headers=(("Idempotency-Key", "bench-replay"),),
                  baseline="chat_key_fresh",
                  note="the same chat call with one Idempotency-Key: every request after the first is a replay"),
    Scenario("rules-0", "mock", "GET", RULES_PATH, auth=True, note="no scenario active: the reference for rules-50"),
    Scenario("rules-50", "mock", "GET", RULES_PATH, auth=True, headers=(("Aurous-Mock-Scenario", UNMATCHED),),
             baseline="rules-0", note=f"the same request under {RULES} active rules, none of which match it"),
    Scenario("image", "mock", "GET", "/v1/images/{id}", auth=True,
             prepare=("POST", "/v1/images", '{"prompt": "a lighthouse at dawn"}'),
             note="a generation's state derived from the clock, with due work checked first"),
)
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


class Stopped(Exception):
    """SIGTERM arrived: unwind so every subprocess is stopped on the way out."""


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
    parser.add_argument("--ttfb-requests", type=int, default=DEFAULT_REQUESTS, metavar="N",
                        help="streamed (and as many non-streamed) chat completions timed one at a time (0 to skip)")
    args = parser.parse_args(argv)
    if (args.duration <= 0 or args.warmup < 0 or args.connections < 1 or args.rounds < 0 or args.startup_runs < 0
            or args.ttfb_requests < 0):
        parser.error("--duration and --connections must be positive; "
                     "--warmup, --rounds, --startup-runs, --ttfb-requests >= 0")
    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    args.scenarios = [BY_NAME[n] for n in BY_NAME if n in names]
    return args


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
                     "rounds": args.rounds, "startup_runs": args.startup_runs, "ttfb_requests": args.ttfb_requests,
                     "wrk_threads": 1 if wrk else None,
                     "cpus": None if args.no_pin or split is None else {"servers": sorted(split[0]),
                                                                         "load_generator": sorted(split[1])}},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "targets": {"startup_max_s": STARTUP_TARGET_S,
                    **{f"{name}_min_ratio": target for name, target in RATIO_TARGETS.items()}},
    }
    busy = cpu_busy()
    result["machine"]["cpu_busy_before"] = busy
    if busy is not None:
        note = " (something else is running: figures will be noisy)" if busy > BUSY_WARNING else ""
        print(f"CPU busy before the run: {busy:.0%} of {os.cpu_count()} CPU(s){note}", flush=True)
    problems: list[str] = []
    reports: list[ScenarioReport] = []
    ttfb: TtfbReport | None = None
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
            if (args.rounds and args.scenarios) or args.ttfb_requests:
                reports, ttfb = run_load(args, generator, log_dir)
        except BenchError as error:
            problems.append(str(error))
        except (KeyboardInterrupt, Stopped):
            print("\ninterrupted: servers stopped, no figures", file=sys.stderr)
            return 130

    problems += non_2xx_problems(reports, wrk is not None)
    print_summary(reports, startup, ttfb)
    if args.json:
        write_json(args.json, result, startup, reports, problems, ttfb)
    if problems:
        print("\nINVALID: this run's figures do not stand:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
