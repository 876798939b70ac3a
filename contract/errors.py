"""The harness's two families of trouble, kept apart: it could not run (exit 2), or the target broke
the contract (a finding, exit 1). A check that cannot run here says why (skipped, never passed)."""

from __future__ import annotations

from dataclasses import dataclass


class CannotRun(Exception):
    """The run cannot go on: unreachable target, refused key, bad options. The message is one line."""


class Skipped(Exception):
    """This check cannot run against this target; the message says why."""


@dataclass
class Violation(Exception):
    """The target broke a documented behaviour."""

    expected: str
    got: str
    operation: str = ""
    curl: str = ""

    def __str__(self) -> str:
        return f"expected {self.expected}; got {self.got}"
