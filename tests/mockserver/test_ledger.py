"""The ledger stays bounded (B-ACCT-2): past a team's line limit its settled past is folded into one
`adjustment` line, and the balance, the open holds and the listing's sum do not change."""

from __future__ import annotations

import math

from conftest import CheckedClient, auth
from hypothesis import given
from hypothesis import strategies as st

from mockserver import create_app
from mockserver.clock import Clock
from mockserver.ids import IdFactory
from mockserver.ledger import SIGNS, Ledger, credits
from mockserver.store import MemoryStore


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_credits_are_shown_to_six_decimals(value):
    shown = credits(value)
    assert math.isclose(shown, round(value, 6), rel_tol=1e-15, abs_tol=1.0001e-6)  # the same but at exact ties
    assert abs(shown - value) <= 5.0001e-7 + abs(value) * 1e-15
    assert shown == round(shown * 1e6) / 1e6 and math.copysign(1, shown) == (-1 if shown < 0 else 1)
    assert len(repr(shown).partition(".")[2].partition("e")[0]) <= 6 or "e" in repr(shown)


def test_credits_of_an_amount_no_double_holds_are_returned_as_they_are():
    assert credits(math.inf) == math.inf and math.isnan(credits(math.nan))


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
