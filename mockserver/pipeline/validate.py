"""Request validation from the spec (B-ERR-3): parameters and JSON bodies, mapped to catalog codes.

A schema may name its own code with `x-error-code`; otherwise the failing keyword decides.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from starlette.responses import Response

from ..errors import ApiError
from ..spec import Operation, Parameter
from .call import Call, Next

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
# Handled by their own stages before this one.
_SKIPPED_HEADERS = {"aurous-version"}
_JSON_TYPES = ("application/json",)


async def validate_request(call: Call, call_next: Next) -> Response:
    operation = call.operation
    assert operation is not None
    _validate_parameters(call, operation)
    if operation.body_media_types:
        await _read_body(call, operation)
    return await call_next(call)


def _validate_parameters(call: Call, operation: Operation) -> None:
    request = call.request
    for param in operation.parameters:
        if param.location == "path":
            raw: str | None = call.path_params.get(param.name)
        elif param.location == "query":
            raw = request.query_params.get(param.name)
        elif param.location == "header":
            if param.name.lower() in _SKIPPED_HEADERS:
                continue
            raw = request.headers.get(param.name)
        else:
            continue
        if raw is None:
            if param.required:
                raise ApiError("missing_field", f"The {param.location} parameter {param.name} is required.",
                               param=param.name)
            continue
        value = _coerce(param, raw)
        error = best_match(param.validator.iter_errors(value))
        if error is not None:
            raise to_api_error(error, param.name)
        if param.location == "query":
            call.query[param.name] = value


def _coerce(param: Parameter, raw: str) -> Any:
    types = param.schema.get("type", "string")
    types = types if isinstance(types, list) else [types]
    if "string" in types:
        return raw
    if "integer" in types and re.fullmatch(r"-?\d{1,18}", raw):
        return int(raw)
    if "number" in types:
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number
    if "boolean" in types and raw in ("true", "false"):
        return raw == "true"
    expected = " or ".join(t for t in types if t != "null")
    raise ApiError("invalid_type", f"{param.name} must be {_article(expected)}, got {raw!r}.", param=param.name)


async def _read_body(call: Call, operation: Operation) -> None:
    request = call.request
    limit = call.mock.config.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError("request_too_large", f"The request body is larger than {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError("request_too_large", f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    call.raw_body = raw
    if not raw.strip():
        if operation.body_required:
            raise ApiError("missing_field", "The request body is required: send a JSON object.")
        return
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    is_json = media_type in _JSON_TYPES or (media_type.startswith("application/") and media_type.endswith("+json"))
    if not is_json:
        if media_type and media_type in operation.body_media_types:
            return  # a non-JSON body (multipart upload) is the handler's to parse
        accepted = ", ".join(operation.body_media_types)
        raise ApiError("unsupported_content_type",
                       f"Content-Type {media_type or '(none)'} is not accepted here; send {accepted}.")
    if "application/json" not in operation.body_media_types:
        accepted = ", ".join(operation.body_media_types)
        raise ApiError("unsupported_content_type", f"Content-Type application/json is not accepted; send {accepted}.")
    call.body = parse_json(raw)
    if operation.body_validator is not None:
        error = best_match(operation.body_validator.iter_errors(call.body))
        if error is not None:
            raise to_api_error(error, "")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ApiError("invalid_json", "The request body is not UTF-8.") from exc
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ApiError("invalid_json", f"The request body is not valid JSON: {detail}{where}.") from exc


def to_api_error(error: ValidationError, root: str) -> ApiError:
    """The catalog error for a schema failure, naming the field at fault."""
    error = _deepest(error)
    where = list(error.absolute_path)
    code = _code_for(error)
    param = _join(root, where)
    if error.validator in ("required", "dependentRequired"):
        missing = _quoted(error.message)
        param = _join(root, [*where, missing]) if missing else param
        return ApiError(code, f"{param} is required.", param=param)
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        extra = _quoted(error.message)
        param = _join(root, [*where, extra]) if extra else param
        return ApiError(code, f"{param} is not a field this operation accepts.", param=param)
    return ApiError(code, f"{param or 'The request body'}: {_describe(error)}", param=param or None)


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


def _describe(error: ValidationError) -> str:
    keyword, expected = error.validator, error.validator_value
    got = _short(error.instance)
    if keyword == "type":
        names = expected if isinstance(expected, list) else [expected]
        return f"must be {_article(' or '.join(str(n) for n in names if n != 'null'))}, got {got}."
    if keyword in ("enum", "const"):
        options = expected if keyword == "enum" else [expected]
        return f"must be one of {', '.join(json.dumps(o) for o in options)}; got {got}."
    if keyword in ("minimum", "exclusiveMinimum"):
        return f"must be {'>' if keyword.startswith('exclusive') else '>='} {expected}; got {got}."
    if keyword in ("maximum", "exclusiveMaximum"):
        return f"must be {'<' if keyword.startswith('exclusive') else '<='} {expected}; got {got}."
    if keyword == "minLength":
        return f"must be at least {expected} characters long."
    if keyword == "maxLength":
        return f"must be at most {expected} characters long."
    if keyword == "minItems":
        return f"must have at least {expected} items."
    if keyword == "maxItems":
        return f"must have at most {expected} items."
    if keyword == "pattern":
        return f"does not have the accepted form ({got})."
    if keyword == "format":
        return f"must be a valid {expected}; got {got}."
    return error.message if len(error.message) < 200 else f"is not valid ({keyword})."


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _quoted(message: str) -> str | None:
    found = re.search(r"'([^']+)'", message)
    return found.group(1) if found else None


def _join(root: str, where: Iterable[Any]) -> str:
    out = root
    for step in where:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out = f"{out}.{step}" if out else str(step)
    return out
