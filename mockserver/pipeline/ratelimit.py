"""The per-team buckets as pipeline stages: requests per minute on every route (B-RL-1, B-RL-3,
B-HDR-3, also under OpenAI's `x-ratelimit-*-requests` names, B-HDR-5), and the tokens-per-minute
headers on chat and embeddings (B-HDR-4; the handlers spend tokens through `token_bucket`).

Fixed one-minute windows on the clock, counted in the store. A request that finds the bucket empty is
refused with 429 and does not spend; remaining never goes below zero.
"""

from __future__ import annotations

import math

from starlette.responses import Response

from ..call import Call, Next
from ..errors import ApiError
from ..token_bucket import retry_headers, token_headers, window


async def limit_requests(call: Call, call_next: Next) -> Response:
    if call.team is None:
        return await call_next(call)
    now = call.mock.clock.time()
    window_start, reset_at = window(now)
    limit = int(call.team["rpm_limit"])
    store = call.mock.store
    key = f"{call.team['id']}:{window_start}"
    used = int(store.incr("rpm", key, 1, reset_at, now))
    headers = call.response_headers
    headers["X-RateLimit-Limit"] = headers["x-ratelimit-limit-requests"] = str(limit)
    headers["X-RateLimit-Reset"] = str(int(reset_at))
    headers["x-ratelimit-reset-requests"] = f"{math.ceil(reset_at - now)}s"  # OpenAI's form (B-HDR-5)
    if used > limit:
        store.incr("rpm", key, -1, reset_at, now)  # a refused request does not spend
        headers["X-RateLimit-Remaining"] = headers["x-ratelimit-remaining-requests"] = "0"
        raise ApiError("rate_limit_exceeded", headers=retry_headers(reset_at, now))
    remaining = str(limit - used)
    headers["X-RateLimit-Remaining"] = remaining
    headers["x-ratelimit-remaining-requests"] = remaining
    return await call_next(call)


async def limit_tokens(call: Call, call_next: Next) -> Response:
    """Show the TPM bucket on every answer of a token-metered operation: the handler shows it once it
    has spent from it; any answer before that (a refusal) shows it as it stands."""
    if call.team is None or call.operation is None or not call.operation.tpm:
        return await call_next(call)
    try:
        return await call_next(call)
    finally:
        if "X-RateLimit-TPM-Limit" not in call.response_headers:
            now = call.mock.clock.time()
            window_start, reset_at = window(now)
            used = call.mock.store.incr("tpm", f"{call.team['id']}:{window_start}", 0, reset_at, now)
            token_headers(call, used, reset_at, now)
