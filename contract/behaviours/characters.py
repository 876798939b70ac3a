"""Characters (B-CHAR-1..3). The harness deletes only the characters it created."""

from __future__ import annotations

import time

from ..context import Context
from ..registry import check
from .common import id_pattern

CHAR_ID = id_pattern("char")
BODY = {"name": "Captain Ada", "prompt": "A weathered sea captain with a red scarf", "generate": True}
LIMIT_S = 300


def create(ctx: Context, **extra: object):  # type: ignore[no-untyped-def]
    ctx.budget.reserve(5.0)
    return ctx.call("POST", "/v1/characters", json_body={**BODY, **extra})


@check("B-CHAR-1", paid=True)
def synthesis_moves_to_ready_or_failed(ctx: Context) -> None:
    ex = create(ctx)
    ctx.expect_status(ex, 201)
    body = ex.json()
    ctx.expect(CHAR_ID.match(str(body.get("id"))) and body.get("status") == "synthesizing",
               "201 with status synthesizing and a char_ id", {k: body.get(k) for k in ("id", "status")}, ex)
    waited = 0
    while True:
        got = ctx.call("GET", f"/v1/characters/{body['id']}")
        ctx.expect_status(got, 200)
        status = got.json().get("status")
        ctx.expect(status in ("synthesizing", "ready", "failed"), "synthesizing, ready or failed", status, got)
        if status != "synthesizing":
            break
        ctx.expect(waited < LIMIT_S, f"ready or failed within {LIMIT_S} s", status, got)
        if ctx.caps.admin is not None:
            ctx.caps.admin.advance(10)
        else:
            time.sleep(2)
        waited += 10 if ctx.caps.admin is not None else 2
    ctx.call("DELETE", f"/v1/characters/{body['id']}")


@check("B-CHAR-2", paid=True)
def client_reference_id_echoed(ctx: Context) -> None:
    ref = "order-" + "x" * 250
    ex = create(ctx, client_reference_id=ref)
    ctx.expect_status(ex, 201)
    ctx.expect(ex.json().get("client_reference_id") == ref, "client_reference_id echoed on create",
               ex.json().get("client_reference_id"), ex)
    got = ctx.call("GET", f"/v1/characters/{ex.json()['id']}")
    ctx.expect(got.json().get("client_reference_id") == ref, "client_reference_id echoed on GET",
               got.json().get("client_reference_id"), got)
    ctx.expect_status(ctx.call("POST", "/v1/characters", json_body={**BODY, "client_reference_id": "y" * 257}), 400)
    ctx.call("DELETE", f"/v1/characters/{ex.json()['id']}")


@check("B-CHAR-3", paid=True)
def delete_cancels_synthesis(ctx: Context) -> None:
    ex = create(ctx)
    ctx.expect_status(ex, 201)
    deleted = ctx.call("DELETE", f"/v1/characters/{ex.json()['id']}")
    ctx.expect_status(deleted, 200)
    ctx.expect(deleted.json().get("deleted") is True, "a deletion receipt", deleted.json(), deleted)
    ctx.expect_status(ctx.call("GET", f"/v1/characters/{ex.json()['id']}"), 404)
