"""The scenario-matching benchmark's fixtures: the default fixtures plus one scenario of 50 rules that
the measured request never matches (`UNMATCHED`), so `rules-50` against `rules-0` is the cost of having
rules to look at: 20 on other literal paths, 10 on path patterns, 10 on the same path and method under a
header the request does not send, 10 on another method with a body condition."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from mockserver.paths import data_dir

UNMATCHED = "bench-50-unmatched"
RULES = 50


def unmatched_rules(path: str) -> list[dict[str, object]]:
    rules: list[dict[str, object]] = []
    for i in range(20):
        rules.append({"match": {"method": "GET", "path": f"/v1/files/file_{i:02d}"}, "error": "invalid_format"})
    for i in range(10):
        rules.append({"match": {"path": f"/v1/images/{{id}}/output/{i}"}, "error": "output_expired"})
    for i in range(10):
        rules.append({"match": {"method": "GET", "path": path, "headers": {"x-bench-case": str(i)}},
                      "error": "invalid_format"})
    for i in range(10):
        rules.append({"match": {"method": "POST", "path": "/v1/chat/completions", "body": {"metadata.case": i}},
                      "error": "chat_provider_unavailable"})
    assert len(rules) == RULES
    return rules


def bench_fixtures(directory: Path, path: str) -> Path:
    """A copy of the bundled fixtures in `directory`, with the 50-rule scenario for requests to `path`."""
    target = directory / "fixtures"
    shutil.copytree(data_dir("fixtures"), target, dirs_exist_ok=True)
    document = {"description": f"{RULES} rules that GET {path} without x-bench-case never matches",
                "rules": unmatched_rules(path)}
    (target / "scenarios" / f"{UNMATCHED}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return target
