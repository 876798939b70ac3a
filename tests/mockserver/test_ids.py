"""Identifiers: ULIDs whose time part is the clock and whose random part is the seeded RNG."""

from __future__ import annotations

import re

from freezegun import freeze_time

from mockserver.clock import Clock
from mockserver.ids import CROCKFORD, IdFactory


def _decode(ulid: str) -> int:
    value = 0
    for char in ulid:
        value = value * 32 + CROCKFORD.index(char)
    return value


def test_ids_carry_the_clock_and_sort_in_creation_order():
    clock = Clock()
    factory = IdFactory(clock, seed=1)
    ids = [factory.ulid() for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", i) for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    clock.advance(3600)
    later = factory.ulid()
    assert abs((_decode(later) >> 80) / 1000 - clock.time()) < 1


def test_same_seed_same_ids():
    with freeze_time("2026-07-01T00:00:00Z"):
        first = [IdFactory(Clock(), seed=7).new("req") for _ in range(3)]
        again = [IdFactory(Clock(), seed=7).new("req") for _ in range(3)]
        other = IdFactory(Clock(), seed=8).new("req")
    assert first == again
    assert other != first[0]


def test_keys_do_not_depend_on_how_many_ids_came_before():  # --seed: same seed, same keys
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        quiet = IdFactory(Clock(), seed=3)
        busy = IdFactory(Clock(), seed=3)
        for _ in range(5):
            busy.new("req")
            frozen.tick(0.002)
        assert quiet.hex(64) == busy.hex(64)
