"""One deterministic, plausible JSON value that validates against a JSON Schema.

Feeds structured output (`response_format: json_schema`) and tool-call arguments. The schemas are mostly what the
OpenAI SDK emits for pydantic models in strict mode, plus hand-written tool parameter schemas. Values are built
directly (no search), so a typical model schema takes a fraction of a millisecond; jsonschema is consulted only where
construction cannot guarantee validity (oneOf exclusivity, merged allOf / sibling keywords, `not`, `if`, ...).
"""

from __future__ import annotations

import copy
import itertools
import math
import random
from fractions import Fraction
from typing import Any
from urllib.parse import unquote

from . import plausible
from .regex_strings import PatternUnsupported, matching_string
from .schema_keywords import (
    ANNOTATIONS,
    UNENFORCED,
    SchemaUnsupported,
    bound,
    canonical_json,
    constraining,
    enum_values,
    infer_type,
    mentions_ref,
    merge,
    multiple_ok,
    narrow,
    pattern_found,
    property_schema,
    quick_reject,
    title_of,
    type_of,
)

__all__ = ["SchemaUnsupported", "instance"]

MAX_DEPTH = 40  # JSON nesting depth treated as runaway recursion
SOFT_DEPTH = 8  # from this depth on (or once a $ref recurses) take the cheapest branch: null, [], required only
MAX_ITEMS = 1000
MAX_STRING = 100_000
MAX_CHECKS = 200  # jsonschema validations per call, so nested retries cannot multiply without bound
_NESTING = 120  # value() frames, bounds anyOf/allOf chains that add no JSON depth
_SCALARS = ("null", "boolean", "integer", "number", "string")
_TYPE_ORDER = {t: i for i, t in enumerate((*_SCALARS, "array", "object"))}


def instance(schema: dict, rng: random.Random, *, hint: str = "") -> Any:
    """A value valid against `schema`; same schema and rng state give the same value. `hint` flavours strings."""
    try:
        return _Gen(schema, rng, hint).value(schema, "", 0, ())
    except RecursionError as exc:
        raise SchemaUnsupported("schema nests too deeply") from exc
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:  # malformed, e.g. "minimum": "5"
        raise SchemaUnsupported(f"malformed schema: {exc}") from exc


class _Gen:
    """Per-call state: the root (for $ref), the rng, the hint and the validation budget."""

    def __init__(self, root: Any, rng: random.Random, hint: str) -> None:
        self.root, self.rng, self.hint = root, rng, hint
        self.hint_words: str | None = None
        self.validator: Any = None
        self.checks_left, self.nesting, self.salt = MAX_CHECKS, 0, 0
        self.person = ""  # the last person name given, so a sibling email can match it

    def value(self, schema: Any, key: str, depth: int, refs: tuple[str, ...]) -> Any:
        """A value at JSON `depth`; `key` is the property name (for plausible text), `refs` the $ref path taken."""
        if depth > MAX_DEPTH or self.nesting > _NESTING:
            raise SchemaUnsupported(f"schema nests or recurses deeper than {MAX_DEPTH} levels")
        self.nesting += 1
        try:
            flat, refs, lossy = self.flatten(schema, refs)
            key = key or title_of(flat)
            if not lossy:
                return self.core(flat, key, depth, refs)
            for _ in range(5):
                candidate = self.core(flat, key, depth, refs)
                if self.valid(schema, candidate):
                    return candidate
            raise SchemaUnsupported("no generated value satisfied the combined keywords")
        finally:
            self.nesting -= 1

    def flatten(self, schema: Any, refs: tuple[str, ...]) -> tuple[dict, tuple[str, ...], bool]:
        """Follow $ref and merge allOf into one schema; `lossy` means the result must be checked against the input."""
        lossy = False
        for _ in range(32):
            if schema is True:
                return {}, refs, lossy
            if not isinstance(schema, dict):
                raise SchemaUnsupported(f"unsatisfiable or invalid schema {schema!r}")
            if "$ref" in schema:
                ref = schema["$ref"]
                rest = {k: v for k, v in schema.items() if k != "$ref"}
                target, refs = self.resolve(ref), (*refs, ref)
                lossy = lossy or constraining(rest)
                schema = merge(rest, target) if lossy else target
            elif "allOf" in schema:
                merged, lossy = {k: v for k, v in schema.items() if k != "allOf"}, True
                for part in schema["allOf"]:
                    for _ in range(8):  # resolve each part first: two $ref siblings would not merge
                        if not (isinstance(part, dict) and "$ref" in part):
                            break
                        target, refs = self.resolve(part["$ref"]), (*refs, part["$ref"])
                        part = merge({k: v for k, v in part.items() if k != "$ref"}, target)
                    merged = merge(merged, part)
                schema = merged
            elif "if" in schema:  # either (if and then) or (not if and else)
                rest, lossy = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}, True
                test = schema["if"]
                schema = merge(rest, {"anyOf": [{"allOf": [test, schema.get("then", True)]},
                                                {"allOf": [{"not": test}, schema.get("else", True)]}]})
            else:
                return schema, refs, lossy or not UNENFORCED.isdisjoint(schema)
        raise SchemaUnsupported("$ref / allOf chain does not end")

    def resolve(self, ref: Any) -> Any:
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            raise SchemaUnsupported(f"only local $ref ('#', '#/...') is supported, got {ref!r}")
        target = self.root
        for part in ref[2:].split("/") if ref != "#" else ():
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                raise SchemaUnsupported(f"unresolvable $ref {ref!r}")
        return target

    def peek(self, schema: Any) -> Any:
        """The schema behind a chain of $ref (siblings ignored); only for heuristics and quick rejection."""
        for _ in range(8):
            if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
                break
            try:
                schema = self.resolve(schema["$ref"])
            except SchemaUnsupported:
                return True
        return schema

    def valid(self, schema: Any, value: Any) -> bool:
        from jsonschema.validators import Draft202012Validator, validator_for  # deferred: most calls never validate

        self.checks_left -= 1
        if self.checks_left < 0:
            raise SchemaUnsupported("gave up after too many validation rounds")
        if self.validator is None:
            cls = validator_for(self.root, default=Draft202012Validator)
            self.validator = cls(self.root, format_checker=cls.FORMAT_CHECKER)
        try:
            return self.validator.evolve(schema=schema).is_valid(value)
        except Exception as exc:  # broken sub-schemas surface as assorted jsonschema / referencing / re errors
            raise SchemaUnsupported(f"schema could not be checked: {exc}") from exc

    def deep(self, depth: int, refs: tuple[str, ...]) -> bool:
        return depth >= SOFT_DEPTH or len(set(refs)) < len(refs)

    def core(self, schema: dict, key: str, depth: int, refs: tuple[str, ...]) -> Any:
        if not schema:
            return self.text(key)
        if "const" in schema or "enum" in schema:
            return self.enum(schema)
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                return self.choose(schema, combinator, key, depth, refs)
        kind = self.pick_type(schema, depth, refs)
        if kind == "object":
            return self.object(schema, depth, refs)
        if kind == "array":
            return self.array(schema, key, depth, refs)
        if kind == "string":
            return self.string(schema, key)
        if kind in ("integer", "number"):
            return self.number(schema, key, kind == "integer")
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        if kind == "any":
            return self.text(key)
        raise SchemaUnsupported(f"unknown type {kind!r}")

    def pick_type(self, schema: dict, depth: int, refs: tuple[str, ...]) -> str:
        kind = schema.get("type")
        if kind is None:
            kind = infer_type(schema)
        types = [kind] if isinstance(kind, str) else list(dict.fromkeys(kind))
        if schema.get("nullable") is True and "null" not in types:
            types.append("null")
        if len(types) == 1:
            return types[0]
        if not types:
            raise SchemaUnsupported("empty type list")
        deep = self.deep(depth, refs)
        if "null" in types and (deep or self.rng.random() < 0.15):
            return "null"
        if "null" in types:
            types.remove("null")
        return min(types, key=lambda t: _TYPE_ORDER.get(t, 9)) if deep else self.rng.choice(types)

    def enum(self, schema: dict) -> Any:
        """A const or enum member, keeping only those the sibling keywords (if any beyond `type`) accept."""
        values = enum_values({**schema, "enum": [schema["const"]]} if "const" in schema else schema)
        used = ("const", "type") if "const" in schema else ("enum", "type")
        others = {k: v for k, v in schema.items() if k not in used and k not in ANNOTATIONS}
        if others:
            values = [v for v in values if self.matches(others, v)]
            if not values:
                raise SchemaUnsupported("no const/enum value satisfies the sibling keywords")
        return copy.deepcopy(self.rng.choice(self.hinted(values)))

    def choose(self, schema: dict, combinator: str, key: str, depth: int, refs: tuple[str, ...]) -> Any:
        """anyOf / oneOf: try branches in a seeded order (null last, mostly); deep down, cheapest first."""
        branches = schema[combinator]
        if not isinstance(branches, list) or not branches:
            raise SchemaUnsupported(f"{combinator} needs a non-empty list")
        rest = {k: v for k, v in schema.items() if k != combinator}
        order = list(range(len(branches)))
        if self.deep(depth, refs):
            order.sort(key=lambda i: self.cost(branches[i]))
        else:
            self.rng.shuffle(order)
            nulls = [i for i in order if self.null_like(branches[i])]
            others = [i for i in order if i not in nulls]
            kinds = {i: type_of(self.peek(branches[i])) for i in others}
            if "string" in kinds.values() and "number" in kinds.values():  # Decimal: anyOf [number, string]
                others.sort(key=lambda i: kinds[i] == "string")  # a number reads better than arbitrary text
            order = nulls + others if self.rng.random() < 0.2 else others + nulls
        constrained, error = constraining(rest), None
        for i in order:
            branch = {"allOf": [rest, branches[i]]} if constrained else branches[i]
            try:
                value = self.value(branch, key, depth, refs)
            except SchemaUnsupported as exc:
                error = exc
                continue
            if combinator == "anyOf" or not any(self.matches(b, value) for j, b in enumerate(branches) if j != i):
                return value
        raise SchemaUnsupported(f"no {combinator} branch could be satisfied") from error

    def null_like(self, schema: Any) -> bool:
        schema = self.peek(schema)
        if not isinstance(schema, dict):
            return False
        kind = schema.get("type")
        return kind == "null" or (isinstance(kind, list) and "null" in kind) or (
            "const" in schema and schema["const"] is None) or schema.get("enum") == [None]

    def cost(self, schema: Any) -> int:
        """0 for null, 1 scalar, 2 other, 3 if it may recurse: the order to try branches in when deep."""
        if self.null_like(schema):
            return 0
        schema = self.peek(schema)
        if not isinstance(schema, dict):
            return 2
        kind = schema.get("type")
        kinds = [kind] if isinstance(kind, str) else list(kind or ())
        if "const" in schema or "enum" in schema or (kinds and all(k in _SCALARS for k in kinds)):
            return 1
        return 3 if mentions_ref(schema, 4) else 2

    def matches(self, schema: Any, value: Any) -> bool:
        """Whether value is valid against schema, ruling out obvious mismatches before asking jsonschema."""
        flat = self.peek(schema)
        if isinstance(flat, bool):
            return flat
        if not isinstance(flat, dict) or quick_reject(flat, value, self.peek):
            return False
        return self.valid(schema, value)

    def object(self, schema: dict, depth: int, refs: tuple[str, ...]) -> dict:
        props = schema.get("properties") or {}
        required = list(schema.get("required") or ())
        extra = schema.get("additionalProperties", schema.get("unevaluatedProperties", True))
        patterns = schema.get("patternProperties") or {}
        deep, needed = self.deep(depth, refs), set(required)
        room = schema.get("maxProperties", math.inf) - len(required)
        names = []
        for name in props:
            if name in needed:
                names.append(name)
            elif room > 0 and not deep and self.rng.random() < 0.6:
                names.append(name)
                room -= 1
        names += [name for name in required if name not in props]
        for name in list(names):
            names += [d for d in (schema.get("dependentRequired") or {}).get(name, ()) if d not in names]
        spare = [name for name in props if name not in names]
        target = schema.get("minProperties", 0)
        if not deep and not props and isinstance(extra, dict) and extra:  # a map (dict[str, X]): show an entry
            target = max(target, self.rng.randint(1, 2))
        while len(names) < target:
            names.append(spare.pop(0) if spare else self.extra_name(names, patterns, extra))
        return {name: self.value(property_schema(name, props, patterns, extra), name, depth + 1, refs)
                for name in names}

    def extra_name(self, taken: list[str], patterns: dict, extra: Any) -> str:
        if extra is not False:
            return next(w for w in itertools.chain(plausible.EXTRA_KEYS, map("key_{}".format, itertools.count()))
                        if w not in taken)
        for pattern in patterns:
            try:
                name = matching_string(pattern, self.rng)
            except PatternUnsupported:
                continue
            if name not in taken:
                return name
        raise SchemaUnsupported("minProperties needs more properties than the schema allows")

    def array(self, schema: dict, key: str, depth: int, refs: tuple[str, ...]) -> list:
        prefix, items = schema.get("prefixItems") or [], schema.get("items", True)
        if isinstance(items, list):  # draft 4-7 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        contains = schema.get("contains")
        need = schema.get("minContains", 1) if contains is not None else 0
        low = max(schema.get("minItems", 0), len(prefix) + need if need else 0)
        high = schema.get("maxItems", math.inf)
        if items is False:
            high = min(high, len(prefix))
        if low > MAX_ITEMS or low > high:
            raise SchemaUnsupported(f"array needs {low} items (limit {MAX_ITEMS}, maxItems {high})")
        if self.deep(depth, refs):
            count = low
        elif prefix and items is True:
            count = max(low, min(high, len(prefix)))
        else:
            count = int(min(high, max(low, self.rng.randint(1, 3))))
        unique, seen, out = schema.get("uniqueItems") is True, set(), []
        pool = self.peek(items)
        if unique and not prefix and not need and isinstance(pool, dict) and "enum" in pool and (
                ANNOTATIONS.union(("enum", "type")).issuperset(pool)):  # distinct enum members: draw without repeats
            values = enum_values(pool)
            if len(values) < low:
                raise SchemaUnsupported(f"only {len(values)} distinct values for {low} unique items")
            return copy.deepcopy(self.rng.sample(values, min(count, len(values))))
        for i in range(count):
            if i < len(prefix):
                sub = prefix[i]
            else:
                sub = {"allOf": [items, contains]} if i < len(prefix) + need else items
            for attempt in range(40 if unique else 1):
                self.salt = attempt // 4 * (i + 1)  # varies plain strings and widens number ranges on repeats
                value = self.value(sub, key, depth + 1, refs)
                mark = canonical_json(value) if unique else ""
                if not unique or mark not in seen:
                    break
            else:
                raise SchemaUnsupported("could not find enough distinct array items")
            self.salt = 0
            seen.add(mark)
            out.append(value)
        return out

    def string(self, schema: dict, key: str) -> str:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if low > MAX_STRING or (high is not None and high < low):
            raise SchemaUnsupported(f"string length {low}..{high} is not satisfiable here")
        fmt, pattern = schema.get("format"), schema.get("pattern")
        maker = plausible.FORMATS.get(fmt)
        if maker is None and pattern is not None and plausible.category(key):
            maker = _Gen.text  # a plausible word often satisfies a loose pattern
        for _ in range(5 if maker and pattern else 1 if maker else 0):
            candidate = maker(self, key)
            if low <= len(candidate) <= (high if high is not None else math.inf) and (
                    pattern is None or pattern_found(pattern, candidate)):
                return candidate
        if pattern is not None:
            try:
                return matching_string(pattern, self.rng, low, high)
            except PatternUnsupported as exc:
                raise SchemaUnsupported(str(exc)) from exc
        if fmt in plausible.FORMATS:
            raise SchemaUnsupported(f"format {fmt!r} does not fit length {low}..{high}")
        return self.fit(self.text(key), low, high)

    def fit(self, text: str, low: int, high: int | None) -> str:
        """Pad with whole sentences, cut at a word boundary where the bounds allow."""
        words, size = [text], len(text)
        while size < low:
            words.append(self.rng.choice(plausible.SENTENCES))
            size += len(words[-1]) + 1
        text = " ".join(words)
        if high is not None and len(text) > high:
            cut = text[:high].rstrip()
            word_cut = cut.rsplit(" ", 1)[0].rstrip(" ,;:")
            text = word_cut if len(word_cut) >= max(low, 1) else cut if len(cut) >= low else text[:high]
        return text

    def number(self, schema: dict, key: str, integer: bool) -> int | float:
        low, low_excl = bound(schema, "minimum", "exclusiveMinimum", 1)
        high, high_excl = bound(schema, "maximum", "exclusiveMaximum", -1)
        plo, phi, places = plausible.number_range(key) or ((1, 50, 0) if integer else (0, 100, 2))
        phi += (phi - plo) * self.salt
        multiple = schema.get("multipleOf")
        if not integer and multiple is None:
            return self.decimal(low, low_excl, high, high_excl, plo, phi, places)
        step: Any = 1
        if multiple is not None:  # count in steps, exactly: the value is k * step for an integer k
            step = Fraction(str(multiple))
            if step <= 0:
                raise SchemaUnsupported("multipleOf must be positive")
            step = Fraction(step.numerator) if integer else step  # integer multiples of p/q are multiples of p
            low, high, plo, phi = (None if x is None else Fraction(str(x)) / step for x in (low, high, plo, phi))
        klo = None if low is None else math.floor(low) + 1 if low_excl else math.ceil(low)
        khi = None if high is None else math.ceil(high) - 1 if high_excl else math.floor(high)
        a, b = narrow(klo, khi, math.ceil(plo), max(math.ceil(plo), math.floor(phi)))
        for _ in range(20):
            k = self.rng.randint(a, b) * step
            value = int(k) if integer else float(k)
            if multiple is None or multiple_ok(value, multiple):
                return value
        raise SchemaUnsupported(f"no number found that jsonschema accepts as a multiple of {multiple}")

    def decimal(self, low: Any, low_excl: bool, high: Any, high_excl: bool, plo: float, phi: float,
                places: int) -> float:
        a, b = narrow(low, high, plo, phi)
        inside = lambda v: (low is None or v > low or (v == low and not low_excl)) and (  # noqa: E731
            high is None or v < high or (v == high and not high_excl))
        for value in [round(self.rng.uniform(a, b), places) for _ in range(8)] + [(a + b) / 2]:
            if inside(value) and math.isfinite(value):
                return float(value)
        raise SchemaUnsupported(f"empty number range {low}..{high}")

    def text(self, key: str) -> str:
        """Plausible words for property `key`, salted on repeats so unique items stay distinct."""
        text = plausible.text(self, key)
        return f"{text} {self.salt}" if self.salt else text

    def hinted(self, options: list | tuple) -> list | tuple:
        """The options the hint mentions (e.g. 'Paris' when the prompt asks about Paris), else all of them."""
        if not self.hint:
            return options
        if self.hint_words is None:
            self.hint_words = plausible.hint_words(self.hint)
        return plausible.mentioned(options, self.hint_words) or options
