"""Video generations (B-VID-1..3): the request, its cost, the estimate, retrieve, cancel and the anonymous
output route. The lifecycle, billing and webhooks are the generations core's."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from . import generations
from .call import Call
from .errors import ApiError
from .references import resolve
from .registry import operation
from .responses import json_response
from .synth.media import mp4

# A video without a style is priced like the first style of the catalog would price it at 1 credit/s.
PLATFORM_PRICING = {"base_per_second": 1, "resolution_factors": {"480p": 1, "720p": 1.5, "1080p": 2.5}}


def _style(call: Call, reference: str) -> dict[str, Any]:
    wanted = reference.lower()
    for style in call.mock.catalog.video_loras:
        if reference == style["id"] or wanted == style["slug"]:
            return style
    raise ApiError("lora_not_found", f"No video style {reference}. See GET /v1/video_loras.", param="lora_id")


def video_cost(call: Call, style: dict[str, Any] | None, resolution: str, seconds: int) -> dict[str, Any]:
    """B-VID-2: base_per_second × resolution_factor × duration_s (× the team's discount)."""
    pricing = style["pricing"] if style else PLATFORM_PRICING
    factor = pricing["resolution_factors"][resolution]
    breakdown: dict[str, Any] = {"base_per_second": pricing["base_per_second"], "resolution_factor": factor,
                                 "duration_s": seconds}
    amount = pricing["base_per_second"] * factor * seconds
    discount = (call.team or {}).get("discount_factor")
    if discount is not None:
        breakdown["discount_factor"] = discount
        amount *= discount
    return {"amount": round(amount, 6), "currency": "credit", "breakdown": breakdown}


def read_request(call: Call, materialise: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    body: dict[str, Any] = call.body
    call.mock.generation_rules.moderate(body["prompt"], body.get("negative_prompt"))
    style = _style(call, body["lora_id"]) if "lora_id" in body else None
    seconds = body.get("video_duration", 5)
    resolution = body.get("video_resolution", "480p")
    fields = {
        "negative_prompt": body.get("negative_prompt"),
        "reference_image_urls": resolve(call, body.get("reference_image_urls"), materialise=materialise),
        "video_duration": seconds, "video_resolution": resolution, "video_ratio": body.get("video_ratio", "16:9"),
        "video_camera_fixed": body.get("video_camera_fixed", False),
        "loras": [{"id": style["id"], "name": style["name"]}] if style else None,
    }
    return fields, video_cost(call, style, resolution, seconds)


@operation("createVideo")
async def create_video(call: Call) -> Response:
    fields, cost = read_request(call, materialise=True)
    body = generations.create(call, "video", fields, cost, call.body["prompt"], call.body.get("webhook_url"))
    return json_response(body, 201)


@operation("estimateVideo")
async def estimate_video(call: Call) -> Response:
    _, cost = read_request(call, materialise=False)
    return json_response(generations.estimate(call, cost))


@operation("retrieveVideo")
async def retrieve_video(call: Call) -> Response:
    return json_response(generations.retrieve(call, "video"))


@operation("cancelVideo")
async def cancel_video(call: Call) -> Response:
    return json_response(generations.cancel(call, "video"))


@operation("getVideoOutput")
async def get_video_output(call: Call) -> Response:
    row = generations.output(call, "video")
    data = mp4(f"{call.mock.config.seed}:{row['id']}", row["body"]["video_duration"])
    return Response(data, 200, {"Cache-Control": "private, max-age=3600"}, "video/mp4")
