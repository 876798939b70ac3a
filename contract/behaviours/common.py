"""What several areas share: ids, a sweep of varied responses, and JSON Schemas for hypothesis."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

from ..context import Context
from ..exchange import Exchange

ULID = "[0-9A-HJKMNP-TV-Z]{26}"


def id_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(f"^{prefix}_{ULID}$")


UNKNOWN_SUFFIX = "0" * 26  # a well-formed id no resource has


def sweep(ctx: Context) -> list[Exchange]:
    """Responses of every kind the harness can get cheaply: 200, 400, 401, 404 (route and resource)."""
    if "sweep" not in ctx.cache:
        ctx.cache["sweep"] = [
            ctx.call("GET", "/v1/models"),
            ctx.call("GET", "/v1/balance"),
            ctx.call("GET", "/v1/models", key=None),
            ctx.call("GET", "/v1/models", key="al_live_" + "f" * 64),
            ctx.call("GET", "/v1/no_such_route"),
            ctx.call("GET", "/v1/no_such_route", key=None),
            ctx.call("GET", f"/v1/chat/completions/cmp_{UNKNOWN_SUFFIX}"),
            ctx.call("POST", "/v1/chat/completions", json_body={}),
            ctx.call("POST", "/v1/embeddings", json_body={"model": "aurous-embed-vision-1.0", "input": ["a", "b"]}),
            ctx.call("GET", "/v1/models", headers={"Aurous-Version": "not-a-date"}),
        ]
    return ctx.cache["sweep"]


def sweep_with_success(ctx: Context) -> list[Exchange]:
    """The sweep plus one accepted chat call (paid, cheap)."""
    if "sweep_chat" not in ctx.cache:
        ctx.cache["sweep_chat"] = ctx.chat()
    return [*sweep(ctx), ctx.cache["sweep_chat"]]


NAMES = st.from_regex(r"[a-z][a-z_]{2,11}", fullmatch=True)
_LEAVES = st.sampled_from([
    {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"},
    {"type": "string", "enum": ["red", "green", "blue"]}, {"type": "integer", "minimum": 1, "maximum": 10},
    {"type": "string", "format": "date"}, {"type": "array", "items": {"type": "string"}, "minItems": 1},
])


def _objects(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(NAMES, children, min_size=1, max_size=4).map(
        lambda props: {"type": "object", "properties": props, "required": sorted(props),
                       "additionalProperties": False})


# Strict object schemas at most 3 levels deep, well within the documented 5 however levels are counted.
STRICT_SCHEMAS = _objects(_LEAVES | _objects(_LEAVES))


def nested_schema(depth: int) -> dict[str, Any]:
    """An object schema `depth` levels deep."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"inner": schema}, "required": ["inner"]}
    return schema
