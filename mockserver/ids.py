"""Identifiers: `<prefix>_<ULID>` with the time part from the clock and the random part from a seeded RNG.

Same seed and same requests give the same ids; ids made later sort later (monotonic within a
millisecond), so journals and ledgers read in creation order.
"""

from __future__ import annotations

import random

from .clock import Clock

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}"
_RANDOM_BITS = 80
_RANDOM_MASK = (1 << _RANDOM_BITS) - 1
# 26 Crockford characters = 13 pairs of 10 bits; encoding by pairs halves the work per id.
_PAIRS = [a + b for a in CROCKFORD for b in CROCKFORD]
_SHIFTS = tuple(range(120, -10, -10))


class IdFactory:
    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self._clock = clock
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        # Two streams from one seed: how many ids fall in one millisecond must not change the keys,
        # secrets and content drawn after them.
        self.rng = random.Random(self._seed)
        self.secrets = random.Random(f"secrets:{self._seed}")
        self._last_ms = -1
        self._last_random = 0

    def ulid(self) -> str:
        ms = int(self._clock.time() * 1000)
        if ms <= self._last_ms:
            ms = self._last_ms
            rand = (self._last_random + 1) & _RANDOM_MASK
        else:
            rand = self.rng.getrandbits(_RANDOM_BITS)
        self._last_ms, self._last_random = ms, rand
        value = (ms << _RANDOM_BITS) | rand
        pairs = _PAIRS
        return "".join([pairs[(value >> shift) & 1023] for shift in _SHIFTS])

    def new(self, prefix: str) -> str:
        return f"{prefix}_{self.ulid()}"

    def hex(self, length: int) -> str:
        """Lowercase hex from the seeded secrets stream (API keys, secrets, output tokens)."""
        return f"{self.secrets.getrandbits(length * 4):0{length}x}"
