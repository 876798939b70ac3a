"""The project's checks that hold on every response (B-HDR-1..4, B-ERR-1), as plain functions of one
response. The schema suite registers them with schemathesis; the behaviour suite calls them too."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")
VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
ERROR_TYPES = frozenset({"invalid_request", "authentication_error", "permission_error", "not_found",
                         "billing_error", "rate_limit_error", "server_error"})
ANONYMOUS = re.compile(r"^/v1/(images/[^/]+/output/[^/]+|videos/[^/]+/output)$")
TPM_OPERATIONS = {("POST", "/v1/chat/completions"), ("POST", "/v1/embeddings")}
RPM_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
TPM_HEADERS = ("x-ratelimit-tpm-limit", "x-ratelimit-tpm-remaining", "x-ratelimit-tpm-reset")

Problem = str | None
ResponseCheck = Callable[[str, str, int, Mapping[str, str], bytes, bool], Problem]


def request_id(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes,
               authenticated: bool = True) -> Problem:
    """B-HDR-1: `Aurous-Request-Id: req_<26-char ULID>` on every response."""
    value = headers.get("aurous-request-id")
    if value is None or not REQUEST_ID.match(value):
        return f"Aurous-Request-Id req_<26-char ULID> on {status}, got {value!r}"
    return None


def version_header(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes,
               authenticated: bool = True) -> Problem:
    """B-HDR-2: `Aurous-Version: YYYY-MM-DD` on every response."""
    value = headers.get("aurous-version")
    if value is None or not VERSION.match(value):
        return f"Aurous-Version YYYY-MM-DD on {status}, got {value!r}"
    return None


def rpm_headers(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes,
               authenticated: bool = True) -> Problem:
    """B-HDR-3: the RPM bucket's three headers on every answer to an authenticated caller."""
    if not authenticated or status == 401 or ANONYMOUS.match(path):
        return None  # no caller team, so no bucket
    values = {name: headers.get(name) for name in RPM_HEADERS}
    if not all(v is not None and v.isdigit() for v in values.values()):
        return f"X-RateLimit-Limit/Remaining/Reset as integers on {status}, got {values}"
    if int(values["x-ratelimit-remaining"]) > int(values["x-ratelimit-limit"]):
        return f"X-RateLimit-Remaining <= X-RateLimit-Limit, got {values}"
    return None


def tpm_headers(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes,
               authenticated: bool = True) -> Problem:
    """B-HDR-4: the TPM headers on chat and embeddings create, and only there."""
    present = {name: headers.get(name) for name in TPM_HEADERS if name in headers}
    if not authenticated or status == 401:
        return None
    if (method.upper(), path) in TPM_OPERATIONS:
        if 200 <= status < 300 and not all(str(headers.get(n, "")).isdigit() for n in TPM_HEADERS):
            return f"X-RateLimit-TPM-Limit/Remaining/Reset on {status}, got {present}"
    elif present:
        return f"no X-RateLimit-TPM-* headers outside chat and embeddings create, got {present}"
    return None


def error_envelope(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes,
               authenticated: bool = True) -> Problem:
    """B-ERR-1: every error is `{"error": {"code", "type", "message"}}`, code snake_case, type from the set."""
    if status < 400:
        return None
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return f"a JSON error body on {status}, got {body[:120]!r}"
    if not isinstance(error, dict):
        return f"{{\"error\": {{...}}}} on {status}, got {body[:120]!r}"
    code, kind, message = error.get("code"), error.get("type"), error.get("message")
    if not isinstance(code, str) or not SNAKE.match(code):
        return f"error.code a snake_case string on {status}, got {code!r}"
    if kind not in ERROR_TYPES:
        return f"error.type one of {sorted(ERROR_TYPES)} on {status}, got {kind!r}"
    if not isinstance(message, str) or not message:
        return f"a non-empty error.message on {status}, got {message!r}"
    return None


EVERY_RESPONSE: dict[str, ResponseCheck] = {
    "B-HDR-1": request_id,
    "B-HDR-2": version_header,
    "B-HDR-3": rpm_headers,
    "B-HDR-4": tpm_headers,
    "B-ERR-1": error_envelope,
}
