"""Request validation from the spec (B-ERR-3): path, query and header parameters and JSON bodies.

Runs after authentication and the rate limit, so a bad request from a known team still carries the
team's headers.
"""

from __future__ import annotations

import math
import re
from typing import Any

from starlette.responses import Response

from ..call import Call, Next
from ..errors import ApiError
from ..spec import Operation, Parameter
from ..validation import article, first_error, parse_json, read_limited

# Handled by their own stages before this one.
_SKIPPED_HEADERS = {"aurous-version"}
_INTEGER = re.compile(r"-?[0-9]{1,18}")


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
            raw = call.headers.get(param.name.lower())
        else:
            continue
        if raw is None:
            if param.required:
                code = param.schema.get("x-error-code", "missing_field")
                raise ApiError(code, f"The {param.location} parameter {param.name} is required.", param=param.name)
            if param.location == "query" and "default" in param.schema:
                call.query[param.name] = param.schema["default"]
            continue
        value = _coerce(param, raw)
        error = first_error(param.validator.iter_errors(value), param.name)
        if error is not None:
            raise error
        if param.location == "query":
            call.query[param.name] = value


def _coerce(param: Parameter, raw: str) -> Any:
    types = param.schema.get("type", "string")
    types = types if isinstance(types, list) else [types]
    if "string" in types:
        return raw
    if "integer" in types and _INTEGER.fullmatch(raw):
        return int(raw)
    if "number" in types:
        try:
            number = float(raw) if raw.isascii() else math.nan
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number
    if "boolean" in types and raw in ("true", "false"):
        return raw == "true"
    expected = " or ".join(t for t in types if t != "null")
    raise ApiError("invalid_type", f"{param.name} must be {article(expected)}, got {raw!r}.", param=param.name)


async def _read_body(call: Call, operation: Operation) -> None:
    call.raw_body = raw = await read_limited(call.request.receive, call.headers.get("content-length"),
                                             call.mock.config.max_body_bytes)
    if not raw or raw.isspace():
        if operation.body_required:
            raise ApiError("missing_field", "The request body is required: send a JSON object.")
        return
    content_type = call.headers.get("content-type", "")
    if content_type != "application/json" or "application/json" not in operation.body_media_types:
        if not _is_json_body(content_type, operation):
            return  # a non-JSON body (multipart upload) is the handler's to parse
    call.body = parse_json(raw)
    if operation.body_validator is not None:
        error = first_error(operation.body_validator.iter_errors(call.body), "")
        if error is not None:
            raise error


def _is_json_body(content_type: str, operation: Operation) -> bool:
    """Whether the body is JSON the operation takes; False for another media type it takes (an upload);
    refused otherwise. The usual `application/json` on a JSON operation never comes here."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    is_json = media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )
    accepted = ", ".join(operation.body_media_types)
    if not is_json:
        if media_type and media_type in operation.body_media_types:
            return False
        raise ApiError("unsupported_content_type", f"Content-Type {media_type or '(none)'} is not accepted here; "
                       f"send {accepted}.")
    if "application/json" not in operation.body_media_types:
        raise ApiError("unsupported_content_type", f"Content-Type application/json is not accepted; send {accepted}.")
    return True
