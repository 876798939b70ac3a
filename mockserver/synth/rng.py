"""Random streams derived from what was asked, so the same request gets the same answer in any process."""

from __future__ import annotations

import hashlib
import random
from typing import Any

from ..jsoncodec import dumps

_UNIT = 2.0 ** -53  # a 53-bit integer times this is a float in [0, 1), as `random.random()` gives


def digest(*parts: Any) -> bytes:
    """A stable hash of JSON-able parts (never Python's `hash()`, which changes per process)."""
    return hashlib.sha256(dumps(parts, sort_keys=True)).digest()


def rng_for(*parts: Any) -> random.Random:
    return DigestRandom(digest(*parts))


class DigestRandom(random.Random):
    """A `random.Random` whose first draws are the bits of a digest, and whose later ones come from a
    Mersenne Twister seeded by it.

    A plain chat reply needs a few dozen random bits, and seeding a Twister (624 words of state) costs
    more than composing the reply; a long stream (a schema instance, an embedding) seeds it once the
    digest's bits run out, and from then on draws at the Twister's speed. Every method of
    `random.Random` works, since they all draw through `getrandbits` or `random`.
    """

    def __init__(self, seed: bytes) -> None:  # not `Random.__init__`: no Twister until one is needed
        self._seed_bytes = seed
        self._pool = int.from_bytes(seed, "big")
        self._left = len(seed) * 8
        self._mt: random.Random | None = None
        self.gauss_next = None

    def seed(self, a: Any = None, version: int = 2) -> None:
        raise TypeError("a DigestRandom is seeded by its digest")

    def getrandbits(self, k: int) -> int:
        if k > self._left:
            return self._twister().getrandbits(k)
        self._left -= k
        pool = self._pool
        self._pool = pool >> k
        return pool & ((1 << k) - 1)

    def random(self) -> float:
        return self.getrandbits(53) * _UNIT

    def _twister(self) -> random.Random:
        twister = self._mt
        if twister is None:
            twister = self._mt = random.Random(int.from_bytes(self._seed_bytes, "big"))
            self._left = -1  # the digest's bits are never drawn again, even by a method bound before now
            # From now on every draw goes straight to the Twister (instance attributes shadow the methods).
            self.getrandbits = twister.getrandbits  # type: ignore[method-assign]
            self.random = twister.random  # type: ignore[method-assign]
        return twister
