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
_TIME_SHIFTS = (40, 30, 20, 10, 0)  # the 48-bit time in the first 10 characters (2 leading zero bits)
_RANDOM_HEAD_SHIFTS = (70, 60, 50, 40, 30, 20, 10)  # the 80 random bits in the last 16, but for the last pair


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
        self._time_part = ""  # the encoded time of `_last_ms`: ids of one millisecond share it
        self._head = ""  # the last id but for its last two characters: the next ids of the millisecond share it

    def ulid(self) -> str:
        ms = int(self._clock.time() * 1000)
        pairs = _PAIRS
        if ms <= self._last_ms:
            rand = (self._last_random + 1) & _RANDOM_MASK
            self._last_random = rand
            if rand & 1023:  # the next id of this millisecond: only its last two characters change
                return self._head + pairs[rand & 1023]
        else:
            rand = self._last_random = self.rng.getrandbits(_RANDOM_BITS)
            self._last_ms = ms
            self._time_part = "".join([pairs[(ms >> shift) & 1023] for shift in _TIME_SHIFTS])
        self._head = self._time_part + "".join([pairs[(rand >> shift) & 1023] for shift in _RANDOM_HEAD_SHIFTS])
        return self._head + pairs[rand & 1023]

    def new(self, prefix: str) -> str:
        return f"{prefix}_{self.ulid()}"

    def hex(self, length: int) -> str:
        """Lowercase hex from the seeded secrets stream (API keys, secrets, output tokens)."""
        return f"{self.secrets.getrandbits(length * 4):0{length}x}"
