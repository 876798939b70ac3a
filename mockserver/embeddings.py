"""Embeddings (B-EMB-1..5): one combined vector for a string or for text and image parts, its credits,
and the estimate that bills nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from . import billing
from .call import Call
from .errors import ApiError
from .registry import operation
from .responses import json_response
from .synth import tokens, vectors
from .token_bucket import spend_tokens


@dataclass(slots=True)
class EmbeddingInput:
    model: dict[str, Any]
    text_tokens: int
    visual_tokens: int
    features: list[str]
    dimensions: int
    parts: list[tuple[str, str]]  # the input normalised: ("text", text) or ("image", url)

    def usage(self, pricing_version: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """(usage tokens, credit breakdown) for this input at the model's rates."""
        rates = self.model["embedding_pricing"]
        text = billing.cost(self.text_tokens, rates["text"])
        visual = billing.cost(self.visual_tokens, rates["visual"])
        total_tokens = self.text_tokens + self.visual_tokens
        return (
            {"prompt_tokens": total_tokens, "total_tokens": total_tokens,
             "tokens": {"text": self.text_tokens, "visual": self.visual_tokens},
             "credits_charged": billing.total(text, visual)},
            {"input": {"text": text, "visual": visual}, "model": self.model["id"], "pricing_version": pricing_version},
        )


def read(call: Call) -> EmbeddingInput:
    """What the contract leaves to the handler: the model (B-EMB-5), dimensions, the context window."""
    body = call.body
    model = call.mock.catalog.require(body["model"], "embedding")
    dimensions = body.get("dimensions") or model["dimensions"]
    supported = model.get("supported_dimensions") or [model["dimensions"]]
    if dimensions not in supported:
        raise ApiError("invalid_format", f"dimensions must be one of {supported} for {model['id']}.",
                       param="dimensions")
    text_tokens = visual_tokens = 0
    features: list[str] = []
    parts: list[tuple[str, str]] = []
    value = body["input"]
    for part in [{"type": "text", "text": value}] if isinstance(value, str) else value:
        if part["type"] == "text":
            text_tokens += tokens.count(part["text"])
            features.extend(vectors.words(part["text"]))
            parts.append(("text", part["text"]))
        else:  # image_url, as {url} or the URL itself; the contract has refused video_url parts (B-EMB-3)
            image = part["image_url"]
            url = image if isinstance(image, str) else image["url"]
            features.append("image:" + url)
            parts.append(("image", url))
            visual_tokens += tokens.TOKENS_PER_IMAGE
    if text_tokens + visual_tokens > model["context_window"]:
        raise ApiError("context_length_exceeded", f"The input is {text_tokens + visual_tokens} tokens; "
                       f"{model['id']} accepts at most {model['context_window']}.", param="input")
    return EmbeddingInput(model, text_tokens, visual_tokens, features, dimensions, parts)


@operation("createEmbedding")
async def create_embedding(call: Call) -> Response:
    request = read(call)
    mock = call.mock
    usage, breakdown = request.usage(mock.catalog.pricing_version)
    billing.require_credit(call, usage["credits_charged"])
    spend_tokens(call, usage["total_tokens"])
    identity = (mock.config.seed, request.model["id"], request.dimensions, request.parts)
    scripted = call.overrides.get("embedding_vector")  # a scenario's scripted vector
    if scripted is not None:
        vector = vectors.fitted(scripted, request.dimensions)
    else:
        vector = vectors.embed(request.features, identity, request.dimensions)
    embedding: list[float] | str = vector
    if call.body.get("encoding_format") == "base64":
        embedding = vectors.as_base64(vector)
    billing.charge(call, usage["credits_charged"], "embedding", f"Embedding ({request.model['id']})")
    return json_response({
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": embedding}],
        "model": request.model["id"],
        "usage": {**usage, "breakdown": breakdown},
    })


@operation("estimateEmbedding")
async def estimate_embedding(call: Call) -> Response:
    """B-EMB-4: the create call's shape minus the vector; the retired video fields stay, always 0."""
    request = read(call)
    usage, breakdown = request.usage(call.mock.catalog.pricing_version)
    usage["tokens"]["video"] = 0
    breakdown["input"]["video"] = 0
    return json_response({
        "object": "list",
        "data": [{"object": "embedding", "index": 0}],
        "model": request.model["id"],
        "usage": {**usage, "breakdown": breakdown},
    })
