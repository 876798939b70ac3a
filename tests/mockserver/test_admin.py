"""The admin API under /__mock: health, reset, teams, clock, journal, admin token."""

from __future__ import annotations

import pytest
from conftest import DEFAULT_KEY, CheckedClient, auth
from freezegun import freeze_time

from mockserver import create_app


def test_health(client):
    body = client.get("/__mock/health").json()
    assert body["status"] == "ok"
    assert "listModels" in body["served_operations"]


def test_reset_forgets_teams_clock_and_journal(client, new_team):
    key = new_team()["api_key"]
    client.post("/__mock/clock/advance", json={"seconds": 3600})
    assert client.post("/__mock/reset").status_code == 200
    assert client.get("/v1/team", headers=auth(key)).status_code == 401
    assert client.get("/__mock/clock").json()["offset_seconds"] == 0
    assert [e["status"] for e in client.get("/__mock/requests").json()["data"]] == [401]
    assert client.get("/v1/team", headers=auth()).status_code == 200  # fixture teams are back


def test_created_teams_are_isolated_and_carry_their_settings(client, new_team):
    team = new_team(rpm_limit=7, tpm_limit=70, balance=12.5, default_api_version="2026-05-15")
    assert team["api_key"].startswith("al_live_") and len(team["api_key"]) == 72
    response = client.get("/v1/balance", headers=auth(team["api_key"]))
    assert response.json()["balance"] == 12.5
    assert response.headers["X-RateLimit-Limit"] == "7"
    assert response.headers["Aurous-Version"] == "2026-05-15"
    assert new_team()["api_key"] != team["api_key"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"rpm_limit": 0}, "value_out_of_range"),
        ({"rpm_limit": "many"}, "invalid_type"),
        ({"balance": -1}, "value_out_of_range"),
        ({"default_api_version": "2026-5-1"}, "invalid_format"),
        ({"default_api_version": "2099-01-01"}, "unknown_api_version"),
        ({"colour": "red"}, "unknown_field"),
        ({"scenarios": ["no-such-scenario"]}, "invalid_format"),
        ([], "invalid_type"),
    ],
)
def test_bad_team_bodies_are_refused(client, body, code):
    response = client.post("/__mock/teams", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_clock_advances_and_refuses_bad_input(client):
    start = client.get("/__mock/clock").json()
    moved = client.post("/__mock/clock/advance", json={"seconds": 90.5}).json()
    assert moved["offset_seconds"] == start["offset_seconds"] + 90.5
    assert moved["now"] > start["now"]
    for body in ({"seconds": -1}, {"seconds": 0}, {}, {"seconds": "1"}, {"seconds": 10**12}):
        response = client.post("/__mock/clock/advance", json=body)
        assert response.status_code == 400, body
    junk = client.post("/__mock/clock/advance", content=b"{not json", headers={"Content-Type": "application/json"})
    assert junk.json()["error"]["code"] == "invalid_json"


def test_journal_records_requests_newest_last_with_keys_redacted(client):
    client.get("/v1/team", headers=auth())
    client.get("/v1/models", headers={"Authorization": f"Bearer {DEFAULT_KEY}", "Aurous-Version": "2026-05-15"})
    client.get("/v1/nowhere")
    entries = client.get("/__mock/requests").json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in entries[-3:]] == [
        ("GET", "/v1/team", 200), ("GET", "/v1/models", 200), ("GET", "/v1/nowhere", 404)]
    assert entries[-2]["operation"] == "listModels" and entries[-2]["version"] == "2026-05-15"
    assert entries[-3]["team_id"] == "team_default"
    text = client.get("/__mock/requests").text
    assert DEFAULT_KEY not in text
    assert entries[-3]["headers"]["x-api-key"] == "al_live_…" + DEFAULT_KEY[-4:]
    only = client.get("/__mock/requests?team_id=team_default").json()["data"]
    assert {e["team_id"] for e in only} == {"team_default"}


def test_admin_token_guards_the_admin_api_but_not_the_api():
    with CheckedClient(create_app(admin_token="s3cret")) as guarded:
        refused = guarded.get("/__mock/health")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "admin_unauthorized"
        assert guarded.get("/__mock/health", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert guarded.get("/v1/team", headers=auth()).status_code == 200


def test_admin_errors_use_the_envelope(client):
    assert client.get("/__mock/reset").json()["error"]["code"] == "method_not_allowed"
    assert client.get("/__mock/unknown").json()["error"]["code"] == "route_not_found"
    missing = client.post("/__mock/teams/team_nope/rotate_key", json={"api_key": DEFAULT_KEY})
    assert missing.status_code == 404


def test_revoked_key_is_refused_at_once(client, new_team):  # B-AUTH-3
    team = new_team()
    revoked = client.post(f"/__mock/teams/{team['team_id']}/revoke_key", json={"api_key": team["api_key"]})
    assert revoked.status_code == 200
    assert client.get("/v1/team", headers=auth(team["api_key"])).status_code == 401


def test_webhook_deliveries_list_starts_empty(client):
    assert client.get("/__mock/webhooks/deliveries").json() == {"object": "list", "data": []}


def test_the_clock_never_moves_past_the_year_9999(client):
    with freeze_time("9999-12-30T00:00:00Z"):
        assert client.post("/__mock/clock/advance", json={"seconds": 86400}).status_code == 200
        response = client.post("/__mock/clock/advance", json={"seconds": 86400})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "value_out_of_range"
        assert client.get("/__mock/clock").json()["now"] == "9999-12-31T00:00:00Z"
        assert client.get("/v1/team", headers=auth()).status_code == 200


def test_admin_bodies_have_a_size_limit(client):
    response = client.post("/__mock/teams", json={"name": "x" * 100_000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_admin_failures_are_envelopes_not_tracebacks(client, mock, monkeypatch):
    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(mock, "reset", broken)
    response = client.post("/__mock/reset")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["Aurous-Request-Id"].startswith("req_")


def test_integral_float_limits_are_stored_as_integers(client, new_team):
    team = new_team(rpm_limit=5.0)
    assert client.get("/v1/team", headers=auth(team["api_key"])).json()["rpm_limit"] == 5


def test_a_bad_team_pin_names_the_field(client):
    error = client.post("/__mock/teams", json={"default_api_version": "2026-02-30"}).json()["error"]
    assert (error["code"], error["param"]) == ("invalid_api_version", "default_api_version")
