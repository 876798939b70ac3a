"""Live progress on stderr while the run goes: one line per check as it finishes."""

from __future__ import annotations

import sys
from typing import TextIO

from .report import Result


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled

    def note(self, text: str) -> None:
        if self.enabled:
            print(text, file=self.stream, flush=True)

    def start(self, label: str) -> None:
        if self.enabled and self.stream.isatty():
            print(f"[{self.done + 1:>3}/{self.total}] {label} ...", end="\r", file=self.stream, flush=True)

    def finish(self, result: Result) -> None:
        """A behaviour check as it ends, numbered; a schema-suite check once the engine is done."""
        extra = f" ({result.reason})" if result.reason else ""
        if result.suite == "schema":
            self.note(f"      schema {result.row} {result.check}: {result.status}{extra}")
            return
        self.done += 1
        self.note(f"[{self.done:>3}/{self.total}] {result.row} {result.check}: {result.status}"
                  f" in {result.seconds:.1f} s{extra}")
