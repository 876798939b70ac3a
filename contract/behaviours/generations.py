"""What images and videos share (B-IMG-2, B-VID-1): creating one, and watching it move through its
lifecycle on the mock's clock (admin) or, on another target, by polling in real time."""

from __future__ import annotations

import time
from typing import Any

from ..context import Context
from ..errors import Skipped
from ..exchange import Exchange
from ..target import Target

ORDER = {"pending": 0, "processing": 1, "succeeded": 2, "failed": 2, "cancelled": 2}
TERMINAL = {"succeeded", "failed", "cancelled"}
NEVER = {"expired", "moderation_rejected"}
STEP_S = 5
LIMIT_S = 180  # the docs say "typically 10-30 s"; a generation still running after 3 min is a finding
POLL_S = 2.0


def create(ctx: Context, kind: str, body: dict[str, Any], *, target: Target | None = None,
           headers: dict[str, str] | None = None) -> Exchange:
    """POST /v1/images or /v1/videos after an estimate, so the budget holds (staging safety)."""
    target = target or ctx.target
    estimate = target.request("POST", f"/v1/{kind}/estimate", json_body=body)
    if estimate.status == 200:
        ctx.budget.reserve(float(estimate.json().get("estimated_cost", {}).get("amount", 0)))
    else:
        ctx.budget.reserve(5.0)
    return target.request("POST", f"/v1/{kind}", json_body=body, headers=headers)


def expect_step(ctx: Context, before: str | None, ex: Exchange, status_code: int = 200) -> str:
    """B-IMG-2: a status from the enum, never moving backwards, terminal staying terminal."""
    ctx.expect_status(ex, status_code)
    body = ex.json()
    status = body.get("status")
    ctx.expect(status in ORDER, f"a status in {sorted(ORDER)} (never {sorted(NEVER)})", status, ex)
    if before is not None:
        ctx.expect(ORDER[status] >= ORDER[before] and (before not in TERMINAL or status == before),
                   f"a status that only moves forward from {before}", status, ex)
    terminal = status in TERMINAL
    ctx.expect(terminal == (body.get("completed_at") is not None) and terminal == (body.get("duration_ms") is not None),
               "completed_at and duration_ms set exactly on terminal states",
               f"{status}: completed_at {body.get('completed_at')}, duration_ms {body.get('duration_ms')}", ex)
    return status


def wait_terminal(ctx: Context, kind: str, generation_id: str, *, target: Target | None = None) -> Exchange:
    """Follow a generation to a terminal status, checking every step."""
    target = target or ctx.target
    status: str | None = None
    waited = 0.0
    while True:
        ex = target.request("GET", f"/v1/{kind}/{generation_id}")
        status = expect_step(ctx, status, ex)
        if status in TERMINAL:
            return ex
        if waited >= LIMIT_S:
            ctx.fail(f"a terminal status within {LIMIT_S} s", status, ex)
        if ctx.caps.admin is not None:
            ctx.caps.admin.advance(STEP_S)
            waited += STEP_S
        else:
            time.sleep(POLL_S)
            waited += POLL_S


def succeeded(ctx: Context, kind: str, body: dict[str, Any], *, target: Target | None = None) -> dict[str, Any]:
    created = create(ctx, kind, body, target=target)
    ctx.expect_status(created, 201)
    done = wait_terminal(ctx, kind, created.json()["id"], target=target)
    if done.json()["status"] != "succeeded":
        raise Skipped(f"the generation ended {done.json()['status']} ({done.json().get('error_message')}); "
                      "its outputs cannot be checked")
    return done.json()


def output_path(url: str) -> str:
    """Output URLs may be absolute or relative to the base URL; the harness requests the path."""
    marker = url.find("/v1/")
    return url[marker:] if marker >= 0 else url
