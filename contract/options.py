"""The run's options, as a value object with defaults that read like documentation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CannotRun

SUITES = ("schema", "behaviours", "all")
STAGING_BUDGET = 50.0  # credits, when --budget-credits is not given and the target bills real credits


@dataclass
class RunOptions:
    base_url: str
    api_key: str
    suite: str = "all"
    max_examples: int = 20  # per operation and phase in the schema suite, per property in the behaviours
    version_pin: str | None = None
    budget_credits: float | None = None  # None: STAGING_BUDGET, or no limit against the mock (runner.budget_for)
    only: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    junit: Path | None = None
    json_path: Path | None = None
    seed: int = 0
    quick: bool = False
    admin_token: str | None = None

    def validate(self) -> None:
        """Refuse options that cannot make a meaningful run (exit 2, one line)."""
        if not re.match(r"^https?://[^/\s]+", self.base_url):
            raise CannotRun(f"--base-url must be an http(s) URL, got {self.base_url!r}")
        if not self.api_key:
            raise CannotRun("no API key: pass --api-key or set AUROUS_API_KEY")
        if self.suite not in SUITES:
            raise CannotRun(f"--suite must be one of {', '.join(SUITES)}")
        if self.max_examples < 1:
            raise CannotRun("--max-examples must be at least 1")
        if self.budget_credits is not None and self.budget_credits < 0:
            raise CannotRun("--budget-credits must not be negative")
        if self.version_pin is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.version_pin):
            raise CannotRun(f"--version-pin must be a date YYYY-MM-DD, got {self.version_pin!r}")
