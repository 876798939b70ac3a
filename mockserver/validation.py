"""JSON bodies and JSON Schema failures, turned into catalog errors that name the field at fault.

Shared by the API pipeline (validated from the spec) and the admin API (its own small schemas). A
schema may name its own code with `x-error-code`; otherwise the failing keyword decides.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from .errors import ApiError

KEYWORD_CODES = {
    "required": "missing_field",
    "type": "invalid_type",
    "enum": "invalid_format",
    "const": "invalid_format",
    "pattern": "invalid_format",
    "format": "invalid_format",
    "minimum": "value_out_of_range",
    "maximum": "value_out_of_range",
    "exclusiveMinimum": "value_out_of_range",
    "exclusiveMaximum": "value_out_of_range",
    "multipleOf": "value_out_of_range",
    "minLength": "invalid_length",
    "maxLength": "invalid_length",
    "minItems": "invalid_length",
    "maxItems": "invalid_length",
    "minProperties": "invalid_length",
    "maxProperties": "invalid_length",
    "uniqueItems": "invalid_format",
    "additionalProperties": "unknown_field",
    "unevaluatedProperties": "unknown_field",
    "propertyNames": "unknown_field",
    "dependentRequired": "missing_field",
}


async def read_limited(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit (declared or streamed).

    Read from the ASGI messages themselves: a body that arrives in one message (the usual case) is
    returned as it came, without a copy."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError("request_too_large", f"The request body is larger than {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError("request_too_large", f"The request body is larger than {limit} bytes.")
        if not message.get("more_body", False):
            if not chunks:
                return chunk
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # `1e400`: no double holds it, and no JSON peer would read it alike
        raise ValueError(f"{text} is outside the range of a JSON number")
    return number


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)  # built once


def parse_json(raw: bytes) -> Any:
    try:
        return _DECODER.decode(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError("invalid_json", "The request body is not UTF-8.") from exc
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ApiError("invalid_json", f"The request body is not valid JSON: {detail}{where}.") from exc


def first_error(errors: Iterable[ValidationError], root: str) -> ApiError | None:
    """The catalog error for the most relevant schema failure, or None when there is none."""
    error = best_match(errors)
    return None if error is None else to_api_error(error, root)


def to_api_error(error: ValidationError, root: str) -> ApiError:
    """The catalog error for a schema failure, naming the field at fault."""
    error = _deepest(error)
    where = list(error.absolute_path)
    code = _code_for(error)
    param = join_path(root, where)
    instance = error.instance
    if error.validator in ("required", "dependentRequired") and isinstance(instance, dict):
        wanted = error.validator_value if error.validator == "required" else _dependent(error)
        missing = next((name for name in wanted if name not in instance), None)
        if missing is not None:
            param = join_path(root, [*where, missing])
        return ApiError(code, f"{param or 'The request body'} is required.", param=param or None)
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        known = set(_schema(error).get("properties", {}))
        extra = next((name for name in instance if name not in known), None)
        if extra is not None:
            param = join_path(root, [*where, extra])
        return ApiError(code, f"{json.dumps(param)} is not a field this operation accepts.", param=param)
    return ApiError(code, f"{param or 'The request body'}: {_describe(error)}", param=param or None)


def _dependent(error: ValidationError) -> list[str]:
    names: list[str] = []
    for required in (error.validator_value or {}).values():
        names.extend(required)
    return names


def _deepest(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures without their own code, the most relevant failure inside."""
    while error.validator in ("oneOf", "anyOf") and error.context and "x-error-code" not in _schema(error):
        inner = best_match(error.context)
        if inner is None:
            break
        error = inner
    return error


def _schema(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _code_for(error: ValidationError) -> str:
    own = _schema(error).get("x-error-code")
    if own:
        return own
    return KEYWORD_CODES.get(str(error.validator), "invalid_format")


_LIMITS = {
    "minimum": "must be >= {}",
    "exclusiveMinimum": "must be > {}",
    "maximum": "must be <= {}",
    "exclusiveMaximum": "must be < {}",
    "minLength": "must be at least {} characters long",
    "maxLength": "must be at most {} characters long",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
}


def _describe(error: ValidationError) -> str:
    keyword, expected = str(error.validator), error.validator_value
    got = _short(error.instance)
    if keyword in _LIMITS:
        return f"{_LIMITS[keyword].format(expected)}; got {got}."
    if keyword == "type":
        names = expected if isinstance(expected, list) else [expected]
        return f"must be {article(' or '.join(str(n) for n in names if n != 'null'))}, got {got}."
    if keyword in ("enum", "const"):
        options = expected if keyword == "enum" else [expected]
        return f"must be one of {', '.join(json.dumps(o) for o in options)}; got {got}."
    if keyword == "pattern":
        return f"does not have the accepted form ({got})."
    if keyword == "format":
        return f"must be a valid {expected}; got {got}."
    return error.message if len(error.message) < 200 else f"is not valid ({keyword})."


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def join_path(root: str, where: Iterable[Any]) -> str:
    out = root
    for step in where:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out = f"{out}.{step}" if out else str(step)
    return out
