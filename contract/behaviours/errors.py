"""Errors (B-ERR-1..3): one envelope, the documented codes where documented, 400 for broken constraints."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ..context import Context
from ..project_checks import error_envelope
from ..registry import check
from .common import nested_schema, sweep

CHAT = {"model": "aurous-grow-2.0-lite", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
EMBED = {"model": "aurous-embed-vision-1.0", "input": "hi"}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}


@check("B-ERR-1")
def one_error_envelope(ctx: Context) -> None:
    for ex in sweep(ctx):
        problem = error_envelope(ex.method, ex.path, ex.status, ex.headers, ex.body, ex.authenticated)
        ctx.expect(problem is None, problem, ex.body[:200].decode(errors="replace"), ex)


def documented_cases(ctx: Context) -> list[tuple[str, dict[str, Any], int, str]]:
    cap = ctx.model("aurous-grow-2.0-pro")["aurous_metadata"]["max_output_tokens_hard_cap"]
    big = {"type": "object", "properties": {f"field_{i}": {"type": "string", "description": "x" * 80}
                                            for i in range(120)}}
    return [
        ("/v1/chat/completions", {**CHAT, "model": "no-such-model"}, 404, "model_not_found"),
        ("/v1/chat/completions", {**CHAT, "model": "aurous-grow-2.0-pro", "max_tokens": cap + 1}, 400,
         "max_tokens_exceeds_hard_cap"),
        ("/v1/chat/completions", {**CHAT, "model": "aurous-grow-2.0-pro", "tools": [TOOL], "tool_choice": "required"},
         400, "tool_choice_required_unsupported"),
        ("/v1/chat/completions", {**CHAT, "response_format": {"type": "json_schema", "json_schema": {
            "name": "big", "schema": big}}}, 400, "response_format_too_large"),
        ("/v1/chat/completions", {**CHAT, "response_format": {"type": "json_schema", "json_schema": {
            "name": "deep", "schema": nested_schema(8)}}}, 400, "response_format_too_deep"),
        ("/v1/embeddings", {**EMBED, "input": ["a", "b"]}, 400, "embeddings_batch_not_supported"),
        ("/v1/embeddings", {**EMBED, "input": [{"type": "video_url", "video_url": {"url": "https://e.com/v.mp4"}}]},
         400, "embeddings_video_unsupported"),
    ]


@check("B-ERR-2")
def documented_codes_where_documented(ctx: Context) -> None:
    ctx.expect_status(ctx.call("GET", "/v1/models", key=None), 401, "invalid_api_key")
    for path, body, status, code in documented_cases(ctx):
        ctx.expect_status(ctx.call("POST", path, json_body=body), status, code)


# One broken constraint per body (B-CHAT-4's ranges, lengths, enums and required fields).
BROKEN_CHAT = st.one_of(
    st.floats(min_value=2.01, max_value=1e6).map(lambda v: {"temperature": v}),
    st.floats(max_value=-0.01, min_value=-1e6).map(lambda v: {"temperature": v}),
    st.floats(min_value=1.01, max_value=1e6).map(lambda v: {"top_p": v}),
    st.sampled_from(["presence_penalty", "frequency_penalty"]).flatmap(
        lambda k: st.floats(min_value=2.01, max_value=1e3).map(lambda v: {k: v})),
    st.integers(min_value=21, max_value=10**6).map(lambda v: {"logprobs": True, "top_logprobs": v}),
    st.integers(max_value=0, min_value=-10**6).map(lambda v: {"max_tokens": v}),
    st.lists(st.text(min_size=1, max_size=5), min_size=5, max_size=8).map(lambda v: {"stop": v}),
    st.text(min_size=201, max_size=260).map(lambda v: {"stop": [v]}),
    st.text(min_size=1, max_size=10).filter(lambda v: v not in ("minimal", "low", "medium", "high"))
    .map(lambda v: {"reasoning_effort": v}),
    st.just({"messages": []}),
    st.just({"model": "m" * 129}),
    st.sampled_from(["model", "messages"]).map(lambda k: {k: None}),
)


@check("B-ERR-3")
def broken_constraints_refused_with_400(ctx: Context) -> None:
    def refused(change: dict[str, Any]) -> None:
        body = {**CHAT, **change}
        body = {k: v for k, v in body.items() if v is not None}
        ex = ctx.call("POST", "/v1/chat/completions", json_body=body)
        ctx.expect(ex.status == 400 and ex.error_code, "400 with an error code", ex.summary(), ex)

    ctx.property(BROKEN_CHAT, refused)
