"""Versioning (B-VER-1, B-VER-2, B-VER-4; B-VER-3 is with the generations in images.py)."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from ..context import Context
from ..registry import check
from .catalog import expect_pricing_route

SYSTEM_DEFAULT = "2026-05-15"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BAD_PINS = st.one_of(
    st.sampled_from(["2026/05/15", "15-05-2026", "2026-5-15", "20260515", "latest", "2026-05-15T00:00:00Z"]),
    st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)
    .filter(lambda s: not DATE.match(s)),
)


@check("B-VER-1")
def pin_is_applied_and_malformed_pins_refused(ctx: Context) -> None:
    ok = ctx.call("GET", "/v1/models", pin=False, headers={"Aurous-Version": SYSTEM_DEFAULT})
    ctx.expect_status(ok, 200)
    ctx.expect_header(ok, "Aurous-Version", SYSTEM_DEFAULT)

    def refused(pin: str) -> None:
        ctx.expect_status(ctx.call("GET", "/v1/models", pin=False, headers={"Aurous-Version": pin}), 400)

    ctx.property(BAD_PINS, refused)


@check("B-VER-2")
def default_versions(ctx: Context) -> None:
    anonymous = ctx.call("GET", "/v1/models", key=None, pin=False)
    ctx.expect_header(anonymous, "Aurous-Version", SYSTEM_DEFAULT)
    team = ctx.call("GET", "/v1/team", pin=False)
    ctx.expect_status(team, 200)
    default = team.json().get("default_api_version")
    if default:
        ctx.expect_header(team, "Aurous-Version", default)


@check("B-VER-4")
def pricing_route_gated_by_pin(ctx: Context) -> None:
    """/v1/pricing exists before 2026-05-22 and is 404 from it on (002)."""
    expect_pricing_route(ctx, "2026-05-21", 200)
    expect_pricing_route(ctx, "2026-05-22", 404)


@check("B-VER-4")
def embeddings_video_refused_on_every_pin(ctx: Context) -> None:
    """2026-05-24 applies across all pins: video_url parts are refused even on the oldest pin."""
    body = {"model": "aurous-embed-vision-1.0",
            "input": [{"type": "video_url", "video_url": {"url": "https://example.com/a.mp4"}}]}
    for pin in ("2026-01-01", SYSTEM_DEFAULT, "2026-06-19"):
        ex = ctx.call("POST", "/v1/embeddings", pin=False, json_body=body, headers={"Aurous-Version": pin})
        ctx.expect_status(ex, 400, "embeddings_video_unsupported")
