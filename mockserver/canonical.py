"""Canonical JSON: the form two request bodies are compared in (B-IDEM-2).

Key order and whitespace never matter. A number is its value, not its spelling: `1`, `1.0` and
`1e0` are the same number, as they are to every JSON parser that reads them into a double
(RFC 8785 serialises numbers the same way). Strings compare by their characters, so `"\\u00e9"`
and `"é"` are the same string.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(value: Any) -> bytes:
    """The canonical bytes of a parsed JSON value."""
    return json.dumps(_numbers(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode()


def fingerprint(operation_id: str, body: Any) -> str:
    """What an idempotent request is remembered by: its operation and its body, canonically."""
    return hashlib.sha256(operation_id.encode() + b"\n" + canonical(body)).hexdigest()


def _numbers(value: Any) -> Any:
    """Floats that hold a whole number become that integer, so `1.0` and `1` serialise alike."""
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
