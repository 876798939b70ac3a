"""Read-only catalog routes: models (B-CAT-1), pricing (B-CAT-2), image and video styles (B-CAT-3)."""

from __future__ import annotations

from starlette.responses import Response

from .call import Call
from .errors import ApiError
from .registry import operation
from .responses import json_bytes, json_response


def _shape(call: Call) -> str:
    assert call.version is not None
    return "current" if call.mock.versions.gate("models_pricing_shape", call.version) else "legacy"


@operation("listModels")
async def list_models(call: Call) -> Response:
    return json_bytes(call.mock.catalog.models_body[_shape(call)])


@operation("retrieveModel")
async def retrieve_model(call: Call) -> Response:
    model_id = call.path_params["model"]
    row = call.mock.catalog.row(model_id, _shape(call))
    if row is None:
        raise ApiError("model_not_found", f"The model {model_id} does not exist. See GET /v1/models.",
                       param="model")
    return json_response(row)


@operation("getPricing")
async def get_pricing(call: Call) -> Response:
    assert call.version is not None
    if call.mock.versions.gate("pricing_endpoint_removed", call.version):
        raise ApiError("route_not_found", "GET /v1/pricing was removed on 2026-05-22; per-model rates are "
                       "on GET /v1/models under chat_pricing and embedding_pricing.")
    return json_bytes(call.mock.catalog.pricing_body)


@operation("listLoras")
async def list_loras(call: Call) -> Response:
    return json_bytes(call.mock.catalog.loras_body)


@operation("listVideoLoras")
async def list_video_loras(call: Call) -> Response:
    return json_bytes(call.mock.catalog.video_loras_body)
