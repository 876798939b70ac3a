"""The per-team requests-per-minute bucket (B-RL-1, B-RL-3, B-HDR-3), also under OpenAI's header
names `x-ratelimit-*-requests` (B-HDR-5).

A fixed one-minute window on the clock, counted in the store. A request that finds the bucket empty
is refused with 429 and does not spend; remaining never goes below zero.
"""

from __future__ import annotations

import math

from starlette.responses import Response

from ..call import Call, Next
from ..errors import ApiError

WINDOW_SECONDS = 60


async def limit_requests(call: Call, call_next: Next) -> Response:
    if call.team is None:
        return await call_next(call)
    now = call.mock.clock.time()
    window_start = math.floor(now / WINDOW_SECONDS) * WINDOW_SECONDS
    reset_at = window_start + WINDOW_SECONDS
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
        wait = max(1.0, reset_at - now)
        raise ApiError(
            "rate_limit_exceeded",
            headers={"Retry-After": str(math.ceil(wait)), "retry-after-ms": str(math.ceil(wait * 1000))},
        )
    remaining = str(limit - used)
    headers["X-RateLimit-Remaining"] = remaining
    headers["x-ratelimit-remaining-requests"] = remaining
    return await call_next(call)
