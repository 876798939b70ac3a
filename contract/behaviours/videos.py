"""Video generation (B-VID-1..3)."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..registry import check
from .catalog import first_style, style_catalog
from .common import id_pattern
from .generations import create, output_path, succeeded

VID_ID = id_pattern("vid")
BASIC = {"prompt": "Waves rolling onto a beach", "video_duration": 3, "video_resolution": "480p"}


def a_video_lora(ctx: Context) -> dict[str, Any]:
    return first_style(ctx, "/v1/video_loras")


@check("B-VID-1", paid=True, admin=True)
def video_lifecycle_and_expiry(ctx: Context) -> None:
    created = create(ctx, "videos", {**BASIC, "video_ratio": "9:16", "video_camera_fixed": True})
    ctx.expect_status(created, 201)
    body = created.json()
    ctx.expect(VID_ID.match(str(body.get("id"))) and body.get("status") == "pending", "vid_<ulid>, pending",
               {k: body.get(k) for k in ("id", "status")}, created)
    ctx.expect((body.get("video_duration"), body.get("video_resolution"), body.get("video_ratio"),
                body.get("video_camera_fixed")) == (3, "480p", "9:16", True),
               "video_duration, video_resolution, video_ratio, video_camera_fixed as sent",
               {k: body.get(k) for k in ("video_duration", "video_resolution", "video_ratio", "video_camera_fixed")},
               created)
    for bad in ({"video_resolution": "4k"}, {"video_ratio": "2:1"}):
        ctx.expect_status(ctx.call("POST", "/v1/videos", json_body={**BASIC, **bad}), 400)
    done = succeeded(ctx, "videos", BASIC)
    path = output_path(done.get("output_video_url") or "")
    ctx.expect(path.startswith(f"/v1/videos/{done['id']}/output") and "token=" in path,
               "output_video_url /v1/videos/{id}/output?token=...", path)
    ctx.expect_status(ctx.call("GET", path, key=None), 200)
    admin = ctx.caps.require_admin()
    admin.advance(23 * 3600)
    ctx.expect_status(ctx.call("GET", path, key=None), 200)
    admin.advance(3600 + 60)
    ctx.expect_status(ctx.call("GET", path, key=None), 410, "output_expired")


@check("B-VID-2", paid=True)
def video_cost(ctx: Context) -> None:
    lora = a_video_lora(ctx)
    pricing = lora["pricing"]
    for resolution, duration in (("480p", 3), ("1080p", 5)):
        body = {**BASIC, "lora_id": lora["id"], "video_resolution": resolution, "video_duration": duration}
        estimate = ctx.call("POST", "/v1/videos/estimate", json_body=body)
        ctx.expect_status(estimate, 200)
        cost = estimate.json()["estimated_cost"]
        factor = cost["breakdown"].get("discount_factor", 1)
        want = pricing["base_per_second"] * pricing["resolution_factors"][resolution] * duration * factor
        ctx.expect(abs(cost["amount"] - want) < 1e-6 and cost["breakdown"]["duration_s"] == duration
                   and cost["breakdown"]["resolution_factor"] == pricing["resolution_factors"][resolution],
                   f"amount = base_per_second x resolution_factor x duration_s = {want:g}, inputs in the breakdown",
                   cost, estimate)
    created = create(ctx, "videos", {**BASIC, "lora_id": lora["id"]})
    ctx.expect_status(created, 201)


@check("B-VID-3")
def video_styles(ctx: Context) -> None:
    style_catalog(ctx, "/v1/video_loras")
    lora = a_video_lora(ctx)
    ctx.expect({"base_per_second", "resolution_factors"} <= set(lora.get("pricing") or {}),
               "pricing {base_per_second, resolution_factors}", lora.get("pricing"))
