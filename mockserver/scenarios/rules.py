"""A scenario compiled for matching: rules indexed by method, literal paths in a dict and the path
patterns behind one precompiled prefilter, so a call that no rule is about costs a few lookups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..call import Call
from .actions import Action

ANY_METHOD = "*"
_MISSING = object()
_SEGMENT = re.compile(r"\{[^/{}]+\}|\*\*|\*")


def path_regex(pattern: str) -> str:
    """`{name}` and `*` stand for one path segment, `**` for the rest of the path."""
    out, last = [], 0
    for placeholder in _SEGMENT.finditer(pattern):
        out.append(re.escape(pattern[last:placeholder.start()]))
        out.append(".*" if placeholder.group() == "**" else "[^/]+")
        last = placeholder.end()
    out.append(re.escape(pattern[last:]))
    return "".join(out)


def is_literal(pattern: str) -> bool:
    return _SEGMENT.search(pattern) is None


def field_steps(dotted: str) -> tuple[str | int, ...]:
    """`messages.0.role` -> ("messages", 0, "role"): digits index lists."""
    return tuple(int(step) if step.isdigit() else step for step in dotted.split("."))


def body_value(body: Any, steps: tuple[str | int, ...]) -> Any:
    node = body
    for step in steps:
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        elif isinstance(node, dict) and isinstance(step, int) and str(step) in node:
            node = node[str(step)]
        else:
            return _MISSING
    return node


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: `true` is not `1`, but `1` is `1.0`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    kind: str
    act: Action
    name: str | None = None
    methods: frozenset[str] | None = None
    path: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: tuple[tuple[tuple[str | int, ...], Any], ...] = ()
    nth: int | None = None
    after: int = 0
    times: int | None = None
    probability: float | None = None
    # Set when the rule's only condition beyond method and path is one header: the engine checks it
    # inline, so many rules on one route that tell requests apart by a header stay cheap.
    only_header: tuple[str, str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if len(self.headers) == 1 and not self.body:
            object.__setattr__(self, "only_header", self.headers[0])

    def matches_details(self, call: Call) -> bool:
        """Headers and body fields (method and path are the index's business)."""
        headers = call.headers
        for name, value in self.headers:
            if headers.get(name) != value:
                return False
        for steps, expected in self.body:
            found = body_value(call.body, steps)
            if found is _MISSING or not same_json(found, expected):
                return False
        return True

    def matches(self, method: str, path: str, call: Call) -> bool:
        """The whole match, without the index (what the index must agree with)."""
        if self.methods is not None and method not in self.methods:
            return False
        if self.path is not None and re.fullmatch(path_regex(self.path), path) is None:
            return False
        return self.matches_details(call)


@dataclass
class _Bucket:
    literal: dict[str, list[Rule]] = field(default_factory=dict)
    patterned: list[tuple[re.Pattern[str], Rule]] = field(default_factory=list)
    any_path: list[Rule] = field(default_factory=list)
    prefilter: re.Pattern[str] | None = None


class RuleIndex:
    """Rules by method; for one method, by literal path, then patterned paths behind a prefilter."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        methods = {m for rule in rules for m in (rule.methods or ())}
        self._buckets: dict[str, _Bucket] = {}
        for method in (*methods, ANY_METHOD):
            bucket = _Bucket()
            for rule in rules:
                if rule.methods is not None and method not in rule.methods:
                    continue
                if rule.path is None:
                    bucket.any_path.append(rule)
                elif is_literal(rule.path):
                    bucket.literal.setdefault(rule.path, []).append(rule)
                else:
                    bucket.patterned.append((re.compile(path_regex(rule.path)), rule))
            if bucket.patterned:
                bucket.prefilter = re.compile("|".join(f"(?:{p.pattern})" for p, _ in bucket.patterned))
            if bucket.literal or bucket.patterned or bucket.any_path:
                self._buckets[method] = bucket

    def candidates(self, method: str, path: str) -> list[Rule]:
        """The rules whose method and path match, in file order (do not change the list returned)."""
        bucket = self._buckets.get(method) or self._buckets.get(ANY_METHOD)
        if bucket is None:
            return _NONE
        found = bucket.literal.get(path) or _NONE
        prefilter = bucket.prefilter
        patterned = _NONE
        if prefilter is not None and prefilter.fullmatch(path) is not None:
            patterned = [rule for regex, rule in bucket.patterned if regex.fullmatch(path) is not None]
        if not patterned and not bucket.any_path:
            return found  # the common case: one source, already in file order
        return sorted([*found, *patterned, *bucket.any_path], key=_BY_INDEX)


_NONE: list[Rule] = []


def _by_index(rule: Rule) -> int:
    return rule.index


_BY_INDEX = _by_index


@dataclass
class Scenario:
    name: str
    description: str
    source: str
    rules: list[Rule]
    example: dict[str, Any] | None = None
    index: RuleIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = RuleIndex(self.rules)
