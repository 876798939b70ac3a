"""Loading the scenario files: each validated against the schema (`mockserver/schemas/scenario.schema.yaml`
plus the value schema of every action kind), then compiled. A bad file stops start-up with its path,
line and field. While the server runs, an edited file is picked up the next time its scenario is asked
for (one `stat` per scenario per call, no watcher thread); an edit that does not validate is refused
with the same located message, logged and shown by `GET /__mock/scenarios`, and the last good version
stays in force. A file is looked at no more than once per `check_interval` seconds (0.1 s by default:
a `stat` per call would be most of what an unmatched rule set costs)."""

from __future__ import annotations

import copy
import logging
import os
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ..errors import ErrorCatalog
from ..fixtures import validate_with
from ..paths import schema_path
from ..versions import Versions
from ..yamlfile import FixtureError, LocatedYaml, load_fast, load_located
from .actions import ACTIONS, BuildContext, load_kinds
from .rules import Rule, Scenario, field_steps

log = logging.getLogger("aurous_mock")
SUFFIX = ".yaml"
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")  # a file name in the folder, never a path
LIMITS = ("nth", "after", "times", "probability")


@cache
def scenario_schema() -> dict[str, Any]:
    """The file's schema with every registered action kind as a property of a rule."""
    schema = copy.deepcopy(load_fast(schema_path("scenario")))
    rule = schema["$defs"]["rule"]
    for name, kind in sorted(load_kinds().items()):
        rule["properties"][name] = kind.schema
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(scenario_schema())


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dataclass
class _Entry:
    path: Path
    stamp: tuple[int, int] | None  # the file as last read (good or not)
    scenario: Scenario | None  # the last good version (None: a new file not read yet)
    checked: float = 0.0  # monotonic time of the last look at the file


class ScenarioLibrary:
    def __init__(self, directory: Path, errors: ErrorCatalog, versions: Versions, check_interval: float = 0.1
                 ) -> None:
        self.directory = directory
        self.check_interval = check_interval
        self._errors = errors
        self._versions = versions
        self._entries: dict[str, _Entry] = {}
        self.reload_errors: dict[str, str] = {}  # scenario name -> why its latest edit was refused
        for path in self._files():
            if not NAME.match(path.stem):
                raise FixtureError(f"{path}:1: (top level): a scenario's name (its file's name) takes letters, "
                                   "digits, '_', '.' and '-'")
            self._entries[path.stem] = _Entry(path, _stamp(path), self.load(path))

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir()
                      if p.suffix == SUFFIX and not p.name.startswith(".") and p.is_file())

    def load(self, path: Path) -> Scenario:
        """Read, validate and compile one file, or raise `FixtureError` naming file, line and field."""
        doc = load_located(path)
        try:
            validate_with(doc, _validator())
        except RecursionError:
            raise doc.error([], "nested too deeply (or an alias that contains itself)") from None
        rules = [self._rule(doc, index, raw) for index, raw in enumerate(doc.data["rules"])]
        return Scenario(path.stem, doc.data["description"], str(path), rules, doc.data.get("example"))

    def _rule(self, doc: LocatedYaml, index: int, raw: dict[str, Any]) -> Rule:
        where: list[str | int] = ["rules", index]
        kinds = [name for name in raw if name in ACTIONS]
        if len(kinds) != 1:
            problem = "names no action" if not kinds else f"names {len(kinds)} actions ({', '.join(kinds)})"
            raise doc.error(where, f"{problem}; a rule takes exactly one of: {', '.join(sorted(ACTIONS))}")
        kind = ACTIONS[kinds[0]]
        value = raw[kind.name]
        act = kind.build(value, BuildContext(doc, [*where, kind.name], self._errors, self._versions))
        match = raw.get("match", {})
        method = match.get("method")
        times = raw.get("times")
        if kind.max_firings is not None:
            most = kind.max_firings(value)
            times = most if times is None else min(times, most)
        return Rule(
            index=index,
            kind=kind.name,
            act=act,
            name=raw.get("name"),
            methods=None if method is None else frozenset([method] if isinstance(method, str) else method),
            path=match.get("path"),
            headers=tuple((name.lower(), value) for name, value in match.get("headers", {}).items()),
            body=tuple((field_steps(name), expected) for name, expected in match.get("body", {}).items()),
            nth=raw.get("nth"),
            after=raw.get("after", 0),
            times=times,
            probability=raw.get("probability"),
        )

    def get(self, name: str) -> Scenario | None:
        """The scenario in force under `name`, after picking up an edit of its file."""
        entry = self._entries.get(name)
        if entry is None:
            if not NAME.match(name):
                return None
            path = self.directory / f"{name}{SUFFIX}"
            if not path.is_file():
                return None
            entry = self._entries[name] = _Entry(path, None, None)
        now = time.monotonic()
        if entry.scenario is not None and now - entry.checked < self.check_interval:
            return entry.scenario
        entry.checked = now
        stamp = _stamp(entry.path)
        if stamp != entry.stamp:
            self._refresh(name, entry, stamp)
            entry = self._entries.get(name)
        return entry.scenario if entry is not None else None

    def _refresh(self, name: str, entry: _Entry, stamp: tuple[int, int] | None) -> None:
        if stamp is None:  # the file is gone, and the scenario with it
            del self._entries[name]
            self.reload_errors.pop(name, None)
            return
        entry.stamp = stamp
        try:
            entry.scenario = self.load(entry.path)
        except FixtureError as error:
            self.reload_errors[name] = str(error)
            if entry.scenario is None:  # a new file that never validated: no scenario yet
                del self._entries[name]
            log.warning("scenario %s: edit refused, the last good version stays: %s", name, error)
            return
        self.reload_errors.pop(name, None)

    def all(self) -> list[Scenario]:
        """Every scenario, after picking up new, edited and removed files (whatever the interval)."""
        for entry in self._entries.values():
            entry.checked = 0.0
        names = {path.stem for path in self._files()} | set(self._entries)
        found = (self.get(name) for name in sorted(names))
        return [scenario for scenario in found if scenario is not None]

    def names(self) -> list[str]:
        return [scenario.name for scenario in self.all()]
