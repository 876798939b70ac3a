"""Embeddings (B-EMB-1..5)."""

from __future__ import annotations

from ..context import Context
from ..registry import check

MODEL = "aurous-embed-vision-1.0"


@check("B-EMB-1", paid=True)
def one_vector_same_for_same_input(ctx: Context) -> None:
    body = {"model": MODEL, "input": "A quiet harbour at dawn", "encoding_format": "float"}
    first, second = (ctx.paid("POST", "/v1/embeddings", json_body=body) for _ in range(2))
    for ex in (first, second):
        ctx.expect_status(ex, 200)
        data = ex.json().get("data") or []
        ctx.expect(len(data) == 1 and isinstance(data[0].get("embedding"), list) and data[0]["embedding"],
                   "one vector in data[0].embedding", str(ex.json())[:200], ex)
        ctx.expect("credits_charged" in (ex.json().get("usage") or {}), "usage.credits_charged",
                   ex.json().get("usage"), ex)
    ctx.expect(first.json()["data"][0]["embedding"] == second.json()["data"][0]["embedding"],
               "the same vector for the same input", "two different vectors", second)
    parts = ctx.paid("POST", "/v1/embeddings", json_body={**body, "input": [
        {"type": "text", "text": "a cat"}, {"type": "image_url", "image_url": {"url": "https://example.com/c.png"}}]})
    ctx.expect_status(parts, 200)
    ctx.expect(len(parts.json().get("data") or []) == 1, "one vector for text and image parts",
               str(parts.json())[:200], parts)


@check("B-EMB-2")
def array_input_refused(ctx: Context) -> None:
    ex = ctx.call("POST", "/v1/embeddings", json_body={"model": MODEL, "input": ["one", "two"]})
    ctx.expect_status(ex, 400, "embeddings_batch_not_supported")


@check("B-EMB-3")
def video_parts_refused(ctx: Context) -> None:
    for parts in ([{"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}}],
                  [{"type": "text", "text": "a"}, {"type": "video_url", "video_url": {"url": "https://e.com/v.mp4"}}]):
        ex = ctx.call("POST", "/v1/embeddings", json_body={"model": MODEL, "input": parts})
        ctx.expect_status(ex, 400, "embeddings_video_unsupported")


@check("B-EMB-4")
def estimate_without_vector_or_charge(ctx: Context) -> None:
    before = ctx.call("GET", "/v1/balance").json().get("balance")
    ex = ctx.call("POST", "/v1/embeddings/estimate", json_body={"model": MODEL, "input": "A quiet harbour"})
    ctx.expect_status(ex, 200)
    body = ex.json()
    ctx.expect(all("embedding" not in row for row in body.get("data") or []), "no vector in the estimate",
               str(body)[:200], ex)
    usage = body.get("usage") or {}
    ctx.expect((usage.get("tokens") or {}).get("video") == 0 and
               ((usage.get("breakdown") or {}).get("input") or {}).get("video") == 0,
               "usage.tokens.video and usage.breakdown.input.video, both 0", usage, ex)
    if ctx.caps.admin is not None:  # the run's own team: nothing else moves its balance
        after = ctx.call("GET", "/v1/balance").json().get("balance")
        ctx.expect(before == after, "no credits charged by an estimate", f"balance {before} -> {after}", ex)


@check("B-EMB-5", paid=True)
def embedding_model_slug(ctx: Context) -> None:
    ex = ctx.paid("POST", "/v1/embeddings", json_body={"model": MODEL, "input": "hi"})
    ctx.expect_status(ex, 200)
    old = ctx.call("POST", "/v1/embeddings", json_body={"model": "aurous-embed-vision", "input": "hi"})
    ctx.expect_status(old, 404, "model_not_found")
