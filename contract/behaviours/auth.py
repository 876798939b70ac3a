"""Authentication (B-AUTH-1..4; B-AUTH-5 is with the output URLs in images.py)."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from ..context import Context
from ..registry import check

KEY_FORMAT = re.compile(r"^(al_live_[0-9a-f]{64}|og_\S+)$")

# Keys that break the documented format: wrong prefix, wrong length, upper-case hex, stray characters.
MALFORMED_KEYS = st.one_of(
    st.from_regex(r"al_live_[0-9a-f]{1,63}", fullmatch=True),
    st.from_regex(r"al_live_[0-9a-f]{65,70}", fullmatch=True),
    st.from_regex(r"al_live_[0-9A-F]{64}", fullmatch=True).filter(lambda k: k != k.lower()),
    st.from_regex(r"(sk|al_test|AL_LIVE)_[0-9a-f]{64}", fullmatch=True),
    st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)
    .filter(lambda k: not k.startswith(("og_", "al_live_"))),
)


@check("B-AUTH-1")
def both_key_headers_accepted(ctx: Context) -> None:
    key = ctx.target.api_key
    for path in ("/v1/models", "/v1/balance", "/v1/usage/events"):
        by_header = ctx.call("GET", path, key=None, headers={"X-Api-Key": key})
        ctx.expect_status(by_header, 200)
        by_bearer = ctx.call("GET", path, key=None, headers={"Authorization": f"Bearer {key}"})
        ctx.expect_status(by_bearer, 200)


@check("B-AUTH-2")
def key_format(ctx: Context) -> None:
    ctx.expect(KEY_FORMAT.match(ctx.target.api_key), "an accepted key of the form al_live_<64 hex> or og_...",
               "an accepted key of another form")

    def refused(key: str) -> None:
        ctx.expect_status(ctx.call("GET", "/v1/models", key=key), 401, "invalid_api_key")

    ctx.property(MALFORMED_KEYS, refused)


@check("B-AUTH-3")
def missing_malformed_unknown_key_refused(ctx: Context) -> None:
    for key, headers in ((None, {}), ("al_live_" + "e" * 64, {}), ("not a key", {}),
                         (None, {"Authorization": "Bearer"}), (None, {"Authorization": "Basic abc"})):
        ex = ctx.call("GET", "/v1/models", key=key, headers=headers)
        ctx.expect_status(ex, 401, "invalid_api_key")
        ctx.expect(ex.json()["error"].get("type") == "authentication_error", "type authentication_error",
                   ex.json()["error"].get("type"), ex)


@check("B-AUTH-3", admin=True)
def revoked_key_refused(ctx: Context) -> None:
    team = ctx.team()
    ctx.expect_status(team.request("GET", "/v1/models"), 200)
    admin = ctx.caps.require_admin()
    admin.revoke_key(team.team["team_id"], team.api_key)
    ctx.expect_status(team.request("GET", "/v1/models"), 401, "invalid_api_key")


@check("B-AUTH-4", admin=True)
def rotated_key_has_24h_grace(ctx: Context) -> None:
    team = ctx.team()
    admin = ctx.caps.require_admin()
    new_key = admin.rotate_key(team.team["team_id"], team.api_key)
    ctx.redact.add(new_key)
    ctx.expect_status(team.request("GET", "/v1/models", key=new_key), 200)
    ctx.expect_status(team.request("GET", "/v1/models"), 200)
    admin.advance(23 * 3600)
    ctx.expect_status(team.request("GET", "/v1/models"), 200)
    admin.advance(3600 + 60)
    ctx.expect_status(team.request("GET", "/v1/models"), 401, "invalid_api_key")
    ctx.expect_status(team.request("GET", "/v1/models", key=new_key), 200)
