"""One deterministic, plausible JSON value that validates against a JSON Schema.

Feeds structured output (`response_format: json_schema`) and tool-call arguments. The schemas are mostly what the
OpenAI SDK emits for pydantic models in strict mode, plus hand-written tool parameter schemas. Values are built
directly (no search), so a typical model schema takes a fraction of a millisecond; jsonschema is consulted only where
construction cannot guarantee validity (oneOf exclusivity, merged allOf / sibling keywords, `not`, `if`, ...).
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import math
import random
import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from .regex_strings import PatternUnsupported, matching_string


class SchemaUnsupported(Exception):
    """A schema we cannot satisfy (contradictory, non-local $ref, lookaround pattern, runaway size); caller decides."""


MAX_DEPTH = 40  # JSON nesting depth treated as runaway recursion
SOFT_DEPTH = 8  # from this depth on (or once a $ref recurses) take the cheapest branch: null, [], required only
MAX_ITEMS = 1000
MAX_STRING = 100_000
MAX_CHECKS = 200  # jsonschema validations per call, so nested retries cannot multiply without bound
_NESTING = 120  # value() frames, bounds anyOf/allOf chains that add no JSON depth
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
                          "writeOnly", "$schema", "$id", "$anchor", "$defs", "definitions", "discriminator",
                          "nullable"})  # nullable (OpenAPI 3.0) is read by pick_type, never merged or validated
_LOOSE = frozenset({"not", "dependentSchemas", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
                    "maxContains"})
_LOWER = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"})
_UPPER = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_SUBSCHEMAS = frozenset({"items", "additionalItems", "additionalProperties", "unevaluatedProperties",
                         "unevaluatedItems", "contains", "propertyNames"})
_SCALARS = ("null", "boolean", "integer", "number", "string")
_TYPE_ORDER = {t: i for i, t in enumerate((*_SCALARS, "array", "object"))}
_WORD = re.compile(r"[^\W_]+")
_PY_TYPES = {"null": type(None), "boolean": bool, "string": str, "array": list, "object": dict}


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
            key = key or _title(flat)
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
                lossy = lossy or _constraining(rest)
                schema = _merge(rest, target) if lossy else target
            elif "allOf" in schema:
                merged, lossy = {k: v for k, v in schema.items() if k != "allOf"}, True
                for part in schema["allOf"]:
                    for _ in range(8):  # resolve each part first: two $ref siblings would not merge
                        if not (isinstance(part, dict) and "$ref" in part):
                            break
                        target, refs = self.resolve(part["$ref"]), (*refs, part["$ref"])
                        part = _merge({k: v for k, v in part.items() if k != "$ref"}, target)
                    merged = _merge(merged, part)
                schema = merged
            elif "if" in schema:  # either (if and then) or (not if and else)
                rest, lossy = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}, True
                test = schema["if"]
                schema = _merge(rest, {"anyOf": [{"allOf": [test, schema.get("then", True)]},
                                                 {"allOf": [{"not": test}, schema.get("else", True)]}]})
            else:
                return schema, refs, lossy or not _LOOSE.isdisjoint(schema)
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
            kind = _infer_type(schema)
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
        values = _enum_values({**schema, "enum": [schema["const"]]} if "const" in schema else schema)
        used = ("const", "type") if "const" in schema else ("enum", "type")
        others = {k: v for k, v in schema.items() if k not in used and k not in _ANNOTATIONS}
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
            kinds = {i: _type_of(self.peek(branches[i])) for i in others}
            if "string" in kinds.values() and "number" in kinds.values():  # Decimal: anyOf [number, string]
                others.sort(key=lambda i: kinds[i] == "string")  # a number reads better than arbitrary text
            order = nulls + others if self.rng.random() < 0.2 else others + nulls
        constrained, error = _constraining(rest), None
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
        return 3 if _mentions_ref(schema, 4) else 2

    def matches(self, schema: Any, value: Any) -> bool:
        """Whether value is valid against schema, ruling out obvious mismatches before asking jsonschema."""
        flat = self.peek(schema)
        if isinstance(flat, bool):
            return flat
        if not isinstance(flat, dict) or _quick_reject(flat, value, self.peek):
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
        return {name: self.value(_property_schema(name, props, patterns, extra), name, depth + 1, refs)
                for name in names}

    def extra_name(self, taken: list[str], patterns: dict, extra: Any) -> str:
        if extra is not False:
            return next(w for w in itertools.chain(_EXTRA_KEYS, map("key_{}".format, itertools.count()))
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
                _ANNOTATIONS.union(("enum", "type")).issuperset(pool)):  # distinct enum members: draw without repeats
            values = _enum_values(pool)
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
                mark = _canonical(value) if unique else ""
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
        maker = _FORMATS.get(fmt)
        if maker is None and pattern is not None and _category(key):
            maker = _Gen.text  # a plausible word often satisfies a loose pattern
        for _ in range(5 if maker and pattern else 1 if maker else 0):
            candidate = maker(self, key)
            if low <= len(candidate) <= (high if high is not None else math.inf) and (
                    pattern is None or _search(pattern, candidate)):
                return candidate
        if pattern is not None:
            try:
                return matching_string(pattern, self.rng, low, high)
            except PatternUnsupported as exc:
                raise SchemaUnsupported(str(exc)) from exc
        if fmt in _FORMATS:
            raise SchemaUnsupported(f"format {fmt!r} does not fit length {low}..{high}")
        return self.fit(self.text(key), low, high)

    def fit(self, text: str, low: int, high: int | None) -> str:
        """Pad with whole sentences, cut at a word boundary where the bounds allow."""
        words, size = [text], len(text)
        while size < low:
            words.append(self.rng.choice(_SENTENCES))
            size += len(words[-1]) + 1
        text = " ".join(words)
        if high is not None and len(text) > high:
            cut = text[:high].rstrip()
            word_cut = cut.rsplit(" ", 1)[0].rstrip(" ,;:")
            text = word_cut if len(word_cut) >= max(low, 1) else cut if len(cut) >= low else text[:high]
        return text

    def number(self, schema: dict, key: str, integer: bool) -> int | float:
        low, low_excl = _bound(schema, "minimum", "exclusiveMinimum", 1)
        high, high_excl = _bound(schema, "maximum", "exclusiveMaximum", -1)
        plo, phi, places = _number_range(key) or ((1, 50, 0) if integer else (0, 100, 2))
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
        a, b = _narrow(klo, khi, math.ceil(plo), max(math.ceil(plo), math.floor(phi)))
        for _ in range(20):
            k = self.rng.randint(a, b) * step
            value = int(k) if integer else float(k)
            if multiple is None or _multiple_ok(value, multiple):
                return value
        raise SchemaUnsupported(f"no number found that jsonschema accepts as a multiple of {multiple}")

    def decimal(self, low: Any, low_excl: bool, high: Any, high_excl: bool, plo: float, phi: float,
                places: int) -> float:
        a, b = _narrow(low, high, plo, phi)
        inside = lambda v: (low is None or v > low or (v == low and not low_excl)) and (  # noqa: E731
            high is None or v < high or (v == high and not high_excl))
        for value in [round(self.rng.uniform(a, b), places) for _ in range(8)] + [(a + b) / 2]:
            if inside(value) and math.isfinite(value):
                return float(value)
        raise SchemaUnsupported(f"empty number range {low}..{high}")

    def text(self, key: str) -> str:
        category, span = _category(key), None
        if category is None and (span := _number_range(key)):  # "price" as a string is still a number
            low, high, places = span
            text = str(round(self.rng.uniform(low, high), places) if places else self.rng.randint(low, high))
        elif category is None:
            text = f"{self.rng.choice(_ADJECTIVES)} {' '.join(t for t in _tokens(key) if t != 'name') or 'example'}"
        else:
            values = _WORDS[category][1]
            text = values(self, key) if callable(values) else self.rng.choice(self.hinted(values))
            self.person = text if category == "name" else self.person
        return f"{text} {self.salt}" if self.salt else text

    def hinted(self, options: list | tuple) -> list | tuple:
        """The options the hint mentions (e.g. 'Paris' when the prompt asks about Paris), else all of them."""
        if not self.hint:
            return options
        if self.hint_words is None:
            self.hint_words = f" {' '.join(_WORD.findall(self.hint[:4000].lower()))} "
        hits = [o for o in options if isinstance(o, str) and f" {_normal(o)} " in self.hint_words]
        return hits or options


def _enum_values(schema: dict) -> list:
    kind = schema.get("type")
    values = list(schema["enum"])
    if kind == "string":
        values = [v for v in values if isinstance(v, str)]
    elif kind is not None:
        kinds = [kind] if isinstance(kind, str) else kind
        values = [v for v in values if any(_is_type(v, k) for k in kinds)]
    if not values:
        raise SchemaUnsupported("enum has no value of the allowed type")
    return values


def _constraining(schema: dict) -> bool:
    return not _ANNOTATIONS.issuperset(schema)


def _merge(base: dict, part: Any) -> dict:
    """Both schemas at once, approximately: callers validate the result against the originals."""
    if part is True:
        return base
    if not isinstance(part, dict):
        raise SchemaUnsupported(f"cannot combine with schema {part!r}")
    out = dict(base)
    for k, v in part.items():
        old = out.get(k)
        if k not in out or old == v:
            out[k] = v
        elif k in _ANNOTATIONS:
            continue
        elif k == "type":
            out[k] = _type_meet(old, v)
        elif k == "required":
            out[k] = list(dict.fromkeys([*old, *v]))
        elif k == "properties":
            out[k] = {**old, **{p: {"allOf": [old[p], s]} if p in old else s for p, s in v.items()}}
        elif k in _LOWER or k in _UPPER:
            out[k] = max(old, v) if k in _LOWER else min(old, v)
        elif k == "enum":
            out[k] = [x for x in old if any(_json_eq(x, y) for y in v)]
        elif k in _SUBSCHEMAS:
            out[k] = False if old is False or v is False else {"allOf": [old, v]}
        elif k == "not":
            out[k] = {"anyOf": [old, v]}
        elif k == "allOf":
            out[k] = [*old, *v]
        elif k == "anyOf" and len(old) * len(v) <= 16:  # (a1 or a2) and (b1 or b2): every pairing is a branch
            out[k] = [{"allOf": [a, b]} for a in old for b in v]
        # anything else that does not combine (two patterns, two oneOf lists, ...) keeps the first; the caller's
        # check against the original schema rejects values that miss the second
    return out


def _type_meet(a: Any, b: Any) -> list[str]:
    a, b = ([a] if isinstance(a, str) else a), ([b] if isinstance(b, str) else b)
    both = [t for t in a if t in b or (t == "integer" and "number" in b)]
    both += ["integer"] if "number" in a and "integer" in b and "integer" not in both else []
    if not both:
        raise SchemaUnsupported(f"contradictory types {a} and {b}")
    return both


def _type_of(schema: Any) -> Any:
    return schema.get("type") if isinstance(schema, dict) else None


def _title(schema: dict) -> str:
    title = schema.get("title")
    return title if isinstance(title, str) else ""


def _infer_type(schema: dict) -> str:
    if any(k in schema for k in ("properties", "required", "additionalProperties", "patternProperties")):
        return "object"
    if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")):
        return "array"
    if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")):
        return "string"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "any"


def _property_schema(name: str, props: dict, patterns: dict, extra: Any) -> Any:
    sub = props.get(name)
    if not patterns and sub is not None:
        return sub
    hits = [s for p, s in patterns.items() if _search(p, name)]
    if sub is None and not hits:
        if extra is False:
            raise SchemaUnsupported(f"required property {name!r} is not allowed by the schema")
        sub = extra
    parts = ([sub] if sub is not None else []) + hits
    return parts[0] if len(parts) == 1 else {"allOf": parts}


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except (re.error, TypeError) as exc:
        raise SchemaUnsupported(f"pattern {pattern!r} is not a usable regular expression") from exc


def _quick_reject(schema: dict, value: Any, peek: Callable[[Any], Any]) -> bool:
    """True if value plainly fails schema (type, const, enum, required, a tagged property)."""
    kind = schema.get("type")
    if kind is not None and not any(_is_type(value, k) for k in ([kind] if isinstance(kind, str) else kind)):
        return True
    if "const" in schema and not _json_eq(schema["const"], value):
        return True
    if "enum" in schema and not any(_json_eq(e, value) for e in schema["enum"]):
        return True
    if isinstance(value, dict):
        if any(r not in value for r in schema.get("required", ())):
            return True
        props = schema.get("properties") or {}
        for name, item in value.items():
            sub = peek(props.get(name, True))
            if isinstance(sub, dict) and (("const" in sub and not _json_eq(sub["const"], item)) or (
                    "enum" in sub and not any(_json_eq(e, item) for e in sub["enum"]))):
                return True
    return False


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    expected = _PY_TYPES.get(kind)
    return expected is not None and isinstance(value, expected)


def _json_eq(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _canonical(value: Any) -> str:
    def norm(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        return {k: norm(x) for k, x in v.items()} if isinstance(v, dict) else v

    return json.dumps(norm(value), sort_keys=True)


def _mentions_ref(schema: Any, budget: int) -> bool:
    if budget <= 0:
        return False
    if isinstance(schema, dict):
        return "$ref" in schema or any(_mentions_ref(v, budget - 1) for v in schema.values())
    return isinstance(schema, list) and any(_mentions_ref(v, budget - 1) for v in schema)


def _bound(schema: dict, inclusive: str, exclusive: str, sign: int) -> tuple[Any, bool]:
    """The effective bound and whether it is exclusive (draft 2020 numbers and draft 4 booleans)."""
    inc, exc = schema.get(inclusive), schema.get(exclusive)
    if isinstance(exc, bool):
        return inc, exc and inc is not None
    if exc is not None and (inc is None or (exc - inc) * sign >= 0):
        return exc, True
    return inc, False


def _narrow(low: Any, high: Any, plo: Any, phi: Any) -> tuple[Any, Any]:
    """The preferred range [plo, phi] cut to the allowed one; if they miss, a same-width range at the near bound."""
    if low is not None and high is not None and low > high:
        raise SchemaUnsupported(f"empty range {low}..{high}")
    a = plo if low is None else max(low, plo)
    b = phi if high is None else min(high, phi)
    if a < b or (a == b and low == high):
        return a, b
    width = phi - plo
    if high is None or (low is not None and low >= phi):  # the allowed range lies above the preferred one
        return low, low + width if high is None else min(high, low + width)
    return (high - width if low is None else max(low, high - width)), high


def _multiple_ok(value: int | float, multiple: Any) -> bool:
    """jsonschema's own multipleOf test, float rounding included (0.3 is not a multiple of 0.1 there)."""
    if isinstance(multiple, float):
        quotient = value / multiple
        return math.isfinite(quotient) and int(quotient) == quotient
    return value % multiple == 0


@lru_cache(maxsize=4096)
def _tokens(key: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()))


@lru_cache(maxsize=4096)
def _normal(text: str) -> str:
    """Lowercased words up to the first comma: 'Tokyo, Japan' counts as mentioned when a prompt says 'Tokyo'."""
    return " ".join(_WORD.findall(text.split(",")[0].lower()))


def _lookup(key: str, aliases: dict[str, str]) -> str | None:
    tokens = _tokens(key)
    if "_".join(tokens) in aliases:
        return aliases["_".join(tokens)]
    ordered = [t for t in reversed(tokens) if t != "name"] + (["name"] if tokens == ("name",) else [])
    for token in ordered:
        for form in (token, token[:-1] if token.endswith("s") else None, token[:-2] if token.endswith("es") else None):
            if form in aliases:
                return aliases[form]
    return None


@lru_cache(maxsize=4096)
def _category(key: str) -> str | None:
    return _lookup(key, _TEXT_ALIASES)


@lru_cache(maxsize=4096)
def _number_range(key: str) -> tuple[float, float, int] | None:
    found = _lookup(key, _NUMBER_ALIASES)
    return _NUMBERS[found][1] if found else None


def _person(g: _Gen) -> str:
    return g.rng.choice(_WORDS["name"][1])


def _email(g: _Gen, key: str = "") -> str:
    local = ".".join(_WORD.findall((g.person or _person(g)).lower().replace("'", "")))
    return f"{local}@{g.rng.choice(('example.com', 'example.org', 'mail.example.net'))}"


def _day(g: _Gen) -> date:
    return date(2024, 1, 1) + timedelta(days=g.rng.randint(0, 730))


def _clock(g: _Gen) -> str:
    return f"{g.rng.randint(7, 20):02d}:{g.rng.choice((0, 15, 30, 45)):02d}:00"


def _url(g: _Gen, key: str = "") -> str:
    if _category(key) == "image":
        return f"https://images.example.com/{g.rng.choice(_SLUGS)}.jpg"
    return f"https://{g.rng.choice(_HOSTS)}/{g.rng.choice(_SLUGS)}"


def _ipv4(g: _Gen, key: str = "") -> str:
    return f"{g.rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{g.rng.randint(1, 254)}"


def _identifier(g: _Gen, key: str) -> str:
    head = next((t for t in _tokens(key) if t not in ("id", "identifier", "key", "ref")), "id")[:4]
    return f"{head}_{g.rng.getrandbits(40):010x}"


_FORMATS: dict[Any, Callable[[_Gen, str], str]] = {
    "date-time": lambda g, k: f"{_day(g).isoformat()}T{_clock(g)}Z",
    "date": lambda g, k: _day(g).isoformat(),
    "time": lambda g, k: f"{_clock(g)}Z",
    "duration": lambda g, k: g.rng.choice(("PT45M", "PT1H30M", "P2D", "P1DT12H", "PT2H", "P7D")),
    "email": _email, "idn-email": _email,
    "hostname": lambda g, k: g.rng.choice(_HOSTS), "idn-hostname": lambda g, k: g.rng.choice(_HOSTS),
    "ipv4": _ipv4, "ipvanyaddress": _ipv4,
    "ipv6": lambda g, k: f"2001:db8::{g.rng.randint(1, 0xFFFF):x}",
    "ipvanyinterface": lambda g, k: f"{_ipv4(g)}/24", "ipvanynetwork": lambda g, k: "192.0.2.0/24",
    "uri": _url, "iri": _url, "uri-reference": _url, "iri-reference": _url,
    "uri-template": lambda g, k: f"https://{g.rng.choice(_HOSTS)}/items/{{id}}",
    "uuid": lambda g, k: str(uuid.UUID(int=g.rng.getrandbits(128), version=4)),
    "regex": lambda g, k: g.rng.choice(("^[a-z0-9_-]{3,16}$", "^\\d{4}-\\d{2}-\\d{2}$", "^[A-Z]{2}\\d{4}$")),
    "json-pointer": lambda g, k: g.rng.choice(("/items/0", "/user/name", "/settings/theme")),
    "relative-json-pointer": lambda g, k: g.rng.choice(("0", "1/name", "2/items/0")),
    "byte": lambda g, k: base64.b64encode(g.text(k).encode()).decode(),
    "name-email": lambda g, k: f"{_person(g)} <{_email(g)}>",
}
_HOSTS = ("example.com", "api.example.com", "docs.example.org", "shop.example.net", "www.example.com")
_SLUGS = ("getting-started", "pricing", "about", "blog/spring-update", "products/4821", "help/faq", "photos/lake")
_EXTRA_KEYS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
_ADJECTIVES = ("Classic", "Standard", "Premium", "Simple", "Modern", "Fresh", "Custom", "Original", "Compact")
_SENTENCES = (
    "A concise overview of the main points.", "Everything went as planned and the results look good.",
    "The team agreed to revisit this next week.", "Customers liked the new design and asked for more options.",
    "This covers the key steps, from setup to the first result.", "Prices rose slightly while demand held steady.",
)
# category: (aliases, values); aliases are key tokens or whole snake_case keys that select the category
_WORDS: dict[str, tuple[str, Any]] = {
    "name": ("name full_name fullname author owner customer person contact user assignee recipient sender speaker "
             "manager attendee participant guest patient student employee organizer reviewer friend",
             ("Maria Lopez", "James Carter", "Aiko Tanaka", "Liam O'Brien", "Priya Sharma", "Lucas Martin",
              "Amara Okafor", "Sofia Rossi")),
    "first_name": ("first_name firstname given_name forename", ("Maria", "James", "Aiko", "Liam", "Priya", "Lucas")),
    "last_name": ("last_name lastname surname family_name", ("Lopez", "Carter", "Tanaka", "Sharma", "Martin", "Rossi")),
    "username": ("username user_name handle login nickname screen_name", ("maria_l", "jcarter", "aiko.t", "priya88")),
    "city": ("city town hometown destination origin capital", ("Paris", "Tokyo", "New York", "London", "Berlin",
                                                             "Sydney", "Toronto", "Madrid", "Nairobi", "Seoul")),
    "country": ("country nation", ("France", "Japan", "United States", "United Kingdom", "Germany", "Australia",
                                   "Canada", "Spain", "Kenya", "South Korea")),
    "country_code": ("country_code", ("FR", "JP", "US", "GB", "DE", "AU", "CA")),
    "state": ("state province region county", ("California", "Texas", "Ontario", "Bavaria", "Queensland")),
    "address": ("address street_address", ("221B Baker Street, London", "350 Fifth Avenue, New York, NY",
                                           "12 Rue de Rivoli, Paris", "1 Macquarie Street, Sydney")),
    "street": ("street", ("Baker Street", "Fifth Avenue", "Main Street", "Rue de Rivoli")),
    "zip": ("zip zipcode zip_code postal_code postcode", ("94103", "10001", "75001", "10115", "2000")),
    "location": ("location place venue where", ("Paris, France", "Tokyo, Japan", "San Francisco, CA",
                                                "London, UK", "Berlin, Germany")),
    "phone": ("phone phone_number telephone mobile tel", ("+1-555-0142", "+44 20 7946 0958", "+33 1 23 45 67 89")),
    "company": ("company organization organisation org employer business vendor supplier manufacturer brand",
                ("Acme Corp", "Globex", "Initech", "Northwind Traders", "Contoso Ltd")),
    "job": ("job job_title occupation role position profession", ("Software Engineer", "Product Manager",
                                                                  "Data Analyst", "Designer", "Teacher")),
    "department": ("department team division", ("Engineering", "Marketing", "Sales", "Finance", "Support")),
    "title": ("title headline subject heading caption", ("Getting Started with the API", "Quarterly Planning Notes",
                                                        "A Weekend in Kyoto", "Weekly Team Update")),
    "text": ("description summary bio about details content text body message comment note reason explanation "
             "answer response reply reasoning feedback review instructions abstract overview justification "
             "rationale analysis conclusion thought output result story", _SENTENCES),
    "question": ("question prompt", ("What time does the store open?", "How do I reset my password?",
                                     "Which plan is best for a small team?")),
    "query": ("query search search_query", ("best coffee near me", "weather tomorrow", "flights to Tokyo")),
    "color": ("color colour", ("red", "blue", "green", "teal", "orange", "purple")),
    "language": ("language", ("English", "French", "Spanish", "Japanese", "German")),
    "locale": ("lang language_code locale", ("en", "fr", "es", "ja", "de")),
    "currency": ("currency currency_code", ("USD", "EUR", "GBP", "JPY")),
    "status": ("status", ("active", "pending", "completed", "cancelled")),
    "priority": ("priority severity", ("low", "medium", "high")),
    "category": ("category genre", ("electronics", "books", "travel", "health", "sports", "food")),
    "tag": ("tag keyword label topic skill hobby interest", ("travel", "work", "research", "urgent", "family",
                                                             "music", "cooking")),
    "product": ("product item product_name", ("Wireless Headphones", "Espresso Machine", "Running Shoes",
                                              "Desk Lamp", "Backpack")),
    "sentiment": ("sentiment mood", ("positive", "neutral", "negative")),
    "version": ("version", ("1.0.0", "2.3.1", "0.9.4")),
    "file": ("file filename attachment", ("report.pdf", "notes.txt", "photo.jpg", "data.csv")),
    "path": ("path filepath file_path directory folder", ("/home/user/report.pdf", "/srv/data/export.csv")),
    "ingredient": ("ingredient", ("flour", "sugar", "butter", "eggs", "olive oil", "garlic")),
    "step": ("step instruction", ("Preheat the oven to 180°C.", "Whisk the eggs and sugar together.",
                                  "Simmer for ten minutes.")),
    "weekday": ("weekday day_of_week", ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
    "month": ("month", ("January", "March", "June", "September", "November")),
    "email": ("email e_mail mail email_address", _email),
    "url": ("url uri link website homepage href site source", _url),
    "image": ("image avatar photo picture thumbnail logo icon image_url", _url),
    "id": ("id identifier key ref", _identifier),
    "uuid": ("uuid guid", _FORMATS["uuid"]),
    "date": ("date birthday birth_date dob deadline due due_date day", _FORMATS["date"]),
    "datetime": ("datetime timestamp at ts", _FORMATS["date-time"]),
    "time": ("time", lambda g, k: _clock(g)[:5]),
    "year": ("year", lambda g, k: str(g.rng.randint(1990, 2025))),
    "ip": ("ip ip_address", _ipv4),
    "host": ("host hostname domain", _FORMATS["hostname"]),
    "slug": ("slug", lambda g, k: g.rng.choice(_SLUGS).split("/")[-1]),
}
_TEXT_ALIASES = {alias: cat for cat, (aliases, _) in _WORDS.items() for alias in aliases.split()}
_NUMBERS: dict[str, tuple[str, tuple[float, float, int]]] = {
    "age": ("age", (18, 80, 0)), "year": ("year", (1990, 2025, 0)), "month": ("month", (1, 12, 0)),
    "day": ("day", (1, 28, 0)), "hour": ("hour hours", (0, 23, 0)), "minute": ("minute minutes second seconds",
                                                                         (0, 59, 0)),
    "money": ("price cost amount total subtotal salary fee balance budget revenue", (5, 500, 2)),
    "rating": ("rating stars", (1, 5, 1)), "score": ("score percent percentage pct progress", (0, 100, 1)),
    "ratio": ("probability confidence likelihood ratio share", (0, 1, 2)),
    "lat": ("latitude lat", (-60, 70, 4)), "lon": ("longitude lon lng", (-170, 170, 4)),
    "temp": ("temperature temp", (-5, 35, 1)), "population": ("population", (1000, 5_000_000, 0)),
    "count": ("count quantity qty number num size length pages page", (1, 10, 0)),
}
_NUMBER_ALIASES = {alias: cat for cat, (aliases, _) in _NUMBERS.items() for alias in aliases.split()}
