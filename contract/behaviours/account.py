"""Account and metering (B-ACCT-1, B-ACCT-2; B-ACCT-3 is with the generations in images.py)."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..errors import Skipped
from ..registry import check
from ..target import Target

EVENT_FIELDS = {"id", "type", "amount", "currency", "generation_id", "hold_id", "description", "created_at"}
SIGN = {"hold": -1, "charge": -1, "release": 1, "refund": 1, "topup": 1}
MAX_PAGES = 20


@check("B-ACCT-1")
def team_balance_usage(ctx: Context) -> None:
    for path in ("/v1/team", "/v1/balance", "/v1/usage"):
        ex = ctx.call("GET", path)
        ctx.expect_status(ex, 200)
        ctx.expect(isinstance(ex.json(), dict) and ex.json(), f"a JSON object from {path}", ex.body[:120], ex)


def ledger(ctx: Context, target: Target) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    for _ in range(MAX_PAGES):
        params = {"limit": 100, **({"starting_after": after} if after else {})}
        ex = target.request("GET", "/v1/usage/events", params=params)
        ctx.expect_status(ex, 200)
        page = ex.json().get("data", [])
        items += page
        if not ex.json().get("has_more") or not page:
            return items
        after = page[-1]["id"]
    raise Skipped(f"the ledger has more than {MAX_PAGES * 100} lines; not summed")


def signed_sum(items: list[dict[str, Any]]) -> float:
    return sum(i["amount"] * SIGN.get(i["type"], 1) for i in items)


@check("B-ACCT-2", paid=True)
def usage_events_sum_to_the_balance(ctx: Context) -> None:
    team = ctx.team(balance=500) if ctx.caps.admin else ctx.target
    ctx.expect_status(ctx.chat("Say hi", target=team), 200)
    items = ledger(ctx, team)
    for item in items:
        ctx.expect(EVENT_FIELDS <= set(item) and not {"balance_before", "balance_after"} & set(item),
                   f"line items with {sorted(EVENT_FIELDS)} and no balance_before/after", sorted(item))
        ctx.expect(item["type"] in (*SIGN, "adjustment"), "type hold/charge/release/refund/topup/adjustment",
                   item["type"])
    balance = team.request("GET", "/v1/balance")
    if ctx.caps.admin is not None:  # a staging team's ledger may move under the run (other traffic)
        ctx.expect(abs(signed_sum(items) - balance.json()["balance"]) < 1e-6,
                   "the signed sum of the ledger equal to the balance",
                   f"sum {signed_sum(items)} vs balance {balance.json()['balance']}", balance)
