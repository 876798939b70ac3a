"""`aurous-contract run|list`. Exit 0: conforming; 1: violations found; 2: could not run."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import CannotRun
from .redact import Redactor
from .registry import all_checks
from .rows import EVERY_RESPONSE_ROWS, NOT_OVER_HTTP, ROWS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aurous-contract", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="check a base URL against the contract and the behaviours")
    run.add_argument("--base-url", required=True)
    run.add_argument("--api-key", default=None, help="the team key; default: $AUROUS_API_KEY (keeps it out of logs)")
    run.add_argument("--suite", default="all", choices=["schema", "behaviours", "all"])
    run.add_argument("--max-examples", type=int, default=None, help="examples per operation and phase (default 20)")
    run.add_argument("--version-pin", default=None, help="send Aurous-Version: DATE on every request")
    run.add_argument("--budget-credits", type=float, default=None,
                     help="most credits the run may spend (default 50; no limit against the mock's admin API)")
    run.add_argument("--only", action="append", default=[], metavar="ID-GLOB",
                     help="only these behaviour ids / schema:operationId items (repeatable), e.g. 'B-IDEM-*'")
    run.add_argument("--skip", action="append", default=[], metavar="ID-GLOB", help="leave these out (repeatable)")
    run.add_argument("--junit", type=Path, default=None, metavar="PATH", help="write a JUnit XML report")
    run.add_argument("--json", type=Path, default=None, metavar="PATH", help="write a JSON report")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--quick", action="store_true", help="a short profile for CI (<= 60 s against the mock)")
    run.add_argument("--admin-token", default=os.environ.get("AUROUS_MOCK_ADMIN_TOKEN"),
                     help="the mock's --admin-token, if it was started with one")
    run.add_argument("--quiet", action="store_true", help="no live progress")
    commands.add_parser("list", help="every behaviour row with its checks, or why it cannot be checked over HTTP")
    return parser


def list_rows() -> str:
    by_row: dict[str, list[str]] = {}
    for check in all_checks():
        by_row.setdefault(check.row, []).append(check.name + (" [admin]" if check.admin else ""))
    lines = []
    for row, title in ROWS.items():
        names = by_row.get(row)
        lines.append(f"{row:<10} {title}")
        for name in names or []:
            lines.append(f"{'':<10}   check: {name}")
        if row in EVERY_RESPONSE_ROWS:
            lines.append(f"{'':<10}   check: schema suite, on every response")
        if row in NOT_OVER_HTTP:
            lines.append(f"{'':<10}   not over HTTP: {NOT_OVER_HTTP[row]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        print(list_rows())
        return 0
    from .options import RunOptions
    from .runner import run

    redact = Redactor()
    options = RunOptions(
        base_url=args.base_url, api_key=args.api_key or os.environ.get("AUROUS_API_KEY", ""), suite=args.suite,
        max_examples=args.max_examples or (3 if args.quick else 20), version_pin=args.version_pin,
        budget_credits=args.budget_credits, only=args.only, skip=args.skip, junit=args.junit, json_path=args.json,
        seed=args.seed, quick=args.quick, admin_token=args.admin_token)
    try:
        report = run(options, redact, progress_enabled=not args.quiet)
    except CannotRun as exc:
        print(f"aurous-contract: could not run: {redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aurous-contract: could not run: interrupted", file=sys.stderr)
        return 2
    print(redact(report.table()))
    findings = report.findings_text()
    if findings:
        print("\nFindings:\n\n" + redact(findings))
    print("\n" + report.totals())
    if options.junit:
        report.write_junit(options.junit, redact)
    if options.json_path:
        report.write_json(options.json_path, redact)
    return report.exit_code
