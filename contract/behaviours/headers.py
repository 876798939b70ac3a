"""Headers on every response (B-HDR-1..5)."""

from __future__ import annotations

from ..context import Context
from ..project_checks import EVERY_RESPONSE, TPM_HEADERS
from ..registry import check
from .common import sweep, sweep_with_success


def _every_response(ctx: Context, row: str) -> None:
    function = EVERY_RESPONSE[row]
    for ex in sweep_with_success(ctx):
        problem = function(ex.method, ex.path, ex.status, ex.headers, ex.body, ex.authenticated)
        ctx.expect(problem is None, problem, f"{ex.summary()} with headers {dict(ex.headers)}", ex)


@check("B-HDR-1", paid=True)
def request_id_on_every_response(ctx: Context) -> None:
    _every_response(ctx, "B-HDR-1")
    ids = [ex.header("aurous-request-id") for ex in sweep(ctx)]
    ctx.expect(len(set(ids)) == len(ids), "a different Aurous-Request-Id on every response", ids)


@check("B-HDR-2", paid=True)
def version_on_every_response(ctx: Context) -> None:
    _every_response(ctx, "B-HDR-2")


@check("B-HDR-3", paid=True)
def rpm_headers_on_authenticated_responses(ctx: Context) -> None:
    _every_response(ctx, "B-HDR-3")


@check("B-HDR-4", paid=True)
def tpm_headers_on_chat_and_embeddings_only(ctx: Context) -> None:
    _every_response(ctx, "B-HDR-4")
    chat = ctx.cache["sweep_chat"]
    for name in TPM_HEADERS:
        ctx.expect_header(chat, name)


@check("B-HDR-5", paid=True)
def openai_headers_preserved(ctx: Context) -> None:
    """OpenAI sends x-request-id and x-ratelimit-{limit,remaining,reset}-{requests,tokens}."""
    for ex in sweep_with_success(ctx):
        ctx.expect(ex.header("x-request-id") is not None, "header x-request-id (OpenAI's request id)",
                   f"no x-request-id on {ex.summary()}", ex)
        if ex.authenticated and ex.status != 401:
            for name in ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                         "x-ratelimit-reset-requests"):
                ctx.expect_header(ex, name)
    chat = ctx.cache["sweep_chat"]
    for name in ("x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"):
        ctx.expect_header(chat, name)
