"""Account and metering: team, balance, usage totals and the ledger (B-ACCT-1, B-ACCT-2)."""

from __future__ import annotations

import math

from conftest import auth

SIGNS = {"hold": -1, "charge": -1, "release": 1, "refund": 1, "topup": 1, "adjustment": 1}


def test_team_shows_its_limits_and_pin(client, new_team):  # B-ACCT-1
    team = new_team(name="Acme", rpm_limit=42, tpm_limit=9000, default_api_version="2026-05-22")
    body = client.get("/v1/team", headers=auth(team["api_key"])).json()
    assert body["id"] == team["team_id"]
    assert (body["name"], body["rpm_limit"], body["tpm_limit"], body["default_api_version"]) == (
        "Acme", 42, 9000, "2026-05-22")


def test_balance_is_the_signed_sum_of_the_ledger(client, mock, new_team):  # B-ACCT-2
    team = new_team(balance=250)
    key = team["api_key"]
    # Later issues write holds and charges through the same ledger; write some here to check the sums.
    ledger = mock.ledger
    ledger.record(team["team_id"], "hold", 12.5, "Image hold", generation_id="img_x", hold_id="hold_1")
    ledger.record(team["team_id"], "release", 12.5, "Image hold released", generation_id="img_x", hold_id="hold_1")
    ledger.record(team["team_id"], "charge", 12.5, "Image", generation_id="img_x", hold_id="hold_1",
                  usage_kind="image")
    ledger.record(team["team_id"], "hold", 3, "Video hold", generation_id="vid_y", hold_id="hold_2")
    ledger.record(team["team_id"], "adjustment", -0.25, "Correction")
    events = client.get("/v1/usage/events?limit=100", headers=auth(key)).json()["data"]
    total = math.fsum(SIGNS[e["type"]] * e["amount"] for e in events)
    balance = client.get("/v1/balance", headers=auth(key)).json()
    assert balance["balance"] == round(total, 6) == 250 - 12.5 - 3 - 0.25
    assert balance["held"] == 3
    assert all("balance_before" not in e and "balance_after" not in e for e in events)
    usage = client.get("/v1/usage", headers=auth(key)).json()
    assert usage["credits_charged"] == 12.5
    assert usage["by_kind"]["image"] == 12.5
    assert usage["credits_held"] == 3
    assert usage["events"] == 6


def test_usage_events_page_newest_first(client, mock, new_team):  # B-ACCT-2
    team = new_team(balance=10)
    for index in range(5):
        mock.ledger.record(team["team_id"], "topup", index + 1, f"Top-up {index}")
    key = team["api_key"]
    first = client.get("/v1/usage/events?limit=4", headers=auth(key)).json()
    assert first["has_more"] is True
    assert [e["amount"] for e in first["data"]] == [5, 4, 3, 2]
    rest = client.get(f"/v1/usage/events?limit=4&starting_after={first['data'][-1]['id']}", headers=auth(key)).json()
    assert [e["amount"] for e in rest["data"]] == [1, 10]
    assert rest["has_more"] is False
    only = client.get("/v1/usage/events?type=topup&limit=1", headers=auth(key)).json()
    assert only["data"][0]["type"] == "topup"


def test_usage_period_filters_and_an_inverted_period_is_empty(client, new_team):  # B-ACCT-1
    key = new_team(balance=5)["api_key"]
    everything = client.get("/v1/usage", headers=auth(key)).json()
    assert everything["events"] == 1  # the opening top-up
    empty = client.get("/v1/usage?start=2020-01-01&end=2020-02-01", headers=auth(key)).json()
    assert empty["events"] == 0 and empty["credits_charged"] == 0
    inverted = client.get("/v1/usage?start=2099-02-01&end=2000-01-01T10:00:00%2B02:00", headers=auth(key))
    assert inverted.status_code == 200
    assert (inverted.json()["events"], inverted.json()["start"], inverted.json()["end"]) == (
        0, "2099-02-01T00:00:00Z", "2000-01-01T08:00:00Z")
    malformed = client.get("/v1/usage?start=yesterday", headers=auth(key))
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "invalid_format"


def test_ledgers_are_per_team(client, new_team):  # B-ACCT-2
    first, second = new_team(balance=1), new_team(balance=2)
    assert client.get("/v1/balance", headers=auth(first["api_key"])).json()["balance"] == 1
    assert client.get("/v1/balance", headers=auth(second["api_key"])).json()["balance"] == 2
