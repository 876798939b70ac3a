"""Behaviour checks, one or more per row id, registered by decorator (`@check("B-IDEM-2", ...)`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from .rows import ROWS

if TYPE_CHECKING:
    from .context import Context

CheckFunction = Callable[["Context"], None]


@dataclass(frozen=True)
class Check:
    row: str
    name: str
    run: CheckFunction
    paid: bool  # spends credits on a target that bills
    admin: bool  # needs the mock's admin API (clock, isolated teams)

    @property
    def label(self) -> str:
        return f"{self.row} {self.name}"


CHECKS: list[Check] = []


def check(row: str, *, paid: bool = False, admin: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a behaviour check for `row`; its name is the function's name."""
    if row not in ROWS:
        raise ValueError(f"{row} is not a row of behaviours.md")

    def register(function: CheckFunction) -> CheckFunction:
        if any(c.row == row and c.name == function.__name__ for c in CHECKS):
            raise ValueError(f"{row} {function.__name__} is registered twice")
        CHECKS.append(Check(row, function.__name__, function, paid, admin))
        return function

    return register


def all_checks() -> list[Check]:
    from . import behaviours  # noqa: F401  (the modules register their checks on import)

    return list(CHECKS)


def matches(identifier: str, only: list[str], skip: list[str]) -> bool:
    """`--only` / `--skip` globs, case-insensitive, over a row id or a schema-suite item."""
    identifier = identifier.upper()
    if only and not any(fnmatchcase(identifier, g.upper()) for g in only):
        return False
    return not any(fnmatchcase(identifier, g.upper()) for g in skip)
