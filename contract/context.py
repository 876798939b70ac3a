"""What a behaviour check works with: the target, the capabilities, the budget, and assertions that
turn a broken promise into a finding (operation, expected, got, curl)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from .budget import Budget
from .capabilities import Capabilities
from .errors import Skipped, Violation
from .exchange import Exchange
from .redact import Redactor
from .target import Target

CHEAP_CHAT = {"model": "aurous-grow-2.0-lite", "max_tokens": 1}
CHAT_ESTIMATE = 0.01  # credits: a cheap chat call with max_tokens 1 costs far less


@dataclass
class Context:
    target: Target
    caps: Capabilities
    budget: Budget
    redact: Redactor
    seed: int = 0
    max_examples: int = 10
    quick: bool = False
    cache: dict[str, Any] = field(default_factory=dict)
    teams: list[Target] = field(default_factory=list)

    # -- requests ------------------------------------------------------------------------------
    def call(self, method: str, path: str, **kwargs: Any) -> Exchange:
        return self.target.request(method, path, **kwargs)

    def paid(self, method: str, path: str, estimate: float = CHAT_ESTIMATE, **kwargs: Any) -> Exchange:
        """A call that spends credits: refused (skipped) when it would pass `--budget-credits`."""
        self.budget.reserve(estimate)
        return self.call(method, path, **kwargs)

    def chat(self, content: str = "Say hi", *, target: Target | None = None, headers: dict[str, str] | None = None,
             **extra: Any) -> Exchange:
        """The cheapest valid chat call (the lite model, one token), with `extra` fields."""
        body = {**CHEAP_CHAT, "messages": [{"role": "user", "content": content}], **extra}
        self.budget.reserve(self.chat_estimate(body))
        return (target or self.target).request("POST", "/v1/chat/completions", json_body=body, headers=headers)

    def chat_estimate(self, body: dict[str, Any]) -> float:
        """An upper estimate of a chat call's credits from the model's published rates: the body's
        length as input tokens, `max_tokens` (and a reasoning allowance) as output tokens."""
        try:
            rates = self.model(body["model"])["chat_pricing"]
            rate_in, rate_out = rates["input"]["credits_per_M"], rates["output"]["credits_per_M"]
        except (Skipped, KeyError, TypeError):
            return CHAT_ESTIMATE
        output = body.get("max_tokens", 1024) + (4096 if body.get("reasoning_effort") else 0)
        return (len(json.dumps(body)) * rate_in + output * rate_out) / 1e6

    def team(self, **settings: Any) -> Target:
        """A Target for a fresh isolated team (admin API only); its key is redacted like the run's."""
        admin = self.caps.require_admin("an isolated team")
        settings.setdefault("balance", 1000)
        team = admin.create_team(**settings)
        self.redact.add(team["api_key"])
        target = Target(self.target.base_url, team["api_key"], version_pin=self.target.version_pin,
                        budget=self.budget, pace=False)
        target.team = team
        self.teams.append(target)
        return target

    def close(self) -> None:
        for target in self.teams:
            target.close()

    def models(self) -> list[dict[str, Any]]:
        if "models" not in self.cache:
            ex = self.call("GET", "/v1/models", pin=False)
            self.expect(ex.status == 200, "200 from GET /v1/models", ex.summary(), ex)
            self.cache["models"] = ex.json().get("data", [])
        return self.cache["models"]

    def model(self, slug: str) -> dict[str, Any]:
        for row in self.models():
            if row.get("id") == slug:
                return row
        raise Skipped(f"the target lists no model {slug}")

    # -- assertions ----------------------------------------------------------------------------
    def fail(self, expected: str, got: str, exchange: Exchange | None = None) -> None:
        raise Violation(expected, self.redact(got), exchange.operation if exchange else "",
                        self.redact(exchange.curl()) if exchange else "")

    def expect(self, condition: Any, expected: str, got: Any, exchange: Exchange | None = None) -> None:
        if not condition:
            self.fail(expected, str(got), exchange)

    def expect_status(self, exchange: Exchange, status: int | tuple[int, ...], code: str | None = None) -> None:
        statuses = status if isinstance(status, tuple) else (status,)
        ok = exchange.status in statuses and (code is None or exchange.error_code == code)
        want = "/".join(map(str, statuses)) + (f" {code}" if code else "")
        self.expect(ok, want, f"{exchange.summary()} {exchange.body[:200].decode(errors='replace')}", exchange)

    def expect_header(self, exchange: Exchange, name: str, value: str | None = None) -> str:
        got = exchange.header(name)
        want = f"header {name}" + (f": {value}" if value is not None else "")
        self.expect(got is not None and (value is None or got.lower() == value.lower()), want,
                    f"{name}: {got}" if got is not None else f"no {name} header", exchange)
        return got or ""

    # -- properties ----------------------------------------------------------------------------
    def property(self, strategy: st.SearchStrategy[Any], test: Callable[[Any], None],
                 max_examples: int | None = None) -> None:
        """Run `test` over values drawn by hypothesis, seeded by `--seed`; no shrinking (each example
        is an HTTP call, on a target that may bill)."""
        examples = max_examples or self.max_examples

        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), derandomize=False)
        @seed(self.seed)
        @given(strategy)
        def run(value: Any) -> None:
            test(value)

        try:
            run()
        except BaseExceptionGroup as group:  # hypothesis wraps a failure it could not reproduce (Flaky)
            raise _first_finding(group) from None


def _first_finding(group: BaseExceptionGroup) -> BaseException:
    """The Violation (or Skipped) inside a group of exceptions, else the group itself."""
    for exc in group.exceptions:
        found = _first_finding(exc) if isinstance(exc, BaseExceptionGroup) else exc
        if isinstance(found, Violation | Skipped):
            return found
    return group
