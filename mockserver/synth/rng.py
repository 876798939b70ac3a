"""Random streams derived from what was asked, so the same request gets the same answer in any process."""

from __future__ import annotations

import hashlib
import random
from typing import Any

from ..jsoncodec import dumps


def digest(*parts: Any) -> bytes:
    """A stable hash of JSON-able parts (never Python's `hash()`, which changes per process)."""
    return hashlib.sha256(dumps(parts, sort_keys=True)).digest()


def rng_for(*parts: Any) -> random.Random:
    return random.Random(int.from_bytes(digest(*parts)[:16], "big"))
