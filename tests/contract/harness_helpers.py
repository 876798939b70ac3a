"""The harness run in-process against live servers, and the mutation score (printed by tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contract.cli import main

SCORE: dict[str, bool] = {}


def run_harness(base_url: str, key: str, *args: str, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    """`aurous-contract run` in-process; returns the exit code and the JSON report."""
    report = tmp_path / "report.json"
    code = main(["run", "--base-url", base_url, "--api-key", key, "--quiet", "--json", str(report), *args])
    return code, (json.loads(report.read_text()) if report.exists() else {})


def failed_rows(report: dict[str, Any]) -> set[str]:
    return {r["row"] for r in report.get("results", []) if r["status"] == "failed"}


def score_lines() -> list[str]:
    if not SCORE:
        return []
    lines = [f"aurous-contract mutation score: {sum(SCORE.values())} / {len(SCORE)} planted bugs caught"]
    return lines + [f"  missed: {name}" for name, ok in sorted(SCORE.items()) if not ok]
