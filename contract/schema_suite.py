"""The schema suite: schemathesis (4.x engine) over every operation of the contract, with every
built-in check and phase that applies (examples, coverage, fuzzing, stateful via links), plus the
project's own checks on every response (B-HDR-1..4, B-ERR-1, see project_checks.py)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
import yaml
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .budget import Budget
from .costs import PAID, PriceList, load_prices
from .errors import CannotRun
from .options import RunOptions
from .paths import spec_path
from .progress import Progress
from .project_checks import EVERY_RESPONSE
from .redact import PLACEHOLDER, Redactor
from .registry import matches
from .report import FAILED, PASSED, SKIPPED, Finding, Report, Result
from .target import Target

# Refusals of schema-valid data that the docs name: rules between fields or against the catalog that
# JSON Schema cannot state (B-CHAT-4, B-CHAT-6, B-CHAT-7, B-IMG-4, B-IMG-6), and answers that depend on
# the team's state rather than the data (credits, rate limits, an idempotency key already used, a
# character still synthesizing).
STATE_REFUSALS = {"insufficient_credits", "rate_limit_exceeded", "tokens_rate_limit_exceeded",
                  "idempotency_key_in_use", "idempotency_request_in_progress", "character_not_ready"}
CROSS_FIELD_REFUSALS = {
    "createChatCompletion": {"parameter_invalid_combination", "max_tokens_exceeds_hard_cap", "context_length_exceeded",
                             "model_kind_mismatch", "response_format_too_large", "response_format_too_deep",
                             "invalid_format", "missing_field", "model_not_found"},
    "createEmbedding": {"model_kind_mismatch", "context_length_exceeded", "model_not_found"},
    "estimateEmbedding": {"model_kind_mismatch", "context_length_exceeded", "model_not_found"},
    "createImage": {"parameter_invalid_combination", "missing_field", "invalid_format", "lora_not_found",
                    "file_not_found", "invalid_reference_url", "content_policy_violation", "character_not_found"},
    "estimateImage": {"parameter_invalid_combination", "missing_field", "invalid_format", "lora_not_found",
                      "file_not_found", "invalid_reference_url", "character_not_found"},
    "createVideo": {"lora_not_found", "file_not_found", "invalid_reference_url", "content_policy_violation"},
    "estimateVideo": {"lora_not_found", "file_not_found", "invalid_reference_url"},
    "createCharacter": {"missing_field", "file_not_found", "invalid_reference_url", "content_policy_violation"},
    "createFile": {"invalid_reference_url", "invalid_format"},
    "createWebhookEndpoint": {"invalid_webhook_url", "invalid_format"},
    "updateWebhookEndpoint": {"invalid_webhook_url", "invalid_format"},
    "retrieveModel": {"model_not_found"},
    "listUsageEvents": {"resource_not_found"},
}
# Creates whose results the run could only clean up with the delete operations it skips on staging.
LASTING = {"createFile", "createCharacter", "createWebhookEndpoint"}
DESTRUCTIVE = {"deleteFile", "deleteCharacter", "deleteWebhookEndpoint", "cancelImage", "cancelVideo",
               "rotateWebhookSecret", "updateWebhookEndpoint"}
# A body no paid operation accepts (its request bodies are JSON objects): what the budget gate sends
# instead of a request that could be accepted but that the budget no longer covers (B-ERR-3).
REFUSED_BODY: list[Any] = []


def operation_ids() -> list[str]:
    doc = yaml.safe_load(spec_path().read_text())
    return [op["operationId"] for item in doc["paths"].values() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")]


def select(options: RunOptions) -> list[str]:
    return [op for op in operation_ids() if matches(f"schema:{op}", options.only, options.skip)]


def documented_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """`positive_data_acceptance`, except for the documented refusals of schema-valid data above."""
    allowed = CROSS_FIELD_REFUSALS.get(case.operation.definition.raw.get("operationId"), set()) | STATE_REFUSALS
    if 400 <= response.status_code < 500:
        try:
            if response.json()["error"]["code"] in allowed:
                return None
        except (ValueError, KeyError, TypeError):
            pass
    return positive_data_acceptance(ctx, response, case)


def shell_ready(curl: str) -> str:
    """schemathesis quotes headers in single quotes; the key placeholder must expand in the shell."""
    curl = curl.replace(f"'X-Api-Key: {PLACEHOLDER}'", f'"X-Api-Key: {PLACEHOLDER}"')
    return curl.replace(f"'Authorization: {PLACEHOLDER}'", f'"Authorization: Bearer {PLACEHOLDER}"')


def _project_check(row: str) -> Any:
    function = EVERY_RESPONSE[row]

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        headers = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in response.headers.items()}
        sent = {k.lower() for k in response.request.headers}
        authenticated = "x-api-key" in sent or "authorization" in sent
        problem = function(case.method, case.formatted_path, response.status_code, headers, response.content or b"",
                           authenticated)
        if problem:
            raise AssertionError(f"{row}: expected {problem}")
        return None

    check.__name__ = row
    return check


class BudgetGate:
    """The guarantee behind `--budget-credits`: before schemathesis sends a request of a paid operation
    that the target could accept, the worst case of that very request (`costs.PriceList`) must fit in
    what the budget has left; otherwise its body becomes one that must be refused, which costs nothing
    on a conforming server. What an accepted request did cost is counted as soon as it answers (its
    `usage`/`cost`, else the worst case that was allowed for it)."""

    def __init__(self, budget: Budget, prices: PriceList | None) -> None:
        self.budget = budget
        self.prices = prices  # None: no limit (the mock's own credits, see `run`)
        self.allowed: dict[int, float] = {}
        self.gated = 0

    def before_call(self, context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        operation = case.operation.definition.raw.get("operationId")
        if self.prices is None or operation not in PAID:
            return
        worst = self.prices.worst_case(operation, case.body)
        if worst > 0 and self.budget.spent + worst > self.budget.limit:
            case.body = list(REFUSED_BODY)
            self.gated += 1
            worst = 0.0
        self.allowed[id(case)] = worst

    def after_call(self, context: Any, case: Any, response: Any) -> None:
        allowed = self.allowed.pop(id(case), None)
        if response.status_code >= 300:
            return
        try:
            charged = self.budget.record(json.loads(response.content or b"null"))
        except ValueError:
            charged = None  # a stream or bytes
        if not charged and allowed:
            self.budget.spent += allowed  # not readable (a stream): count the most it could have cost


@contextmanager
def registered_checks(gate: BudgetGate) -> Iterator[None]:
    """Register the project's checks and the budget gate for this run only, so other users of
    schemathesis in the same process never see them."""
    names = ["documented_data_acceptance", *EVERY_RESPONSE]
    schemathesis.check(documented_data_acceptance)
    for row in EVERY_RESPONSE:
        schemathesis.check(_project_check(row))
    hooks = [GLOBAL_HOOK_DISPATCHER.register_hook_with_name(gate.before_call, "before_call"),
             GLOBAL_HOOK_DISPATCHER.register_hook_with_name(gate.after_call, "after_call")]
    try:
        yield
    finally:
        for hook in hooks:
            GLOBAL_HOOK_DISPATCHER.unregister(hook)
        for name in names:
            if name in CHECKS.get_all_names():
                CHECKS.unregister(name)


def phases(options: RunOptions) -> int:
    """How many of schemathesis's phases send positive examples of an operation."""
    return 2 if options.quick else 4


def plan(options: RunOptions, operations: list[str], prices: PriceList | None, remaining: float) -> set[str]:
    """The paid operations fuzzed only with inputs that must be refused: those whose dearest request,
    times `--max-examples` and the phases, the budget left does not cover."""
    if prices is None:
        return set()
    refused, left = set(), remaining
    for op in (op for op in operations if op in PAID):
        need = options.max_examples * phases(options) * prices.operation_worst_case(op)
        if need <= left:
            left -= need
        else:
            refused.add(op)
    return refused


def _config(options: RunOptions, target: Target, mode: str, admin: bool) -> SchemathesisConfig:
    headers = {"X-Api-Key": target.api_key}
    if options.version_pin:
        headers["Aurous-Version"] = options.version_pin
    config: dict[str, Any] = {
        "base-url": target.base_url, "headers": headers, "seed": options.seed, "max-stream-events": 10_000,
        "generation": {"max-examples": options.max_examples, "mode": mode},
        "checks": {"positive_data_acceptance": {"enabled": False}},
        "request-timeout": 30,
        # Mask only the key headers (an empty list means the defaults, whose "token" masks max_tokens).
        "output": {"sanitization": {"keys-to-sanitize": ["x-api-key", "authorization"],
                                    "sensitive-markers": ["x-api-key"], "replacement": PLACEHOLDER}},
    }
    if options.quick:
        config["phases"] = {"stateful": {"enabled": False}, "fuzzing": {"enabled": False}}
    if not admin and target.rpm_limit:
        # A staging team's bucket is shared with its real traffic: use at most half of it.
        config["rate-limit"] = f"{max(target.rpm_limit // 2, 1)}/m"
    return SchemathesisConfig.from_dict(config)


def run(options: RunOptions, target: Target, operations: list[str], report: Report, progress: Progress,
        redact: Redactor) -> None:
    """One Result per check (B-HDR-*, B-ERR-1 and schemathesis's own), its findings naming the operation."""
    admin = report.admin
    skipped = {op: "destructive: the run deletes or cancels only what it created (see the behaviour suite)"
               for op in operations if op in DESTRUCTIVE and not admin}
    # Without a limit (the mock's play credits, runner.budget_for) nothing needs pricing; otherwise the
    # budget left after the behaviour suite is a hard limit (BudgetGate).
    unlimited = math.isinf(target.budget.limit) or not PAID & set(operations)
    prices = None if unlimited else load_prices(target)
    refused_only = plan(options, operations, prices, target.budget.remaining) | (set() if admin else LASTING)
    gate = BudgetGate(target.budget, prices)
    paid_refused = sorted(refused_only & PAID & set(operations))
    if prices is not None and paid_refused:
        progress.note(f"      schema: {', '.join(paid_refused)} fuzzed only with inputs that must be "
                      f"refused (the budget left, {target.budget.remaining:g} credits, does not cover more)")
    groups = {"all": [op for op in operations if op not in skipped and op not in refused_only],
              "negative": [op for op in operations if op in refused_only and op not in skipped]}
    outcome: dict[str, Result] = {}
    tested: set[str] = set()
    with registered_checks(gate):
        for mode, group in groups.items():
            if group:
                _run_engine(_config(options, target, mode, admin), group, outcome, tested, target, progress, redact)
    if gate.gated:
        progress.note(f"      schema: {gate.gated} requests of paid operations sent as refused inputs (budget)")
    results = sorted(outcome.values(), key=lambda r: (r.row == "schema", r.row, r.check))
    for result in results:
        result.reason = result.reason or f"{len(tested)} operations"
    for op in operations:
        if op in skipped:
            results.append(Result("schema", "schema", op, SKIPPED, reason=skipped[op]))
        elif op not in tested:
            results.append(Result("schema", "schema", op, SKIPPED, reason="schemathesis sent no request for it"))
    for result in results:
        progress.finish(result)
    report.results.extend(results)


def _run_engine(config: SchemathesisConfig, group: list[str], outcome: dict[str, Result], tested: set[str],
                target: Target, progress: Progress, redact: Redactor) -> None:
    schema = schemathesis.openapi.from_path(str(spec_path()), config=config).include(operation_id=group)
    by_label = {op.label: op.definition.raw["operationId"] for op in (r.ok() for r in schema.get_all_operations())}
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            if recorder.label in by_label:  # the stateful phase reports under one label for all operations
                tested.add(by_label[recorder.label])
            target.requests_sent += len(recorder.interactions)
            for nodes in recorder.checks.values():
                for node in nodes:
                    row = node.name if node.name.startswith("B-") else "schema"
                    check = "every response" if row != "schema" else node.name
                    result = outcome.setdefault(node.name, Result("schema", row, check, PASSED))
                    if node.failure_info is not None and len(result.findings) < 5:
                        failure = node.failure_info.failure
                        result.status = FAILED
                        curl = redact(shell_ready(node.failure_info.code_sample))
                        result.findings.append(Finding(recorder.label, redact(failure.title),
                                                       redact(failure.message[:500]), curl))
            progress.note(f"      schema {getattr(event, 'phase', 'fuzzing')} {recorder.label}: {event.status}")
        elif isinstance(event, events.NonFatalError):
            result = outcome.setdefault("error", Result("schema", "schema", "error", FAILED))
            result.findings.append(Finding(event.label, "a response schemathesis can read",
                                           redact(str(event.value)[:500]), ""))
        elif isinstance(event, events.FatalError):
            raise CannotRun(f"schemathesis stopped: {redact(str(event.exception))[:300]}")
    elapsed = time.monotonic() - started
    for result in outcome.values():
        result.seconds = elapsed
