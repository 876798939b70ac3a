"""Compact JSON encoding on the hot path: orjson (about five times faster than the standard library
here), with the standard library as the fallback for what orjson refuses (integers beyond 64 bits)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except TypeError:  # orjson.JSONEncodeError: an integer wider than 64 bits, or a non-JSON value
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=False,
                          default=str).encode()


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)
