"""Webhook endpoints (B-WH-1, B-WH-4): create (the signing secret shown once), list, retrieve, update,
delete, and secret rotation (both secrets sign for 24 h, B-WH-2). Deliveries: `webhook_events`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .call import Call
from .clock import from_unix, isoformat
from .errors import ApiError
from .listing import page
from .registry import operation
from .responses import json_response
from .webhook_events import FIRED_EVENTS, SECRET_OVERLAP, endpoints_namespace, new_secret, public_endpoint


def subscribed(events: list[str]) -> list[str]:
    """B-WH-4: `*` is the snapshot of the events that exist now, not a live wildcard."""
    if "*" in events:
        return list(FIRED_EVENTS)
    return list(dict.fromkeys(events))


def with_secret(endpoint: dict[str, Any]) -> dict[str, Any]:
    expires = endpoint["previous_secret_expires"]
    return {**public_endpoint(endpoint), "secret": endpoint["secret"],
            "previous_secret_expires_at": isoformat(from_unix(expires)) if expires is not None else None}


@operation("createWebhookEndpoint")
async def create_webhook_endpoint(call: Call) -> Response:
    body: dict[str, Any] = call.body
    mock = call.mock
    endpoint = {
        "id": mock.ids.new("whe"), "url": body["url"], "events": subscribed(body["events"]),
        "description": body.get("description"), "status": "enabled", "disabled_reason": None,
        "created_at": isoformat(mock.clock.now()), "secret": new_secret(mock), "previous_secret": None,
        "previous_secret_expires": None, "failed_messages": 0,
    }
    mock.store.put(endpoints_namespace(call.team_id), endpoint["id"], endpoint)
    return json_response(with_secret(endpoint), 201)


@operation("listWebhookEndpoints")
async def list_webhook_endpoints(call: Call) -> Response:
    return page(call, list(call.mock.store.values(endpoints_namespace(call.team_id))), public_endpoint)


def _found(call: Call) -> dict[str, Any]:
    endpoint = call.mock.store.get(endpoints_namespace(call.team_id), call.path_params["id"])
    if endpoint is None:
        raise ApiError("resource_not_found", f"No webhook endpoint {call.path_params['id']} in this team.",
                       param="id")
    return endpoint


@operation("retrieveWebhookEndpoint")
async def retrieve_webhook_endpoint(call: Call) -> Response:
    return json_response(public_endpoint(_found(call)))


@operation("updateWebhookEndpoint")
async def update_webhook_endpoint(call: Call) -> Response:
    """Omitted fields keep their value; `status: enabled` re-enables an endpoint disabled after failures."""
    body: dict[str, Any] = call.body or {}
    endpoint = dict(_found(call))
    if "url" in body:
        endpoint["url"] = body["url"]
    if "events" in body:
        endpoint["events"] = subscribed(body["events"])
    if "description" in body:
        endpoint["description"] = body["description"]
    if body.get("status") == "enabled":
        endpoint.update(status="enabled", disabled_reason=None, failed_messages=0)
    elif body.get("status") == "disabled" and endpoint["status"] == "enabled":
        endpoint.update(status="disabled", disabled_reason="manual")
    call.mock.store.put(endpoints_namespace(call.team_id), endpoint["id"], endpoint)
    return json_response(public_endpoint(endpoint))


@operation("deleteWebhookEndpoint")
async def delete_webhook_endpoint(call: Call) -> Response:
    endpoint = _found(call)
    call.mock.store.delete(endpoints_namespace(call.team_id), endpoint["id"])
    return json_response({"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True})


@operation("rotateWebhookSecret")
async def rotate_webhook_secret(call: Call) -> Response:
    """A new secret now; the previous one keeps signing, next to it, for 24 hours (B-WH-2)."""
    mock = call.mock
    endpoint = {**_found(call), "previous_secret": _found(call)["secret"], "secret": new_secret(mock),
                "previous_secret_expires": mock.clock.time() + SECRET_OVERLAP}
    mock.store.put(endpoints_namespace(call.team_id), endpoint["id"], endpoint)
    return json_response(with_secret(endpoint))
