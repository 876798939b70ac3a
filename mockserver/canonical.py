"""Canonical JSON: the form two request bodies are compared in (B-IDEM-2).

Key order and whitespace never matter. A number is its value, not its spelling: `1`, `1.0` and
`1e0` are the same number, as they are to every JSON parser that reads them into a double
(RFC 8785 serialises numbers the same way). Strings compare by their characters, so `"\\u00e9"`
and `"é"` are the same string.

The body is read again from its bytes with whole-valued floats read as integers, which costs less
than walking the parsed value to find them.
"""

from __future__ import annotations

import hashlib
import json

from .jsoncodec import dumps


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


_DECODER = json.JSONDecoder(parse_float=_number)


def canonical(raw: bytes) -> bytes:
    """The canonical bytes of a JSON document (one the pipeline has already parsed and accepted)."""
    return dumps(_DECODER.decode(raw.decode("utf-8")), sort_keys=True)


def fingerprint(operation_id: str, raw: bytes) -> str:
    """What an idempotent request is remembered by: its operation and its body, canonically."""
    return hashlib.sha256(operation_id.encode() + b"\n" + canonical(raw)).hexdigest()
