"""The admin API under `/__mock`: health, reset, isolated teams, the clock, the journal, scenarios.

It is the mock's own surface, not the Aurous API: no Aurous key and no rate limit; when the server
has an admin token, `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from jsonschema import Draft202012Validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import journal
from .clock import from_unix, isoformat
from .errors import ApiError
from .responses import json_response
from .scenarios.engine import activate_globally, deactivate_all, global_activations
from .scenarios.library import scenario_schema
from .state import MockState
from .validation import first_error, parse_json, read_limited

AdminEndpoint = Callable[[Request, MockState], Awaitable[Response]]
MAX_ADVANCE_SECONDS = 400 * 24 * 3600
MAX_ADMIN_BODY_BYTES = 64 * 1024
LATEST_CLOCK = 253402214400.0  # 9999-12-31T00:00:00Z: the clock never moves past what ISO 8601 can write
log = logging.getLogger("aurous_mock")

_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
TEAM_BODY = Draft202012Validator({
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "rpm_limit": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "tpm_limit": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "balance": {"type": "number", "minimum": 0, "maximum": 1e12},
        "balance_low_threshold": {"type": "number", "minimum": 0, "maximum": 1e12},
        "default_api_version": _DATE,
        "scenarios": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
})
ADVANCE_BODY = Draft202012Validator({
    "type": "object",
    "required": ["seconds"],
    "additionalProperties": False,
    "properties": {"seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_ADVANCE_SECONDS}},
})
KEY_BODY = Draft202012Validator({
    "type": "object",
    "required": ["api_key"],
    "additionalProperties": False,
    "properties": {"api_key": {"type": "string", "minLength": 1}},
})


@cache
def _package_version() -> str:
    try:
        return version("aurous-mock")
    except PackageNotFoundError:
        return "0+unknown"


async def _body(request: Request, validator: Draft202012Validator, *, optional: bool = False) -> dict[str, Any]:
    raw = await read_limited(request.receive, request.headers.get("content-length"), MAX_ADMIN_BODY_BYTES)
    if not raw.strip() and optional:
        return {}
    body = parse_json(raw)
    error = first_error(validator.iter_errors(body), "")
    if error is not None:
        raise error
    return body


async def health(request: Request, mock: MockState) -> Response:
    return json_response({
        "status": "ok",
        "version": _package_version(),
        "now": isoformat(mock.clock.now()),
        "seed": mock.config.seed,
        "api_versions": {"newest": mock.versions.newest, "system_default": mock.versions.system_default},
        "served_operations": sorted(mock.served_operations),
    })


async def reset(request: Request, mock: MockState) -> Response:
    mock.reset()
    return json_response({"status": "reset", "now": isoformat(mock.clock.now())})


async def create_team(request: Request, mock: MockState) -> Response:
    body = await _body(request, TEAM_BODY, optional=True)
    pin = body.get("default_api_version")
    if pin is not None:
        mock.versions.parse_pin(pin, param="default_api_version")
    if body.get("scenarios"):
        unknown = [name for name in body["scenarios"] if mock.scenarios.get(name) is None]
        if unknown:
            raise ApiError("invalid_format", f"Unknown scenario(s): {', '.join(unknown)}. "
                           "GET /__mock/scenarios lists them.", param="scenarios")
    for limit in ("rpm_limit", "tpm_limit"):
        if limit in body:
            body[limit] = int(body[limit])  # JSON Schema counts 5.0 as an integer; the API shows 5
    team = mock.accounts.create_team(**body)
    key = mock.accounts.keys_of(team["id"])[0]
    balance = mock.ledger.balance(team["id"])
    return json_response({"team_id": team["id"], "api_key": key, "balance": balance, **team}, 201)


def _team_or_404(mock: MockState, team_id: str) -> dict[str, Any]:
    team = mock.accounts.team(team_id)
    if team is None:
        raise ApiError("resource_not_found", f"No team {team_id}.", param="team_id")
    return team


async def rotate_key(request: Request, mock: MockState) -> Response:
    """B-AUTH-4: a new key now; the old one keeps working for 24 h."""
    team = _team_or_404(mock, request.path_params["team_id"])
    body = await _body(request, KEY_BODY)
    try:
        new_key, grace_end = mock.accounts.rotate(team["id"], body["api_key"])
    except KeyError:
        raise ApiError("resource_not_found", "That key is not an active key of this team.", param="api_key") from None
    return json_response({"api_key": new_key, "previous_key_expires_at": isoformat(from_unix(grace_end))}, 201)


async def revoke_key(request: Request, mock: MockState) -> Response:
    team = _team_or_404(mock, request.path_params["team_id"])
    body = await _body(request, KEY_BODY)
    try:
        mock.accounts.revoke(team["id"], body["api_key"])
    except KeyError:
        raise ApiError("resource_not_found", "That key is not a key of this team.", param="api_key") from None
    return json_response({"revoked": True})


def _clock_body(mock: MockState) -> dict[str, Any]:
    return {"now": isoformat(mock.clock.now()), "offset_seconds": mock.clock.offset_seconds}


async def get_clock(request: Request, mock: MockState) -> Response:
    return json_response(_clock_body(mock))


async def advance_clock(request: Request, mock: MockState) -> Response:
    body = await _body(request, ADVANCE_BODY)
    seconds = float(body["seconds"])
    if mock.clock.time() + seconds > LATEST_CLOCK:
        raise ApiError("value_out_of_range", "seconds would move the clock past the year 9999.", param="seconds")
    mock.clock.advance(seconds)
    return json_response(_clock_body(mock))


async def list_requests(request: Request, mock: MockState) -> Response:
    entries = journal.entries(mock.store)
    team_id = request.query_params.get("team_id")
    if team_id:
        entries = [e for e in entries if e["team_id"] == team_id]
    return json_response({"object": "list", "data": entries})


async def list_deliveries(request: Request, mock: MockState) -> Response:
    return json_response({"object": "list", "data": mock.store.read("webhook_deliveries")})


def _scenarios_body(mock: MockState) -> dict[str, Any]:
    active = global_activations(mock.store)
    data = [{
        "name": scenario.name,
        "description": scenario.description,
        "rules": len(scenario.rules),
        "actions": sorted({rule.kind for rule in scenario.rules}),
        "source": scenario.source,
        "active_globally": scenario.name in active,
        **({"example": scenario.example} if scenario.example else {}),
    } for scenario in mock.scenarios.all()]
    return {"object": "list", "data": data, "active": list(active),
            "reload_errors": dict(mock.scenarios.reload_errors)}


async def list_scenarios(request: Request, mock: MockState) -> Response:
    return json_response(_scenarios_body(mock))


async def get_scenario_schema(request: Request, mock: MockState) -> Response:
    """The whole JSON Schema of a scenario file, every action kind included (for editors and linters)."""
    return json_response(scenario_schema())


async def activate_scenario(request: Request, mock: MockState) -> Response:
    name = request.path_params["name"]
    if mock.scenarios.get(name) is None:
        raise ApiError("resource_not_found", f"No scenario {name}; GET /__mock/scenarios lists them.", param="name")
    return json_response({"active": list(activate_globally(mock, name))})


async def deactivate_scenarios(request: Request, mock: MockState) -> Response:
    deactivate_all(mock.store)
    return json_response({"active": []})


def _admin(endpoint: AdminEndpoint, mock: MockState) -> Callable[[Request], Awaitable[Response]]:
    token = mock.config.admin_token

    async def run(request: Request) -> Response:
        try:
            if token is not None:
                sent = request.headers.get("authorization", "")
                if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
                    raise ApiError("admin_unauthorized")
            response = await endpoint(request, mock)
        except ApiError as error:
            response = mock.errors.response(error)
        except Exception:  # a bug: the envelope, never a traceback
            log.exception("unhandled error in %s %s", request.method, request.url.path)
            response = mock.errors.response(ApiError("internal_error"))
        return admin_response(mock, response)

    return run


def admin_response(mock: MockState, response: Response) -> Response:
    """Admin answers carry a request id too, so every response of the server can be quoted."""
    request_id = mock.ids.new("req")
    response.headers["Aurous-Request-Id"] = request_id
    response.headers["x-request-id"] = request_id
    return response


def admin_routes(mock: MockState) -> list[Route]:
    """Routes relative to `/__mock`."""
    table: list[tuple[str, AdminEndpoint, str]] = [
        ("/health", health, "GET"),
        ("/reset", reset, "POST"),
        ("/teams", create_team, "POST"),
        ("/teams/{team_id}/rotate_key", rotate_key, "POST"),
        ("/teams/{team_id}/revoke_key", revoke_key, "POST"),
        ("/clock", get_clock, "GET"),
        ("/clock/advance", advance_clock, "POST"),
        ("/requests", list_requests, "GET"),
        ("/webhooks/deliveries", list_deliveries, "GET"),
        ("/scenarios", list_scenarios, "GET"),
        ("/scenarios", deactivate_scenarios, "DELETE"),
        ("/scenarios/schema", get_scenario_schema, "GET"),
        ("/scenarios/{name}", activate_scenario, "POST"),
    ]
    return [Route(path, _admin(endpoint, mock), methods=[method]) for path, endpoint, method in table]
