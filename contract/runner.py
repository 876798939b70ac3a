"""One run: probe the target, then the behaviour suite and the schema suite, into one Report."""

from __future__ import annotations

import math
import time
import traceback

from . import schema_suite
from .budget import Budget
from .capabilities import Capabilities, detect
from .context import Context
from .errors import CannotRun, Skipped, Violation
from .options import STAGING_BUDGET, RunOptions
from .progress import Progress
from .redact import Redactor
from .registry import Check, all_checks, matches
from .report import FAILED, PASSED, SKIPPED, Finding, Report, Result
from .target import Target

RUN_TEAM = {"rpm_limit": 1_000_000, "tpm_limit": 100_000_000, "balance": 100_000}


def preflight(target: Target) -> None:
    """The key must be accepted before anything else is worth doing (exit 2 otherwise)."""
    probe = target.request("GET", "/v1/models")
    if probe.status == 401:
        raise CannotRun(f"the API key was refused ({probe.summary()} from GET /v1/models)")
    if probe.status == 400 and target.version_pin:
        raise CannotRun(f"the target refused --version-pin {target.version_pin} ({probe.summary()})")
    if probe.status >= 500 or probe.status == 404:
        raise CannotRun(f"GET /v1/models answered {probe.summary()}: is {target.base_url} the Aurous API?")


def budget_for(options: RunOptions, caps: Capabilities) -> float:
    """`--budget-credits`, else 50 credits; against the mock without the option, no limit: the run
    spends the play credits of its own isolated team."""
    if options.budget_credits is not None:
        return options.budget_credits
    return math.inf if caps.admin is not None else STAGING_BUDGET


def select(options: RunOptions) -> list[Check]:
    if options.suite == "schema":
        return []
    return [c for c in all_checks() if matches(c.row, options.only, options.skip)]


def run(options: RunOptions, redact: Redactor, progress_enabled: bool = True) -> Report:
    options.validate()
    redact.add(options.api_key)
    started = time.monotonic()
    caps = detect(options.base_url, options.admin_token)
    budget = Budget(budget_for(options, caps))
    target = Target(options.base_url, options.api_key, version_pin=options.version_pin, budget=budget)
    preflight(target)
    if caps.admin is not None:
        # Against the mock the run works in its own isolated team, so it neither disturbs nor is
        # disturbed by other traffic, and its buckets never pace it.
        team = caps.admin.create_team(**RUN_TEAM)
        redact.add(team["api_key"])
        target.close()
        target = Target(options.base_url, team["api_key"], version_pin=options.version_pin, budget=budget)
    report = Report(options.base_url, budget_credits=budget.limit, admin=caps.admin is not None)
    checks = select(options)
    operations = schema_suite.select(options) if options.suite in ("schema", "all") else []
    progress = Progress(len(checks), enabled=progress_enabled)
    progress.note(f"aurous-contract: {options.base_url} ({'aurous-mock, admin API' if caps.admin else 'no admin API'})"
                  f", {len(checks)} behaviour checks, {len(operations)} operations for the schema suite")
    context = Context(target, caps, budget, redact, seed=options.seed,
                      max_examples=min(options.max_examples, 10), quick=options.quick)
    try:
        for check in checks:
            progress.start(check.label)
            result = run_check(check, context, caps)
            report.results.append(result)
            progress.finish(result)
        if operations:
            schema_suite.run(options, target, operations, report, progress, redact)
    finally:
        context.close()
        report.requests_sent = target.requests_sent + sum(t.requests_sent for t in context.teams)
        report.waited_s = target.waited_s
        report.credits_spent = budget.spent
        report.seconds = time.monotonic() - started
        target.close()
    return report


def run_check(check: Check, context: Context, caps: Capabilities) -> Result:
    started = time.monotonic()
    result = Result("behaviours", check.row, check.name, PASSED)
    try:
        if check.admin:
            caps.require_admin()
        check.run(context)
    except Violation as violation:
        result.status = FAILED
        result.findings.append(Finding(violation.operation, violation.expected, violation.got, violation.curl))
    except Skipped as skipped:
        result.status, result.reason = SKIPPED, context.redact(str(skipped))
    except CannotRun:
        raise
    except Exception as exc:  # the target answered something the check could not even read
        result.status = FAILED
        where = traceback.extract_tb(exc.__traceback__)[-1]
        result.findings.append(Finding("", "a response the check can read",
                                       context.redact(f"{type(exc).__name__}: {exc} (at {where.name}:{where.lineno})"),
                                       ""))
    result.seconds = time.monotonic() - started
    return result
