"""Models and catalogs (B-CAT-1..3)."""

from __future__ import annotations

import re
from typing import Any

from ..context import Context
from ..registry import check

CHAT_MODELS = {"aurous-grow-2.0-pro", "aurous-grow-2.0-mini", "aurous-grow-2.0-lite", "aurous-grow-2.0-code"}
LORA_ID = re.compile(r"^lora_\w+$")


@check("B-CAT-1")
def models_list_shape(ctx: Context) -> None:
    ex = ctx.call("GET", "/v1/models", pin=False)
    ctx.expect_status(ex, 200)
    body = ex.json()
    ctx.expect(body.get("object") == "list" and isinstance(body.get("data"), list), "OpenAI list shape",
               str(body)[:200], ex)
    ids = {row.get("id") for row in body["data"]}
    ctx.expect(CHAT_MODELS <= ids, f"the chat models {sorted(CHAT_MODELS)}", sorted(ids), ex)
    for row in body["data"]:
        missing = {"id", "kind", "display_name", "chat_pricing", "embedding_pricing", "aurous_metadata"} - set(row)
        ctx.expect(not missing, "rows with id, kind, display_name, chat_pricing, embedding_pricing, aurous_metadata",
                   f"{row.get('id')} lacks {sorted(missing)}", ex)
        ctx.expect(row["kind"] in ("chat", "embedding"), "kind chat or embedding", row["kind"], ex)
        pricing = row["embedding_pricing"]
        if pricing is not None:
            ctx.expect({"text", "visual"} <= set(pricing) and "video" not in pricing,
                       "embedding_pricing {text, visual} and no video", pricing, ex)
        if row["kind"] == "chat":
            chat = row["chat_pricing"] or {}
            ctx.expect("credits_per_M" in chat.get("input", {}) and "credits_per_M" in chat.get("output", {}),
                       "chat_pricing {input, output: {credits_per_M}}", chat, ex)


def expect_pricing_route(ctx: Context, pin: str, status: int) -> None:
    ctx.expect_status(ctx.call("GET", "/v1/pricing", pin=False, headers={"Aurous-Version": pin}), status)


def first_style(ctx: Context, path: str) -> dict[str, Any]:
    ex = ctx.call("GET", path)
    ctx.expect_status(ex, 200)
    rows = ex.json().get("data") or []
    ctx.expect(rows, f"at least one style in {path}", rows, ex)
    return rows[0]


@check("B-CAT-2")
def pricing_removed_and_old_shape_before_2026_05_22(ctx: Context) -> None:
    expect_pricing_route(ctx, "2026-06-19", 404)
    old = ctx.call("GET", "/v1/models", pin=False, headers={"Aurous-Version": "2026-05-15"})
    ctx.expect_status(old, 200)
    for row in old.json()["data"]:
        keys = [k for k in (row.get("aurous_metadata") or {}) if k.startswith("credits_per_1k_")]
        ctx.expect(keys, "aurous_metadata.credits_per_1k_* on pins before 2026-05-22",
                   f"{row.get('id')}: {sorted(row.get('aurous_metadata') or {})}", old)
    expect_pricing_route(ctx, "2026-05-15", 200)


def style_catalog(ctx: Context, path: str) -> None:
    ex = ctx.call("GET", path)
    ctx.expect_status(ex, 200)
    rows = ex.json().get("data")
    ctx.expect(isinstance(rows, list) and rows, f"a non-empty list from {path}", str(ex.json())[:200], ex)
    for row in rows:
        ctx.expect(LORA_ID.match(str(row.get("id"))) and row.get("slug"), "rows with a lora_* id and a slug",
                   {k: row.get(k) for k in ("id", "slug")}, ex)


@check("B-CAT-3")
def style_catalogs(ctx: Context) -> None:
    style_catalog(ctx, "/v1/loras")
    style_catalog(ctx, "/v1/video_loras")
