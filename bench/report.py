"""What a run reports: the figures of each scenario over the rounds, the table, the summary lines
against the project's targets, and the JSON file."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.scenario import LoadResult, Scenario
from bench.ttfb import TtfbReport

# The targets the project holds itself to (see bench/README.md).
STARTUP_TARGET_S = 1.0
# Least share of the baseline's req/s (same run; `bare` unless the scenario names another) per mock
# scenario; scenarios not listed have no target.
RATIO_TARGETS = {"models": 0.5, "chat": 0.3, "rules-50": 0.9, "chat_key_replay": 1.0}


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
    def ratio_target(self) -> float | None:
        return RATIO_TARGETS.get(self.scenario.name)

    @property
    def ratio_target_met(self) -> bool | None:
        if self.ratio is None or self.ratio_target is None:
            return None
        return self.ratio >= self.ratio_target

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
            "baseline": scenario.baseline,
            "ratio_to_baseline": self.ratio,
            "ratio_by_round": self.ratios,
            "ratio_target": self.ratio_target,
            "ratio_target_met": self.ratio_target_met,
            "server_cpu": self.median_known("server_cpu"),
            "requests_per_cpu_s": self.median_known("requests_per_cpu_s"),
            "cpu_ratio_to_baseline": self.cpu_ratio,
            "cpu_ratio_by_round": self.cpu_ratios,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            "warmup": asdict(self.warmup) if self.warmup else None,
            "rounds": [{**asdict(r), "requests_per_cpu_s": r.requests_per_cpu_s} for r in self.rounds],
        }


def print_table(reports: list[ScenarioReport]) -> None:
    header = ("scenario", "request", "req/s", "p50 ms", "p99 ms", "vs base", "srv CPU", "non-2xx", "sock err",
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


def non_2xx_problems(reports: list[ScenarioReport], wrk: bool) -> list[str]:
    """One problem per scenario that saw a non-2xx response: such a run's figures do not stand."""
    return [f"{report.scenario.name}: {report.non_2xx} non-2xx responses "
            f"({'status >= 400, as wrk counts them' if wrk else 'any status outside 200-299'})"
            for report in reports if report.non_2xx]


def print_summary(reports: list[ScenarioReport], startup: list[float], ttfb: TtfbReport | None = None) -> None:
    """The table, then each target and whether this run met it (a miss is reported, not an error), then the
    time to the first streamed byte."""
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
    rated = [r for r in reports if r.ratio is not None]
    width = max((len(r.scenario.name) for r in rated), default=0)
    for report in rated:
        target = "" if report.ratio_target is None else (
            f" (target >= {report.ratio_target:.0%}: {'met' if report.ratio_target_met else 'MISSED'})")
        label = f"{report.scenario.name} vs {report.scenario.baseline}:"
        print(f"{label:<{width + 18}} {report.ratio:6.1%} of {report.scenario.baseline}'s req/s{target}")
    if ttfb is not None:
        print_ttfb(ttfb)


def print_ttfb(ttfb: TtfbReport) -> None:
    def pair(name: str) -> str:
        return f"median {ttfb.figure(name, 'median'):.2f} ms, p99 {ttfb.figure(name, 'p99'):.2f} ms"

    events = statistics.median(ttfb.events) if ttfb.events else 0
    print(f"chat, one request at a time ({ttfb.requests} of each, one keep-alive connection):")
    print(f"  streamed, first `data:` event:   {pair('first_event_ns')}")
    print(f"  streamed, end of stream:         {pair('stream_end_ns')} ({events:.0f} events)")
    print(f"  non-streamed, whole response:    {pair('full_ns')}")


def write_json(
    path: Path, result: dict[str, Any], startup: list[float], reports: list[ScenarioReport], problems: list[str],
    ttfb: TtfbReport | None = None,
) -> None:
    """`result` (settings and machine) completed with every figure, per round, and whether the run is valid."""
    result["startup"] = {
        "runs_s": startup,
        "min_s": min(startup) if startup else None,
        "median_s": statistics.median(startup) if startup else None,
    }
    result["scenarios"] = {r.scenario.name: r.as_json() for r in reports}
    result["ratios"] = {r.scenario.name: {"baseline": r.scenario.baseline, "ratio": r.ratio, "target": r.ratio_target,
                                                  "met": r.ratio_target_met}
                                for r in reports if r.ratio is not None}
    result["ttfb"] = ttfb.as_json() if ttfb is not None else None
    result["valid"] = not problems
    result["problems"] = problems
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {path}")
