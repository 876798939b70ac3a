"""Image generations (B-IMG-1..11): the request read into a generation, the estimate, retrieve, cancel and
the anonymous output route. The lifecycle, billing and webhooks are the generations core's."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from . import generations
from .call import Call
from .errors import ApiError
from .references import ready_character, resolve
from .registry import operation
from .responses import json_response
from .synth.media import png

OLD_PRESETS = {  # pins before 2026-05-11
    "square": (512, 512), "landscape": (768, 512), "portrait": (512, 768),
    "hd_square": (1024, 1024), "hd_landscape": (1536, 1024), "hd_portrait": (1024, 1536),
}
TIER_LONG_SIDE = {"2k": 2048, "4k": 4096}
RATIOS = ("1_1", "3_2", "2_3", "4_3", "3_4", "16_9", "9_16", "21_9")
SNAP = 32
DEFAULT_SIZE = (1024, 1024)
PLATFORM_DEFAULTS = {"steps": 11, "guidance_scale": 4.3, "cfg_rescale": 0.7, "denoise_strength": 0.6}  # B-IMG-5
PLATFORM_PRICING = {"base": 1, "enhance": 1}  # a generation without a style


def _preset_size(name: str) -> tuple[int, int]:
    tier, ratio = name.split("_", 1)
    a, b = (int(x) for x in ratio.split("_"))
    long_side = TIER_LONG_SIDE[tier]
    short = max(SNAP, round(long_side * min(a, b) / max(a, b) / SNAP) * SNAP)
    return (long_side, short) if a >= b else (short, long_side)


NEW_PRESETS = {f"{tier}_{ratio}": _preset_size(f"{tier}_{ratio}") for tier in TIER_LONG_SIDE for ratio in RATIOS}


def size_of(call: Call, body: dict[str, Any]) -> tuple[int, int, str | None]:
    """Width, height and preset under the request's pin (B-IMG-4, B-VER-4)."""
    size, width, height = body.get("size"), body.get("width"), body.get("height")
    versions = call.mock.versions
    if versions.gate("image_size_presets_v2", call.version or versions.system_default):
        if size in OLD_PRESETS:
            raise ApiError("invalid_format", f"size {size} was retired on 2026-05-11; use one of "
                           f"{', '.join(NEW_PRESETS)}.", param="size")
        if size is not None and (width is not None or height is not None):
            raise ApiError("parameter_invalid_combination", "Send either size or width and height, not both.",
                           param="size")
        if size is not None:
            return (*NEW_PRESETS[size], size)
        if (width is None) != (height is None):
            missing = "height" if height is None else "width"
            raise ApiError("missing_field", f"width and height go together; {missing} is missing.", param=missing)
        if width is None or height is None:
            return (*DEFAULT_SIZE, None)
        for name, value in (("width", width), ("height", height)):
            if not 1024 <= value <= 4096:
                raise ApiError("value_out_of_range", f"{name} must be between 1024 and 4096, got {value}.",
                               param=name)
        return width // SNAP * SNAP, height // SNAP * SNAP, None
    if size in NEW_PRESETS:
        raise ApiError("invalid_format", f"size {size} needs Aurous-Version 2026-05-11 or later; this pin takes "
                       f"{', '.join(OLD_PRESETS)}.", param="size")
    if size is not None:
        return (*OLD_PRESETS[size], size)
    return (width or DEFAULT_SIZE[0], height or DEFAULT_SIZE[1], None)


def find_style(call: Call, reference: str, catalog: list[dict[str, Any]]) -> dict[str, Any]:
    """A style by `lora_*` id, slug or legacy UUID (B-IMG-6, B-VID-3); unknown: 404 lora_not_found."""
    wanted = reference.lower()
    for style in catalog:
        if reference == style["id"] or wanted == style["slug"] or wanted == (style.get("legacy_id") or "").lower():
            return style
    raise ApiError("lora_not_found", f"No style {reference}. See GET /v1/loras.", param="lora_id")


def dispatch_style(prompt: str, catalog: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The dispatcher's pick when lora_id is omitted: the first style whose keyword is a word of the prompt."""
    words = {word.strip(".,;:!?\"'()").lower() for word in prompt.split()}
    return next((style for style in catalog if words & set(style.get("keywords") or ())), None)


def read_request(call: Call, materialise: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The generation's fields and its cost, after every check (B-IMG-3..7, B-IMG-10)."""
    body: dict[str, Any] = call.body
    mock = call.mock
    prompt = body["prompt"]
    mock.generation_rules.moderate(prompt, body.get("negative_prompt"))
    width, height, preset = size_of(call, body)
    catalog = mock.catalog.loras
    style = find_style(call, body["lora_id"], catalog) if "lora_id" in body else dispatch_style(prompt, catalog)
    references = resolve(call, body.get("reference_image_urls"), materialise=materialise)
    character_id = body.get("character_id")
    if character_id is not None:
        character = ready_character(call, character_id)
        references = [*(references or []), *character["reference_image_urls"]]
    inference_type = "i2i" if references or character_id else "t2i"
    count = body.get("count", 1)
    call.notes["resolved_parameters"] = resolved_parameters(body, style, inference_type)
    fields = {
        "negative_prompt": body.get("negative_prompt"), "reference_image_urls": references, "width": width,
        "height": height, "image_count": count, "size_preset": preset, "inference_type": inference_type,
        "seed": body.get("seed"), "character_id": character_id,
        "bundle_name": style.get("bundle_name") if style else None,
        "loras": [{"id": style["id"], "name": style["name"]}] if style and not style.get("bundle_name") else None,
    }
    return fields, image_cost(call, style, count, bool(body.get("enhance_prompt")))


def resolved_parameters(body: dict[str, Any], style: dict[str, Any] | None, inference_type: str) -> dict[str, Any]:
    """B-IMG-5: the request's value, else the style's default, else the platform's; `denoise_strength` only
    with references. Not echoed on the response (seed 002); the journal shows them."""
    defaults = (style or {}).get("defaults") or {}
    resolved = {}
    for name, platform in PLATFORM_DEFAULTS.items():
        if name == "denoise_strength" and inference_type == "t2i":
            continue
        value = body.get(name)
        resolved[name] = value if value is not None else (
            defaults.get(name) if defaults.get(name) is not None else platform)
    return resolved


def image_cost(call: Call, style: dict[str, Any] | None, count: int, enhance: bool) -> dict[str, Any]:
    """B-IMG-7: base × count, plus the enhance line; references and characters are free."""
    pricing = style["pricing"] if style else PLATFORM_PRICING
    breakdown: dict[str, Any] = {"base": pricing["base"] * count}
    if enhance:
        breakdown["enhance"] = pricing["enhance"] * count
    amount = breakdown["base"] + breakdown.get("enhance", 0)
    discount = (call.team or {}).get("discount_factor")
    if discount is not None:
        breakdown["discount_factor"] = discount
        amount *= discount
    return {"amount": round(amount, 6), "currency": "credit", "breakdown": breakdown}


@operation("createImage")
async def create_image(call: Call) -> Response:
    fields, cost = read_request(call, materialise=True)
    body = generations.create(call, "image", fields, cost, call.body["prompt"], call.body.get("webhook_url"))
    return json_response(body, 201)


@operation("estimateImage")
async def estimate_image(call: Call) -> Response:
    _, cost = read_request(call, materialise=False)
    return json_response(generations.estimate(call, cost))


@operation("retrieveImage")
async def retrieve_image(call: Call) -> Response:
    return json_response(generations.retrieve(call, "image"))


@operation("cancelImage")
async def cancel_image(call: Call) -> Response:
    return json_response(generations.cancel(call, "image"))


@operation("getImageOutput")
async def get_image_output(call: Call) -> Response:
    index = int(call.path_params["index"])  # the contract has checked it is 0-3
    row = generations.output(call, "image", index)
    data = png(f"{call.mock.config.seed}:{row['id']}:{index}", row["body"]["width"], row["body"]["height"])
    return Response(data, 200, {"Cache-Control": "private, max-age=3600"}, "image/png")
