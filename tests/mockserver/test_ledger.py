"""The ledger stays bounded (B-ACCT-2): past a team's line limit its settled past is folded into one
`adjustment` line, and the balance, the open holds and the listing's sum do not change."""

from __future__ import annotations

import math

from conftest import CheckedClient, auth

from mockserver import create_app
from mockserver.clock import Clock
from mockserver.ids import IdFactory
from mockserver.ledger import SIGNS, Ledger
from mockserver.store import MemoryStore


def test_folding_keeps_the_balance_and_every_open_hold():
    clock = Clock()
    ledger = Ledger(MemoryStore(), clock, IdFactory(clock), lines_kept=20)
    ledger.record("t", "topup", 1000, "Opening balance")
    open_hold = None
    for number in range(30):
        hold = ledger.record("t", "hold", 1.25, f"hold {number}", generation_id=f"img_{number}")
        if number == 3:
            open_hold = hold  # never settled: folding must stop before it
            continue
        ledger.record("t", "release", 1.25, "release", generation_id=f"img_{number}", hold_id=hold["id"])
        ledger.record("t", "charge", 1.25, "charge", generation_id=f"img_{number}", hold_id=hold["id"])
    lines = ledger.lines("t")
    assert len(lines) <= 20 + 1
    assert open_hold in lines and ledger.held("t") == 1.25
    assert ledger.balance("t") == 1000 - 29 * 1.25 - 1.25
    assert math.isclose(math.fsum(SIGNS[line["type"]] * line["amount"] for line in lines), ledger.balance("t"))
    assert lines[0]["type"] == "adjustment" and lines[0]["description"].startswith("Carried forward")


def test_a_long_lived_team_keeps_a_bounded_listing_that_sums_to_its_balance():
    app = create_app()
    mock = app.state.mock
    mock.ledger = Ledger(mock.store, mock.clock, mock.ids, lines_kept=12)
    with CheckedClient(app) as client:
        key = client.post("/__mock/teams", json={"balance": 100}).json()["api_key"]
        for _ in range(10):
            client.post("/v1/images", json={"prompt": "a cat"}, headers=auth(key))
            client.post("/__mock/clock/advance", json={"seconds": 31})
        lines = client.get("/v1/usage/events?limit=100", headers=auth(key)).json()["data"]
        balance = client.get("/v1/balance", headers=auth(key)).json()
    assert len(lines) <= 13 and lines[-1]["type"] == "adjustment"
    assert balance["balance"] == 90 == math.fsum(SIGNS[line["type"]] * line["amount"] for line in lines)
