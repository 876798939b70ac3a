"""Embedding vectors: unit length, the same for the same input in any process, and closer for inputs
that share words (each word adds a fixed sparse direction, so nearest-neighbour code finds related
texts), plus a dense part drawn from the whole input so no two inputs collide."""

from __future__ import annotations

import base64
import math
import re
import struct
from collections.abc import Iterable

from .rng import digest, rng_for

_WORD = re.compile(r"\w+")
_TOUCHES_PER_FEATURE = 8
_DENSE_WEIGHT = 0.35


def embed(features: Iterable[str], identity: object, dimensions: int) -> list[float]:
    """`features`: the words of the text parts and one feature per image URL; `identity`: the whole
    input (with the model and seed), which seeds the dense part."""
    vector = [0.0] * dimensions
    for feature in features:
        raw = digest("feature", feature)
        for i in range(_TOUCHES_PER_FEATURE):
            slot = int.from_bytes(raw[i * 4:i * 4 + 3], "big") % dimensions
            vector[slot] += 1.0 if raw[i * 4 + 3] & 1 else -1.0
    sparse_norm = math.sqrt(math.fsum(v * v for v in vector)) or 1.0
    rng = rng_for("dense", identity)
    dense = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    dense_norm = math.sqrt(math.fsum(v * v for v in dense)) or 1.0
    weight = _DENSE_WEIGHT if any(vector) else 1.0
    mixed = [(1.0 - weight) * s / sparse_norm + weight * d / dense_norm for s, d in zip(vector, dense, strict=True)]
    norm = math.sqrt(math.fsum(v * v for v in mixed))
    return [v / norm for v in mixed]


def fitted(values: list[float], dimensions: int) -> list[float]:
    """A given vector (a scenario's scripted embedding) at the requested dimension: cut or padded with
    zeros, then scaled to unit length like every vector the API returns."""
    vector = [float(v) for v in values[:dimensions]] + [0.0] * max(0, dimensions - len(values))
    norm = math.sqrt(math.fsum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def as_base64(vector: list[float]) -> str:
    """What `encoding_format: base64` returns: little-endian float32, as OpenAI sends it."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
