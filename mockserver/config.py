"""The settings of one mock server, with defaults that read like documentation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .paths import data_dir, spec_path


@dataclass(frozen=True)
class MockConfig:
    fixtures_dir: Path = data_dir("fixtures")
    spec_path: Path = spec_path()
    seed: int = 0
    admin_token: str | None = None
    max_body_bytes: int = 24 * 1024 * 1024  # above the 20 MB file upload cap
    journal_limit: int = 10_000
    scenarios: tuple[str, ...] = ()  # active globally from start-up (`serve --scenario NAME`)
    scenario_check_interval: float = 0.1  # seconds between looks at a scenario file for edits
    webhook_timeout_seconds: float = 5.0  # one delivery attempt, connect to last byte (B-WH-5)
