"""The per-team tokens-per-minute bucket (B-RL-2, B-HDR-4), also under OpenAI's `x-ratelimit-*-tokens`
names (B-HDR-5): fixed one-minute windows on the clock, counted in the store. Handlers spend from it
once they have counted a request's tokens: a reservation before the reply, settled after it."""

from __future__ import annotations

import math

from .call import Call
from .errors import ApiError

WINDOW_SECONDS = 60


def window(now: float) -> tuple[int, float]:
    window_start = math.floor(now / WINDOW_SECONDS) * WINDOW_SECONDS
    return window_start, window_start + WINDOW_SECONDS


def spend_tokens(call: Call, tokens: int, *, show: bool = True) -> tuple[str, float]:
    """Reserve `tokens` from the team's TPM bucket, or refuse with 429 (B-RL-2). Returns the
    reservation for `settle_tokens`; `show=False` leaves the headers to it."""
    assert call.team is not None
    now = call.mock.clock.time()
    window_start, reset_at = window(now)
    key = f"{call.team['id']}:{window_start}"
    store = call.mock.store
    used = store.incr("tpm", key, tokens, reset_at, now)
    if used > call.team["tpm_limit"]:
        used = store.incr("tpm", key, -tokens, reset_at, now)  # a refused request does not spend
        token_headers(call, used, reset_at, now)
        raise ApiError(
            "tokens_rate_limit_exceeded",
            f"This request needs {tokens} tokens; {max(0, call.team['tpm_limit'] - int(used))} remain in this "
            "minute's bucket.",
            headers=retry_headers(reset_at, now),
        )
    if show:
        token_headers(call, used, reset_at, now)
    return key, reset_at


def retry_headers(reset_at: float, now: float) -> dict[str, str]:
    """`Retry-After` (whole seconds) and `retry-after-ms` on a 429: until the window turns, at least 1 s."""
    wait = max(1.0, reset_at - now)
    return {"Retry-After": str(math.ceil(wait)), "retry-after-ms": str(math.ceil(wait * 1000))}


def drain(call: Call, bucket: str) -> ApiError | None:
    """Spend what remains of the team's `rpm` or `tpm` bucket in this minute (a scenario's drained
    bucket). For `rpm` the refusal this call gets, with its headers; `tpm` refuses in the handler."""
    assert call.team is not None
    now = call.mock.clock.time()
    window_start, reset_at = window(now)
    key = f"{call.team['id']}:{window_start}"
    limit = int(call.team["rpm_limit" if bucket == "rpm" else "tpm_limit"])
    used = call.mock.store.incr(bucket, key, 0, reset_at, now)
    if used < limit:
        call.mock.store.incr(bucket, key, limit - used, reset_at, now)
    if bucket == "tpm":
        return None
    call.response_headers["X-RateLimit-Remaining"] = call.response_headers["x-ratelimit-remaining-requests"] = "0"
    return ApiError("rate_limit_exceeded", headers=retry_headers(reset_at, now))


def settle_tokens(call: Call, reservation: tuple[str, float], reserved: int, used: int) -> None:
    """Give back what a reservation did not use (the reply was shorter than its cap), and show the
    bucket."""
    key, reset_at = reservation
    now = call.mock.clock.time()
    if reset_at <= now:  # the reservation's window has passed: show the current one
        window_start, reset_at = window(now)
        key, used, reserved = f"{call.team_id}:{window_start}", 0, 0
    total = call.mock.store.incr("tpm", key, used - reserved, reset_at, now)
    token_headers(call, total, reset_at, now)


def token_headers(call: Call, used: float, reset_at: float, now: float) -> None:
    assert call.team is not None
    limit = int(call.team["tpm_limit"])
    remaining = str(max(0, limit - int(used)))
    headers = call.response_headers
    headers["X-RateLimit-TPM-Limit"] = headers["x-ratelimit-limit-tokens"] = str(limit)
    headers["X-RateLimit-TPM-Remaining"] = headers["x-ratelimit-remaining-tokens"] = remaining
    headers["X-RateLimit-TPM-Reset"] = str(int(reset_at))
    headers["x-ratelimit-reset-tokens"] = f"{math.ceil(reset_at - now)}s"
