"""Random streams derived from what was asked, so the same request gets the same answer in any process."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any


def digest(*parts: Any) -> bytes:
    """A stable hash of JSON-able parts (never Python's `hash()`, which changes per process)."""
    text = json.dumps(parts, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).digest()


def rng_for(*parts: Any) -> random.Random:
    return random.Random(int.from_bytes(digest(*parts)[:16], "big"))
