"""The catalogs (models, styles) in the shapes the API shows, per version (B-CAT-1, B-CAT-2)."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError
from .fixtures import Fixtures


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


class Catalog:
    def __init__(self, fixtures: Fixtures) -> None:
        models = fixtures.models
        self.pricing_version: int = models["pricing_version"]
        self.models: dict[str, dict[str, Any]] = {m["id"]: m for m in models["models"]}
        self.renamed: dict[str, str] = dict(models.get("retired") or {})
        self.loras = fixtures.loras
        self.video_loras = fixtures.video_loras
        self._rows = {
            shape: [self.model_row(m, shape) for m in self.models.values()] for shape in ("current", "legacy")
        }
        # Rendered once: the catalogs never change while the server runs.
        self.models_body = {shape: _dumps({"object": "list", "data": rows}) for shape, rows in self._rows.items()}
        self.pricing_body = _dumps({
            "object": "list",
            "pricing_version": self.pricing_version,
            "data": [self._pricing_row(m) for m in self.models.values()],
        })
        self.loras_body = _dumps({"object": "list", "data": [self._lora_row(x) for x in self.loras], "has_more": False})
        self.video_loras_body = _dumps(
            {"object": "list", "data": [self._video_lora_row(x) for x in self.video_loras], "has_more": False}
        )

    def require(self, slug: str, kind: str) -> dict[str, Any]:
        """The model a request names, for an operation served by models of `kind` (B-CHAT-4, B-EMB-5)."""
        model = self.models.get(slug)
        if model is None:
            renamed = self.renamed.get(slug)
            hint = f" It was renamed to {renamed}." if renamed else " See GET /v1/models for the available slugs."
            raise ApiError("model_not_found", f"The model {slug} does not exist.{hint}", param="model")
        if model["kind"] != kind:
            raise ApiError("model_kind_mismatch", f"{slug} is {_a(model['kind'])} model; this operation needs "
                           f"{_a(kind)} model.", param="model")
        return model

    def row(self, model_id: str, shape: str) -> dict[str, Any] | None:
        for row in self._rows[shape]:
            if row["id"] == model_id:
                return row
        return None

    def model_row(self, model: dict[str, Any], shape: str) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "context_window": model["context_window"],
            "dimensions": model.get("dimensions"),
            "capabilities": model["capabilities"],
            "default_max_output_tokens": model.get("default_max_output_tokens"),
            "max_output_tokens_hard_cap": model.get("max_output_tokens_hard_cap"),
            "pricing_version": self.pricing_version,
        }
        if "supported_dimensions" in model:
            metadata["supported_dimensions"] = model["supported_dimensions"]
        row: dict[str, Any] = {
            "id": model["id"],
            "object": "model",
            "created": model["created"],
            "owned_by": "aurous-labs",
            "kind": model["kind"],
            "display_name": model["display_name"],
        }
        if shape == "current":
            chat, embed = model.get("chat_pricing"), model.get("embedding_pricing")
            row["chat_pricing"] = (
                {"input": {"credits_per_M": chat["input"]}, "output": {"credits_per_M": chat["output"]}}
                if chat else None
            )
            row["embedding_pricing"] = (
                {"text": {"credits_per_M": embed["text"]}, "visual": {"credits_per_M": embed["visual"]}}
                if embed else None
            )
        else:
            metadata.update(self._per_1k(model))
        row["aurous_metadata"] = metadata
        return row

    @staticmethod
    def _per_1k(model: dict[str, Any]) -> dict[str, float]:
        """The pre-2026-05-22 units: credits per 1K tokens (credits_per_M / 1000)."""
        if model["kind"] == "chat":
            rates = model["chat_pricing"]
            return {
                "credits_per_1k_input_tokens": rates["input"] / 1000,
                "credits_per_1k_output_tokens": rates["output"] / 1000,
            }
        rates = model["embedding_pricing"]
        return {
            "credits_per_1k_text_tokens": rates["text"] / 1000,
            "credits_per_1k_visual_tokens": rates["visual"] / 1000,
        }

    def _pricing_row(self, model: dict[str, Any]) -> dict[str, Any]:
        return {"model": model["id"], "kind": model["kind"], **self._per_1k(model)}

    @staticmethod
    def _lora_row(lora: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": lora["id"],
            "object": "lora",
            "slug": lora["slug"],
            "name": lora["name"],
            "description": lora["description"],
            "legacy_id": lora.get("legacy_id"),
            "bundle_name": lora.get("bundle_name"),
            "defaults": lora["defaults"],
            "pricing": {"currency": "credit", **lora["pricing"]},
        }

    @staticmethod
    def _video_lora_row(lora: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": lora["id"],
            "object": "video_lora",
            "slug": lora["slug"],
            "name": lora["name"],
            "description": lora["description"],
            "pricing": {"currency": "credit", **lora["pricing"]},
        }
