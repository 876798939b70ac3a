"""The request-seeded random stream: the digest's bits first, then a Twister seeded from it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockserver.synth.rng import DigestRandom, digest, rng_for

DRAWS = st.lists(st.tuples(st.sampled_from(["randrange", "getrandbits", "random", "choice", "uniform"]),
                           st.integers(1, 300)), max_size=60)


def _run(rng: DigestRandom, draws: list[tuple[str, int]]) -> list[object]:
    out: list[object] = []
    for kind, n in draws:
        if kind == "randrange":
            value = rng.randrange(n)
            assert 0 <= value < n
        elif kind == "getrandbits":
            value = rng.getrandbits(n)
            assert 0 <= value < 2 ** n
        elif kind == "random":
            value = rng.random()
            assert 0.0 <= value < 1.0
        elif kind == "choice":
            value = rng.choice(range(n))
        else:
            value = rng.uniform(0, n)
            assert 0 <= value <= n
        out.append(value)
    return out


@given(st.binary(min_size=1, max_size=32), DRAWS)
def test_the_same_digest_draws_the_same_values_in_range_past_its_own_bits(seed, draws):
    first = _run(DigestRandom(seed), draws)
    assert first == _run(DigestRandom(seed), draws)


@given(st.integers(2, 10 ** 30))
def test_a_rejection_loop_that_outlives_the_digest_ends(bound):
    # A one-byte digest runs out at once; every retry of `randrange` then draws from the Twister.
    rng = DigestRandom(b"\xff")
    assert all(0 <= rng.randrange(bound) < bound for _ in range(50))


def test_a_stream_depends_on_what_was_asked_and_nothing_before():
    assert rng_for("reply", 0, {"a": 1}).random() == rng_for("reply", 0, {"a": 1}).random()
    assert rng_for("reply", 0, {"a": 1}).random() != rng_for("reply", 0, {"a": 2}).random()
    assert digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1})  # key order is not part of the request
