"""YAML loading that remembers where each value stood, so a bad file is refused with file, line and field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FixtureError(Exception):
    """A data file the mock loads (fixture, scenario) is unreadable or breaks its schema."""


@dataclass
class LocatedYaml:
    path: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, where: Sequence[str | int]) -> int:
        """1-based line of the value at `where`, or of its nearest existing parent."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for step in where:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(step):
                        child = value
                        line = key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                child = node.value[step]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    def error(self, where: Sequence[str | int], problem: str) -> FixtureError:
        field = field_path(where) or "(top level)"
        return FixtureError(f"{self.path}:{self.line_of(where)}: {field}: {problem}")


def field_path(where: Sequence[str | int]) -> str:
    out = ""
    for step in where:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def load_located(path: Path) -> LocatedYaml:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(f"{path}:1: cannot read the file: {exc}") from exc
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise FixtureError(f"{path}:{line}: not valid YAML: {problem}") from exc
    finally:
        loader.dispose()
    return LocatedYaml(path, data, root)


def load_fast(path: Path) -> Any:
    """Plain load for trusted package data (the spec): no node tree kept."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)
