"""Idempotency (B-IDEM-1..7), on chat (the cheapest idempotent write) and embeddings; the generation
creates are in images.py / videos.py. Canonical-JSON variants of a body come from hypothesis."""

from __future__ import annotations

import json
import random
import threading
import uuid
from typing import Any

from hypothesis import strategies as st

from ..context import CHAT_ESTIMATE, Context
from ..exchange import Exchange
from ..registry import check
from ..target import Target

CHAT_PATH = "/v1/chat/completions"
REPLAYED = "Aurous-Idempotent-Replayed"


def chat_body(text: str = "Name a colour") -> dict[str, Any]:
    return {"model": "aurous-grow-2.0-lite", "max_tokens": 2, "temperature": 0.5,
            "messages": [{"role": "user", "content": text}], "metadata": {"purpose": "idempotency", "n": "1"}}


def send(ctx: Context, body: Any, key: str | None, *, raw: bytes | None = None, target: Target | None = None,
         path: str = CHAT_PATH) -> Exchange:
    """POST a body (or its exact bytes) with an Idempotency-Key."""
    ctx.budget.reserve(CHAT_ESTIMATE)
    headers = {"Idempotency-Key": key} if key is not None else {}
    target = target or ctx.target
    if raw is not None:
        headers["Content-Type"] = "application/json"
        return target.request("POST", path, content=raw, headers=headers)
    return target.request("POST", path, json_body=body, headers=headers)


def fresh_key(ctx: Context) -> str:
    return f"contract-{uuid.uuid4()}"


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


# The same JSON value written differently: key order at every level, indentation, separators.
SPELLINGS = st.tuples(st.randoms(use_true_random=False), st.sampled_from([None, 0, 1, 2, 4]),
                      st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : "), (",\n", ":\t")]))


def spell(body: Any, spelling: tuple[random.Random, int | None, tuple[str, str]]) -> bytes:
    rng, indent, separators = spelling
    return json.dumps(_shuffled(body, rng), indent=indent, separators=separators).encode()


def expect_replay(ctx: Context, first: Exchange, again: Exchange) -> None:
    ctx.expect_header(again, REPLAYED, "true")
    ctx.expect(again.status == first.status and again.json() == first.json(),
               "the cached response: same status and body (same ids)",
               f"{again.status} {again.body[:160]!r} vs first {first.status} {first.body[:160]!r}", again)


def charges_for(ctx: Context, generation_id: str, target: Target | None = None) -> int:
    ex = (target or ctx.target).request("GET", "/v1/usage/events", params={"generation_id": generation_id,
                                                                           "limit": 100})
    ctx.expect_status(ex, 200)
    return sum(1 for item in ex.json().get("data", []) if item.get("type") == "charge")


@check("B-IDEM-1", paid=True)
def key_length_and_absent_key(ctx: Context) -> None:
    body = chat_body("Name a river")
    first, second = send(ctx, body, None), send(ctx, body, None)
    for ex in (first, second):
        ctx.expect_status(ex, 200)
        ctx.expect(ex.header(REPLAYED) is None, f"no {REPLAYED} without a key", ex.header(REPLAYED), ex)
    ctx.expect(first.json()["id"] != second.json()["id"], "a new completion for each call without a key",
               f"the same id {first.json()['id']} twice", second)
    longest = send(ctx, body, "k" * 256)
    ctx.expect_status(longest, 200)
    ctx.expect_status(send(ctx, body, "k" * 257), 400)
    embed = {"model": "aurous-embed-vision-1.0", "input": "A river", "encoding_format": "float"}
    key = fresh_key(ctx)
    first = send(ctx, embed, key, path="/v1/embeddings")
    ctx.expect_status(first, 200)
    expect_replay(ctx, first, send(ctx, embed, key, path="/v1/embeddings"))


@check("B-IDEM-2", paid=True)
def same_canonical_body_replays(ctx: Context) -> None:
    def replayed(spelling: Any) -> None:
        key, body = fresh_key(ctx), chat_body()
        first = send(ctx, body, key)
        ctx.expect_status(first, 200)
        ctx.expect(first.header(REPLAYED) is None, f"no {REPLAYED} on the first call", first.header(REPLAYED), first)
        again = send(ctx, body, key, raw=spell(body, spelling))
        expect_replay(ctx, first, again)
        count = charges_for(ctx, first.json()["id"])
        ctx.expect(count == 1, "one charge for the completion (a replay is not billed)", f"{count} charges", again)

    ctx.property(SPELLINGS, replayed, max_examples=min(ctx.max_examples, 5))


CHANGES = st.sampled_from([("max_tokens", 3), ("temperature", 0.6), ("messages", [{"role": "user", "content": "x"}]),
                           ("metadata", {"purpose": "other"}), ("top_p", 0.9)])


@check("B-IDEM-3", paid=True)
def same_key_other_body_conflicts(ctx: Context) -> None:
    def conflict(change: tuple[str, Any]) -> None:
        key, body = fresh_key(ctx), chat_body()
        ctx.expect_status(send(ctx, body, key), 200)
        other = send(ctx, {**body, change[0]: change[1]}, key)
        ctx.expect_status(other, 409, "idempotency_key_in_use")
        ctx.expect(other.json()["error"].get("type") == "invalid_request", "type invalid_request",
                   other.json()["error"].get("type"), other)
        ctx.expect_header(other, "x-should-retry", "false")

    ctx.property(CHANGES, conflict, max_examples=min(ctx.max_examples, 3))


@check("B-IDEM-4", paid=True, admin=True)
def key_free_after_24_hours(ctx: Context) -> None:
    team = ctx.team()
    key, body = fresh_key(ctx), chat_body()
    first = send(ctx, body, key, target=team)
    ctx.expect_status(first, 200)
    admin = ctx.caps.require_admin()
    admin.advance(23 * 3600)
    expect_replay(ctx, first, send(ctx, body, key, target=team))
    admin.advance(3600 + 60)
    later = send(ctx, body, key, target=team)
    ctx.expect_status(later, 200)
    ctx.expect(later.header(REPLAYED) is None and later.json()["id"] != first.json()["id"],
               "a new completion after the 24 h window", f"{later.header(REPLAYED)} {later.json().get('id')}", later)


@check("B-IDEM-5", paid=True)
def streaming_ignores_the_key(ctx: Context) -> None:
    key, body = fresh_key(ctx), chat_body()
    ctx.budget.reserve(CHAT_ESTIMATE)
    stream = ctx.target.post_stream(CHAT_PATH, {**body, "stream": True}, headers={"Idempotency-Key": key})
    ctx.expect_header(stream, "Aurous-Idempotency-Status", "ignored_streaming")
    first_frame = stream.body.decode(errors="replace").split("\n\n", 1)[0].removeprefix("data: ")
    try:
        frame = json.loads(first_frame)
    except ValueError:
        frame = {}
    ctx.expect(isinstance(frame, dict) and frame.get("warning"), "a warning on the first SSE frame when a key is sent",
               first_frame[:200], stream)
    plain = send(ctx, body, None)
    ctx.expect_header(plain, "Aurous-Idempotency-Status", "none")
    first = send(ctx, body, key)
    ctx.expect_header(first, "Aurous-Idempotency-Status", "processed")
    ctx.expect_header(send(ctx, body, key), "Aurous-Idempotency-Status", "replayed")


@check("B-IDEM-6")
def only_successes_are_replayed(ctx: Context) -> None:
    key, body = fresh_key(ctx), {**chat_body(), "model": "no-such-model"}
    for _ in range(2):
        ex = send(ctx, body, key)
        ctx.expect_status(ex, 404, "model_not_found")
        ctx.expect(ex.header(REPLAYED) is None, "a failed call never replayed", f"{REPLAYED}: {ex.header(REPLAYED)}",
                   ex)
    if ctx.caps.admin is not None:
        team = ctx.team()
        failing = {**chat_body(), "metadata": {"aurous_mock_outcome": "provider_failure"}}
        for _ in range(2):
            ex = send(ctx, failing, key, target=team)
            ctx.expect(ex.status >= 500 and ex.header(REPLAYED) is None, "a provider failure never replayed",
                       f"{ex.summary()} {REPLAYED}: {ex.header(REPLAYED)}", ex)


@check("B-IDEM-7", paid=True)
def concurrent_duplicates_processed_once(ctx: Context) -> None:
    key, body = fresh_key(ctx), chat_body("Name a mountain")
    ctx.budget.reserve(CHAT_ESTIMATE * 5)
    results: list[Exchange] = []
    start = threading.Barrier(5)

    def one() -> None:
        target = Target(ctx.target.base_url, ctx.target.api_key, version_pin=ctx.target.version_pin,
                        budget=ctx.budget, pace=False)
        try:
            start.wait(timeout=10)
            results.append(target.request("POST", CHAT_PATH, json_body=body, headers={"Idempotency-Key": key},
                                          retry=False))
        finally:
            ctx.target.requests_sent += target.requests_sent
            target.close()

    threads = [threading.Thread(target=one) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ok = [r for r in results if r.status == 200]
    ctx.expect(ok, "at least one of the concurrent calls to succeed", [r.summary() for r in results])
    for r in results:
        ctx.expect(r.status == 200 or (r.status == 409 and r.error_code == "idempotency_request_in_progress"),
                   "200, or 409 idempotency_request_in_progress", r.summary(), r)
    ids = {r.json()["id"] for r in ok}
    ctx.expect(len(ids) == 1, "one completion for concurrent calls with one key", sorted(ids), ok[-1])
    count = charges_for(ctx, ids.pop())
    ctx.expect(count == 1, "one charge for concurrent calls with one key", f"{count} charges", ok[-1])
