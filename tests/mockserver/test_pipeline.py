"""The shared pipeline: request ids, version, auth, routing, rate-limit headers, error envelope."""

from __future__ import annotations

import re

import pytest
from conftest import DEFAULT_KEY, LEGACY_KEY, PINNED_KEY, REVOKED_KEY, auth
from freezegun import freeze_time

ULID_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")


def test_every_response_carries_a_unique_request_id(client):  # B-HDR-1
    responses = [
        client.get("/v1/models", headers=auth()),
        client.get("/v1/models"),
        client.get("/v1/nowhere", headers=auth()),
        client.delete("/v1/models", headers=auth()),
        client.get("/v1/models", headers=auth(**{"Aurous-Version": "bad"})),
    ]
    ids = [r.headers["Aurous-Request-Id"] for r in responses]
    assert all(ULID_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert [r.headers["x-request-id"] for r in responses] == ids  # B-HDR-5: the name OpenAI SDKs read


def test_request_ids_sort_in_request_order(client):  # B-HDR-1 with ULIDs: later requests sort later
    ids = [client.get("/v1/team", headers=auth()).headers["Aurous-Request-Id"] for _ in range(20)]
    assert ids == sorted(ids)


@pytest.mark.parametrize("header", ["X-Api-Key", "Authorization"])
def test_both_key_headers_are_accepted(client, header):  # B-AUTH-1
    value = DEFAULT_KEY if header == "X-Api-Key" else f"Bearer {DEFAULT_KEY}"
    response = client.get("/v1/team", headers={header: value})
    assert response.status_code == 200
    assert response.json()["id"] == "team_default"


def test_legacy_og_key_is_accepted(client):  # B-AUTH-2
    assert client.get("/v1/team", headers=auth(LEGACY_KEY)).json()["id"] == "team_default"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Api-Key": ""},
        {"X-Api-Key": "al_live_short"},
        {"X-Api-Key": "al_live_" + "A" * 64},  # uppercase hex is malformed
        {"X-Api-Key": "al_live_" + "1" * 64},  # well formed, unknown
        {"X-Api-Key": REVOKED_KEY},
        {"Authorization": "Basic " + DEFAULT_KEY},
        {"Authorization": "Bearer"},
        {"X-Api-Key": "sk-openai-style-key"},
    ],
)
def test_missing_malformed_unknown_or_revoked_keys_get_401(client, headers):  # B-AUTH-3
    response = client.get("/v1/models", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert error["type"] == "authentication_error"
    assert "X-RateLimit-Remaining" not in response.headers
    assert response.headers["Aurous-Version"] == "2026-05-15"  # B-VER-2: system default when unauthenticated


def test_rotated_key_works_for_24h_then_401(client, new_team):  # B-AUTH-4
    team = new_team()
    old = team["api_key"]
    rotated = client.post(f"/__mock/teams/{team['team_id']}/rotate_key", json={"api_key": old})
    assert rotated.status_code == 201
    new = rotated.json()["api_key"]
    assert client.get("/v1/team", headers=auth(old)).status_code == 200
    client.post("/__mock/clock/advance", json={"seconds": 24 * 3600 - 1})
    assert client.get("/v1/team", headers=auth(old)).status_code == 200
    client.post("/__mock/clock/advance", json={"seconds": 1})
    assert client.get("/v1/team", headers=auth(old)).json()["error"]["code"] == "invalid_api_key"
    assert client.get("/v1/team", headers=auth(new)).status_code == 200


def test_rotation_grace_follows_freezegun_in_process(client, new_team):  # B-AUTH-4, one clock
    with freeze_time("2026-07-01T00:00:00Z") as frozen:
        team = new_team()
        client.post(f"/__mock/teams/{team['team_id']}/rotate_key", json={"api_key": team["api_key"]})
        frozen.tick(24 * 3600 - 1)
        assert client.get("/v1/team", headers=auth(team["api_key"])).status_code == 200
        frozen.tick(1)
        assert client.get("/v1/team", headers=auth(team["api_key"])).status_code == 401


def test_version_defaults_to_the_team_pin(client):  # B-VER-2
    assert client.get("/v1/team", headers=auth()).headers["Aurous-Version"] == "2026-06-19"
    assert client.get("/v1/team", headers=auth(PINNED_KEY)).headers["Aurous-Version"] == "2026-05-15"


def test_version_header_is_echoed(client):  # B-VER-1, B-HDR-2
    response = client.get("/v1/team", headers=auth(**{"Aurous-Version": "2026-05-22"}))
    assert response.headers["Aurous-Version"] == "2026-05-22"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-5-15", "invalid_api_version"),
        ("20260515", "invalid_api_version"),
        ("latest", "invalid_api_version"),
        ("2026-02-30", "invalid_api_version"),
        ("2026-13-01", "invalid_api_version"),
        ("0000-01-01", "invalid_api_version"),
        ("2026-06-20", "unknown_api_version"),
        ("2099-01-01", "unknown_api_version"),
    ],
)
def test_bad_version_pins_get_400(client, value, code):  # B-VER-1
    response = client.get("/v1/team", headers=auth(**{"Aurous-Version": value}))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": code, "type": "invalid_request", "message": response.json()["error"]["message"],
        "param": "Aurous-Version",
    }
    assert response.headers["Aurous-Version"] == "2026-06-19"  # the team's pin, since the header is unusable


def test_unknown_route_gets_the_envelope_and_the_team_headers(client):  # B-ERR-1, B-HDR-2, B-HDR-3
    response = client.get("/v1/does-not-exist", headers=auth(PINNED_KEY))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route_not_found"
    assert response.headers["Aurous-Version"] == "2026-05-15"  # the team's pin
    assert response.headers["X-RateLimit-Limit"] == "600"
    assert client.get("/", headers=auth()).status_code == 404


def test_unknown_route_is_404_with_or_without_a_key(client):  # B-ERR-1
    for headers in ({}, {"X-Api-Key": "al_live_" + "1" * 64}):
        response = client.get("/v1/does-not-exist", headers=headers)
        assert response.status_code == 404
        assert "X-RateLimit-Limit" not in response.headers


def test_head_is_not_an_api_method(client):  # the contract documents GET only
    response = client.head("/v1/models", headers=auth())
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"


def test_websocket_upgrades_are_refused(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/v1/models"):
        pass
    assert refused.value.code == 1008


def test_wrong_method_gets_405_with_allow(client):  # B-ERR-1
    response = client.post("/v1/models", headers=auth(), json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


@freeze_time("2026-07-01T00:00:10Z")  # inside one minute window, whatever the wall clock says
def test_rate_limit_headers_count_down_exactly(client, new_team):  # B-HDR-3, B-HDR-5, B-RL-1
    key = new_team(rpm_limit=5)["api_key"]
    seen = []
    for _ in range(5):
        response = client.get("/v1/team", headers=auth(key))
        assert response.headers["X-RateLimit-Limit"] == response.headers["x-ratelimit-limit-requests"] == "5"
        assert response.headers["x-ratelimit-remaining-requests"] == response.headers["X-RateLimit-Remaining"]
        assert response.headers["x-ratelimit-reset-requests"] == "50s"
        assert response.headers["X-RateLimit-Reset"] == str(1782864060)  # 2026-07-01T00:01:00Z
        seen.append(int(response.headers["X-RateLimit-Remaining"]))
    assert seen == [4, 3, 2, 1, 0]


@freeze_time("2026-07-01T00:00:03Z")
def test_empty_bucket_gets_429_with_retry_after(client, mock, new_team):  # B-RL-1
    key = new_team(rpm_limit=2)["api_key"]
    client.get("/v1/team", headers=auth(key))
    client.get("/v1/team", headers=auth(key))
    refused = client.get("/v1/team", headers=auth(key))
    assert refused.status_code == 429
    assert refused.json()["error"] == {
        "code": "rate_limit_exceeded", "type": "rate_limit_error",
        "message": refused.json()["error"]["message"], "param": None,
    }
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after == 57
    assert int(refused.headers["retry-after-ms"]) <= 120_000
    reset = int(refused.headers["X-RateLimit-Reset"])
    assert abs(reset - (mock.clock.time() + retry_after)) <= 1
    client.post("/__mock/clock/advance", json={"seconds": retry_after})
    again = client.get("/v1/team", headers=auth(key))
    assert again.status_code == 200
    assert again.headers["X-RateLimit-Remaining"] == "1"


@freeze_time("2026-07-01T00:00:03Z")
def test_teams_never_share_a_bucket(client, new_team):  # B-RL-3
    first, second = new_team(rpm_limit=1)["api_key"], new_team(rpm_limit=1)["api_key"]
    assert client.get("/v1/team", headers=auth(first)).status_code == 200
    assert client.get("/v1/team", headers=auth(first)).status_code == 429
    assert client.get("/v1/team", headers=auth(second)).status_code == 200


@pytest.mark.parametrize(
    ("query", "code", "param"),
    [
        ("limit=0", "value_out_of_range", "limit"),
        ("limit=101", "value_out_of_range", "limit"),
        ("limit=ten", "invalid_type", "limit"),
        ("limit=1.5", "invalid_type", "limit"),
        ("type=gift", "invalid_format", "type"),
        ("starting_after=uev_unknown", "invalid_format", "starting_after"),
        ("starting_after=uev_01ARZ3NDEKTSV4RRFFQ69G5FAV", "resource_not_found", "starting_after"),
    ],
)
def test_bad_query_parameters_get_catalog_codes(client, query, code, param):  # B-ERR-3
    response = client.get(f"/v1/usage/events?{query}", headers=auth())
    assert response.status_code == (404 if code == "resource_not_found" else 400)
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)


def test_an_unexpected_failure_is_an_envelope_not_a_traceback(client, monkeypatch):  # B-ERR-1
    from mockserver.registry import HANDLERS

    async def broken(call):
        raise RuntimeError("boom")

    monkeypatch.setitem(HANDLERS, "getTeam", broken)
    response = client.get("/v1/team", headers=auth())
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "boom" not in response.text


@pytest.mark.parametrize("path", ["/v1/models/a%0Ab", "/__mock/health%0A", "/v1/%00", "/%E2%82%AC"])
def test_odd_paths_get_the_envelope_and_every_header(client, path):  # B-HDR-1, B-ERR-1
    response = client.get(path, headers=auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("route_not_found", "model_not_found")
