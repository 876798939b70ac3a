"""The action kinds a rule can take, one module each, registered by name with the JSON Schema of their
value. A new kind is a new module here: `load_kinds()` imports every module of this package."""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from ...call import Call, Next
from ...errors import ErrorCatalog
from ...versions import Versions
from ...yamlfile import FixtureError, LocatedYaml


@dataclass(slots=True)
class Firing:
    """One rule firing on one call: what it counts, and the seeded random stream for its draws."""

    scenario: str
    rule: int
    activation: str
    matched: int  # this call is the rule's nth matching call in this activation (1-based)
    fired: int  # and its nth firing (1-based)
    rng: random.Random
    note: dict[str, Any] = field(default_factory=dict)  # what the journal shows of this firing


# An action returns a response to answer with (the rules after it do not run), or None to let the
# call go on (to the next rules, then the handler) with whatever it changed on the call.
Action = Callable[[Call, Next, Firing], Awaitable[Response | None]]


@dataclass(frozen=True)
class BuildContext:
    """What a kind may check its value against when a file is loaded, and where to point when it fails."""

    doc: LocatedYaml
    where: Sequence[str | int]
    errors: ErrorCatalog
    versions: Versions

    def error(self, problem: str, *under: str | int) -> FixtureError:
        return self.doc.error([*self.where, *under], problem)

    def require_code(self, code: str, *under: str | int) -> None:
        if code not in self.errors:
            raise self.error(f"{code!r} is not a code of the error catalog", *under)


@dataclass(frozen=True)
class ActionKind:
    name: str
    schema: dict[str, Any]
    build: Callable[[Any, BuildContext], Action]
    max_firings: Callable[[Any], int] | None = None  # a kind that runs out (replies in order)
    summary: str = ""


ACTIONS: dict[str, ActionKind] = {}
SECONDS = {"type": "number", "minimum": 0, "maximum": 600}


def settings(**properties: Any) -> dict[str, Any]:
    """The schema of a value that is a closed mapping of optional settings, at least one given."""
    return {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": properties}


def action(name: str, schema: dict[str, Any], *, max_firings: Callable[[Any], int] | None = None
           ) -> Callable[[Callable[[Any, BuildContext], Action]], Callable[[Any, BuildContext], Action]]:
    """Register a kind: `build(value, context)` checks the value and returns the action."""

    def register(build: Callable[[Any, BuildContext], Action]) -> Callable[[Any, BuildContext], Action]:
        if name in ACTIONS:
            raise ValueError(f"two scenario action kinds named {name}")
        summary = (build.__doc__ or "").strip().split("\n")[0]
        ACTIONS[name] = ActionKind(name, schema, build, max_firings, summary)
        return build

    return register


def load_kinds() -> dict[str, ActionKind]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return ACTIONS
