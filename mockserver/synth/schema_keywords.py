"""What JSON Schema keywords mean, as pure functions over schema dicts.

Kept apart from the generator so merging, bounds and type rules can be read (and reasoned about) without the
recursion and the random choices around them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any


class SchemaUnsupported(Exception):
    """A schema we cannot satisfy (contradictory, non-local $ref, lookaround pattern, runaway size); caller decides."""


ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
                         "writeOnly", "$schema", "$id", "$anchor", "$defs", "definitions", "discriminator",
                         "nullable"})  # nullable (OpenAPI 3.0) is read by pick_type, never merged or validated
# keywords a value is not built to honour: a schema using any of them has its values validated
UNENFORCED = frozenset({"not", "dependentSchemas", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
                        "maxContains"})
_LOWER = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"})
_UPPER = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_SUBSCHEMAS = frozenset({"items", "additionalItems", "additionalProperties", "unevaluatedProperties",
                         "unevaluatedItems", "contains", "propertyNames"})
_PY_TYPES = {"null": type(None), "boolean": bool, "string": str, "array": list, "object": dict}


def constraining(schema: dict) -> bool:
    """Whether schema has any keyword beyond annotations."""
    return not ANNOTATIONS.issuperset(schema)


def merge(base: dict, part: Any) -> dict:
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
        elif k in ANNOTATIONS:
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


def type_of(schema: Any) -> Any:
    return schema.get("type") if isinstance(schema, dict) else None


def infer_type(schema: dict) -> str:
    """The type a schema without `type` implies by its keywords; "any" if none does."""
    if any(k in schema for k in ("properties", "required", "additionalProperties", "patternProperties")):
        return "object"
    if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")):
        return "array"
    if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")):
        return "string"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "any"


def title_of(schema: dict) -> str:
    title = schema.get("title")
    return title if isinstance(title, str) else ""


def enum_values(schema: dict) -> list:
    """The enum members that also fit the schema's `type`; members of another type could never validate."""
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


def property_schema(name: str, props: dict, patterns: dict, extra: Any) -> Any:
    """The schema a property named `name` must satisfy: its own, every matching pattern's, else the extra one."""
    sub = props.get(name)
    if not patterns and sub is not None:
        return sub
    hits = [s for p, s in patterns.items() if pattern_found(p, name)]
    if sub is None and not hits:
        if extra is False:
            raise SchemaUnsupported(f"required property {name!r} is not allowed by the schema")
        sub = extra
    parts = ([sub] if sub is not None else []) + hits
    return parts[0] if len(parts) == 1 else {"allOf": parts}


def pattern_found(pattern: str, text: str) -> bool:
    """JSON Schema `pattern` semantics: unanchored search."""
    try:
        return re.search(pattern, text) is not None
    except (re.error, TypeError) as exc:
        raise SchemaUnsupported(f"pattern {pattern!r} is not a usable regular expression") from exc


def quick_reject(schema: dict, value: Any, peek: Callable[[Any], Any]) -> bool:
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


def canonical_json(value: Any) -> str:
    """Equal JSON values give equal text (1.0 and 1 too), as `uniqueItems` compares them."""
    def norm(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        return {k: norm(x) for k, x in v.items()} if isinstance(v, dict) else v

    return json.dumps(norm(value), sort_keys=True)


def mentions_ref(schema: Any, budget: int) -> bool:
    """Whether a $ref appears within `budget` levels of schema."""
    if budget <= 0:
        return False
    if isinstance(schema, dict):
        return "$ref" in schema or any(mentions_ref(v, budget - 1) for v in schema.values())
    return isinstance(schema, list) and any(mentions_ref(v, budget - 1) for v in schema)


def bound(schema: dict, inclusive: str, exclusive: str, sign: int) -> tuple[Any, bool]:
    """The effective bound and whether it is exclusive (draft 2020 numbers and draft 4 booleans)."""
    inc, exc = schema.get(inclusive), schema.get(exclusive)
    if isinstance(exc, bool):
        return inc, exc and inc is not None
    if exc is not None and (inc is None or (exc - inc) * sign >= 0):
        return exc, True
    return inc, False


def narrow(low: Any, high: Any, plo: Any, phi: Any) -> tuple[Any, Any]:
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


def multiple_ok(value: int | float, multiple: Any) -> bool:
    """jsonschema's own multipleOf test, float rounding included (0.3 is not a multiple of 0.1 there)."""
    if isinstance(multiple, float):
        quotient = value / multiple
        return math.isfinite(quotient) and int(quotient) == quotient
    return value % multiple == 0
