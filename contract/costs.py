"""The most one accepted request of a paid operation can cost, from the target's own price list.

Staging safety (`--budget-credits`): the schema suite may send a request that could be accepted only
when the budget still covers this worst case (see `schema_suite.BudgetGate`). Every bound errs high:
input tokens are at most the body's bytes (or the whole context window when images are attached),
output tokens the request's `max_tokens` (else the model's default, else its hard cap), reasoning the
rest of the context window, images and videos the dearest style the dispatcher could pick. A price
the target does not publish (a character synthesis) is unbounded: such requests are never sent in a
form that could be accepted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from .paths import spec_path
from .target import Target

UNBOUNDED = math.inf
PAID = frozenset({"createChatCompletion", "createEmbedding", "createImage", "createVideo", "createCharacter"})
PROBE_PROMPT = "a plain grey square"  # no style keyword: the estimate prices the request without a style


@dataclass(frozen=True)
class ChatModel:
    rate_in: float  # credits per million tokens
    rate_out: float
    context: float  # tokens; UNBOUNDED when not published
    default_out: float
    hard_cap: float
    reasoning: bool


@dataclass
class PriceList:
    chat: dict[str, ChatModel] = field(default_factory=dict)
    embedding: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # text, visual rate; context
    image_styles: dict[str, tuple[float, float]] = field(default_factory=dict)  # id/slug/legacy -> base, enhance
    image_unstyled: float = UNBOUNDED  # per image with enhance, no style
    video_styles: dict[str, tuple[float, dict[str, float]]] = field(default_factory=dict)
    video_unstyled: float = UNBOUNDED  # per second at the dearest resolution, no style
    video_max_seconds: float = UNBOUNDED
    image_max_count: float = UNBOUNDED

    # -- one request -------------------------------------------------------------------------------
    def worst_case(self, operation: str, body: Any) -> float:
        """Credits one request of `operation` with `body` can cost if the target accepts it (0 for a
        request the docs say must be refused: an unknown model, style or kind)."""
        if operation not in PAID:
            return 0.0
        if not isinstance(body, dict):
            return 0.0  # not a JSON object: refused (B-ERR-3)
        worst = {"createChatCompletion": self._chat, "createEmbedding": self._embedding,
                 "createImage": self._image, "createVideo": self._video}.get(operation)
        return worst(body) if worst else UNBOUNDED

    def _chat(self, body: dict[str, Any]) -> float:
        model = self.chat.get(_name(body.get("model")))
        if model is None:
            return 0.0  # not a chat model of the catalog: 404 model_not_found (B-CHAT-4)
        size = len(repr(body).encode())
        prompt = model.context if "image_url" in repr(body.get("messages")) else min(size, model.context)
        asked = body.get("max_tokens")
        output = min(asked, model.hard_cap) if isinstance(asked, int) and asked > 0 else max(
            model.default_out if math.isfinite(model.default_out) else model.hard_cap, 0)
        if body.get("reasoning_effort") is not None and model.reasoning:
            output = max(output, model.context)  # B-CHAT-8: reasoning tokens at the output rate
        return (prompt * model.rate_in + output * model.rate_out) / 1e6

    def _embedding(self, body: dict[str, Any]) -> float:
        rates = self.embedding.get(_name(body.get("model")))
        if rates is None:
            return 0.0
        text, visual, context = rates
        if "image_url" in repr(body.get("input")):
            return context * max(text, visual) / 1e6
        return min(len(repr(body).encode()), context) * text / 1e6

    def _image(self, body: dict[str, Any]) -> float:
        count = body.get("count", 1)
        count = count if isinstance(count, int) and 1 <= count else self.image_max_count
        count = min(count, self.image_max_count)
        lora = body.get("lora_id")
        if lora is not None:
            style = self.image_styles.get(_name(lora))
            if style is None:
                return 0.0  # 404 lora_not_found (B-IMG-6)
            return count * (style[0] + (style[1] if body.get("enhance_prompt") else 0.0))
        dearest = max([base + enhance for base, enhance in self.image_styles.values()] + [self.image_unstyled])
        return count * dearest  # the dispatcher may pick any style (B-IMG-6)

    def _video(self, body: dict[str, Any]) -> float:
        seconds = body.get("video_duration")
        seconds = min(seconds, self.video_max_seconds) if isinstance(seconds, int) and seconds > 0 \
            else self.video_max_seconds
        resolution = _name(body.get("video_resolution"))
        lora = body.get("lora_id")
        if lora is not None:
            style = self.video_styles.get(_name(lora))
            if style is None:
                return 0.0
            per_second, factors = style
            return seconds * per_second * factors.get(resolution, max(factors.values(), default=UNBOUNDED))
        rates = [rate * max(factors.values(), default=UNBOUNDED) for rate, factors in self.video_styles.values()]
        return seconds * max([*rates, self.video_unstyled])

    # -- any request of an operation -----------------------------------------------------------------
    def operation_worst_case(self, operation: str) -> float:
        """The dearest accepted request of `operation` whatever its body (the plan's bound)."""
        if operation == "createChatCompletion":
            return max([(m.context * m.rate_in + max(m.hard_cap, m.context if m.reasoning else 0) * m.rate_out)
                        / 1e6 for m in self.chat.values()], default=0.0)
        if operation == "createEmbedding":
            return max([context * max(text, visual) / 1e6 for text, visual, context in self.embedding.values()],
                       default=0.0)
        if operation == "createImage":
            return self._image({"count": self.image_max_count})
        if operation == "createVideo":
            return self._video({})
        return UNBOUNDED if operation in PAID else 0.0


def _name(value: Any) -> str:
    """A catalog key from a request field; anything but a string names nothing (and is refused)."""
    return value if isinstance(value, str) else "\0"


def _number(value: Any, default: float = UNBOUNDED) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _request_maximum(schema_name: str, prop: str) -> float:
    doc = yaml.safe_load(spec_path().read_text())
    return _number(doc["components"]["schemas"][schema_name]["properties"].get(prop, {}).get("maximum"))


def load_prices(target: Target) -> PriceList:
    """Read the target's catalog (`/v1/models`, `/v1/loras`, `/v1/video_loras`) and price the requests
    without a style with one estimate each (estimates are free, B-IMG-7, B-VID-2). Anything missing
    stays unbounded."""
    prices = PriceList(video_max_seconds=_request_maximum("CreateVideoRequest", "video_duration"),
                       image_max_count=_request_maximum("CreateImageRequest", "count"))
    models = target.request("GET", "/v1/models", pin=False, headers={"Aurous-Version": "2026-06-19"})
    for row in (models.json().get("data", []) if models.status == 200 else []):
        meta = row.get("aurous_metadata") or {}
        context = _number(meta.get("context_window"))
        if row.get("kind") == "chat":
            rates = row.get("chat_pricing") or {}
            prices.chat[row.get("id")] = ChatModel(
                _number((rates.get("input") or {}).get("credits_per_M")),
                _number((rates.get("output") or {}).get("credits_per_M")), context,
                _number(meta.get("default_max_output_tokens")), _number(meta.get("max_output_tokens_hard_cap")),
                (meta.get("capabilities") or {}).get("reasoning") is not False)
        elif row.get("kind") == "embedding":
            rates = row.get("embedding_pricing") or {}
            prices.embedding[row.get("id")] = (_number((rates.get("text") or {}).get("credits_per_M")),
                                               _number((rates.get("visual") or {}).get("credits_per_M")), context)
    for style in _rows(target, "/v1/loras"):
        pricing = style.get("pricing") or {}
        price = (_number(pricing.get("base")), _number(pricing.get("enhance"), 0.0))
        for name in (style.get("id"), style.get("slug"), style.get("legacy_id")):
            if name:
                prices.image_styles[name] = price
    for style in _rows(target, "/v1/video_loras"):
        pricing = style.get("pricing") or {}
        factors = {k: _number(v) for k, v in (pricing.get("resolution_factors") or {}).items()}
        for name in (style.get("id"), style.get("slug"), style.get("legacy_id")):
            if name:
                prices.video_styles[name] = (_number(pricing.get("base_per_second")), factors)
    image = _estimate(target, "/v1/images/estimate", {"prompt": PROBE_PROMPT, "count": 1, "enhance_prompt": True})
    prices.image_unstyled = image
    if math.isfinite(prices.video_max_seconds):
        seconds = int(prices.video_max_seconds)
        video = _estimate(target, "/v1/videos/estimate",
                          {"prompt": PROBE_PROMPT, "video_duration": seconds, "video_resolution": "1080p"})
        prices.video_unstyled = video / seconds
    return prices


def _rows(target: Target, path: str) -> list[dict[str, Any]]:
    ex = target.request("GET", path)
    return ex.json().get("data", []) if ex.status == 200 and isinstance(ex.json(), dict) else []


def _estimate(target: Target, path: str, body: dict[str, Any]) -> float:
    ex = target.request("POST", path, json_body=body)
    if ex.status != 200:
        return UNBOUNDED
    return _number((ex.json().get("estimated_cost") or {}).get("amount"))
