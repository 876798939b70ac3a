"""Rate limits (B-RL-1..3), on isolated teams with small buckets: only the mock lets the harness make
them, and exhausting a staging team's real bucket would disturb its real traffic."""

from __future__ import annotations

from ..context import Context
from ..exchange import Exchange
from ..registry import check
from ..target import Target


def spend(team: Target, count: int) -> list[Exchange]:
    """`count` requests within one bucket window: tried again once if a window ended in between
    (the reset moved), since the bucket then refilled by design."""
    for _ in range(2):
        answers = [team.request("GET", "/v1/models", retry=False) for _ in range(count + 1)]
        if len({ex.header("x-ratelimit-reset") for ex in answers}) == 1:
            break
    return answers


@check("B-RL-1", admin=True)
def rpm_bucket_falls_then_429_then_refills(ctx: Context) -> None:
    team = ctx.team(rpm_limit=3)
    *answers, limited = spend(team, 3)
    remaining = []
    for ex in answers:
        ctx.expect_status(ex, 200)
        ctx.expect_header(ex, "X-RateLimit-Limit", "3")
        remaining.append(int(ctx.expect_header(ex, "X-RateLimit-Remaining")))
    ctx.expect(remaining == [2, 1, 0], "X-RateLimit-Remaining falling by one: [2, 1, 0]", remaining, answers[-1])
    ctx.expect_status(limited, 429)
    ctx.expect(limited.json()["error"].get("type") == "rate_limit_error", "type rate_limit_error",
               limited.json()["error"].get("type"), limited)
    retry_after = ctx.expect_header(limited, "Retry-After")
    ctx.expect(retry_after.isdigit() and 0 < int(retry_after) <= 120, "Retry-After in whole seconds, 1..120",
               retry_after, limited)
    retry_ms = ctx.expect_header(limited, "retry-after-ms")
    ctx.expect(retry_ms.isdigit() and int(retry_ms) <= 120_000, "retry-after-ms <= 120000", retry_ms, limited)
    reset = ctx.expect_header(limited, "X-RateLimit-Reset")
    ctx.expect(reset.isdigit(), "X-RateLimit-Reset as Unix seconds", reset, limited)
    ctx.caps.require_admin().advance(int(retry_after) + 1)
    again = team.request("GET", "/v1/models", retry=False)
    ctx.expect_status(again, 200)
    ctx.expect_header(again, "X-RateLimit-Remaining", "2")


@check("B-RL-2", admin=True)
def tpm_bucket_refuses_what_exceeds_it(ctx: Context) -> None:
    team = ctx.team(tpm_limit=400)
    first = ctx.chat("Say hi", target=team)
    ctx.expect_status(first, 200)
    limit = int(ctx.expect_header(first, "X-RateLimit-TPM-Limit"))
    left = int(ctx.expect_header(first, "X-RateLimit-TPM-Remaining"))
    ctx.expect(limit == 400 and left < limit, "X-RateLimit-TPM-Remaining below the limit after a call",
               f"limit {limit}, remaining {left}", first)
    long_text = " ".join(["token"] * 600)
    refused = ctx.chat(long_text, target=team)
    ctx.expect_status(refused, 429)
    ctx.expect(refused.json()["error"].get("type") == "rate_limit_error", "type rate_limit_error",
               refused.summary(), refused)
    ctx.expect_header(refused, "Retry-After")
    embed = team.request("POST", "/v1/embeddings", json_body={"model": "aurous-embed-vision-1.0", "input": long_text},
                         retry=False)
    ctx.expect_status(embed, 429)


@check("B-RL-3", admin=True)
def buckets_are_per_team(ctx: Context) -> None:
    first, second = ctx.team(rpm_limit=2), ctx.team(rpm_limit=2)
    ctx.expect_status(spend(first, 2)[-1], 429)
    other = second.request("GET", "/v1/models", retry=False)
    ctx.expect_status(other, 200)
    ctx.expect_header(other, "X-RateLimit-Remaining", "1")
