"""Results of a run: the summary table by behaviour id and check, findings with a curl command, and
the JSON and JUnit reports. Everything written passes through the Redactor."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class Finding:
    operation: str
    expected: str
    got: str
    curl: str


@dataclass
class Result:
    suite: str  # behaviours | schema
    row: str  # a behaviour id, or the schema suite's operation
    check: str
    status: str
    seconds: float = 0.0
    reason: str = ""  # why it was skipped
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Report:
    base_url: str
    results: list[Result] = field(default_factory=list)
    requests_sent: int = 0
    credits_spent: float = 0.0
    budget_credits: float = 0.0  # math.inf: no limit (the mock's own credits)
    waited_s: float = 0.0
    seconds: float = 0.0
    admin: bool = False

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def exit_code(self) -> int:
        return 1 if self.count(FAILED) else 0

    def table(self) -> str:
        rows = [("id", "check", "result", "note")]
        for r in self.results:
            note = f"{len(r.findings)} finding(s)" if r.findings else r.reason
            rows.append((r.row, r.check, r.status.upper(), note))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)) for row in rows]
        return "\n".join(lines)

    def findings_text(self) -> str:
        out = []
        for r in self.results:
            for f in r.findings:
                out.append(f"{r.row} {r.check}: {f.operation}\n  expected: {f.expected}\n  got:      {f.got}\n"
                           f"  reproduce: {f.curl}")
        return "\n\n".join(out)

    def totals(self) -> str:
        return (f"{self.count(PASSED)} passed, {self.count(FAILED)} failed, {self.count(SKIPPED)} skipped in "
                f"{self.seconds:.1f} s; {self.requests_sent} requests, {self.credits_spent:.4f} credits spent "
                f"({self._limit()}), {self.waited_s:.1f} s waited for rate limits")

    def _limit(self) -> str:
        if math.isfinite(self.budget_credits):
            return f"budget {self.budget_credits:g}"
        return "no budget: the mock's credits"

    def to_json(self) -> dict:
        return {"base_url": self.base_url, "admin_api": self.admin, "exit_code": self.exit_code,
                "passed": self.count(PASSED), "failed": self.count(FAILED), "skipped": self.count(SKIPPED),
                "requests_sent": self.requests_sent, "credits_spent": round(self.credits_spent, 6),
                "budget_credits": self.budget_credits if math.isfinite(self.budget_credits) else None,
                "seconds": round(self.seconds, 2),
                "results": [asdict(r) for r in self.results]}

    def write_json(self, path: Path, redact: Callable[[str], str]) -> None:
        path.write_text(redact(json.dumps(self.to_json(), indent=2)) + "\n")

    def write_junit(self, path: Path, redact: Callable[[str], str]) -> None:
        """One testsuite per suite, one testcase per (id, check): what CI servers display."""
        root = ET.Element("testsuites", name="aurous-contract", tests=str(len(self.results)),
                          failures=str(self.count(FAILED)), skipped=str(self.count(SKIPPED)),
                          time=f"{self.seconds:.2f}")
        for suite in sorted({r.suite for r in self.results}):
            results = [r for r in self.results if r.suite == suite]
            node = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)),
                                 failures=str(sum(r.status == FAILED for r in results)),
                                 skipped=str(sum(r.status == SKIPPED for r in results)),
                                 time=f"{sum(r.seconds for r in results):.2f}")
            for r in results:
                case = ET.SubElement(node, "testcase", classname=f"{suite}.{r.row}", name=r.check,
                                     time=f"{r.seconds:.2f}")
                if r.status == SKIPPED:
                    ET.SubElement(case, "skipped", message=r.reason)
                elif r.status == FAILED:
                    first = r.findings[0] if r.findings else Finding("", "", "", "")
                    failure = ET.SubElement(case, "failure", message=f"expected {first.expected}; got {first.got}")
                    failure.text = "\n\n".join(f"{f.operation}\nexpected: {f.expected}\ngot: {f.got}\n{f.curl}"
                                               for f in r.findings)
        ET.indent(root)
        path.write_text(redact(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n")
