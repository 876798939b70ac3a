"""Planted bugs: every broken server must be reported with the right behaviour id, over real HTTP."""

from __future__ import annotations

import pytest
from conftest import DEFAULT_KEY, LiveServer
from harness_helpers import SCORE, failed_rows, run_harness
from planted import CONTROLS, SCHEMA_VARIANTS, VARIANTS


@pytest.mark.live
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_planted_bug_is_reported_with_its_id(name, tmp_path):
    row, factory = VARIANTS[name]
    with LiveServer(factory()) as server:
        code, report = run_harness(server.base_url, DEFAULT_KEY, "--suite", "behaviours", "--quick", "--only", row,
                                   tmp_path=tmp_path)
    SCORE[name] = code == 1 and row in failed_rows(report)
    assert code == 1, f"{name}: the harness exited {code}"
    assert failed_rows(report) == {row}, f"{name}: reported {failed_rows(report)}, planted under {row}"


@pytest.mark.live
@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_planted_behaviour_unbroken_passes(name, tmp_path):
    rows, factory = CONTROLS[name]
    with LiveServer(factory()) as server:
        only = [arg for row in rows for arg in ("--only", row)]
        code, report = run_harness(server.base_url, DEFAULT_KEY, "--suite", "behaviours", "--quick", *only,
                                   tmp_path=tmp_path)
    statuses = {(r["row"], r["check"]): r["status"] for r in report["results"]}
    assert code == 0, report
    assert set(statuses.values()) == {"passed"} and {row for row, _ in statuses} == set(rows), statuses


@pytest.mark.live
@pytest.mark.parametrize("name", sorted(SCHEMA_VARIANTS))
def test_planted_bug_is_reported_by_the_schema_suite(name, tmp_path):
    check, operation, factory = SCHEMA_VARIANTS[name]
    with LiveServer(factory()) as server:
        code, report = run_harness(server.base_url, DEFAULT_KEY, "--suite", "schema", "--quick", "--only", operation,
                                   tmp_path=tmp_path)
    failed = {name for r in report.get("results", []) if r["status"] == "failed" for name in (r["row"], r["check"])}
    SCORE[name] = code == 1 and check in failed
    assert code == 1 and check in failed, f"{name}: exit {code}, failed {failed}"
    findings = [f for r in report["results"] for f in r["findings"]]
    assert all(f["curl"].startswith("curl ") and DEFAULT_KEY not in f["curl"] for f in findings if f["curl"])
