"""The usage ledger (B-ACCT-2, B-ACCT-3): line items whose signed sum is the balance.

Amounts are positive and the type gives the sign (hold and charge debit; release, refund and topup
credit), except `adjustment`, whose amount carries its own sign.
"""

from __future__ import annotations

import math
from typing import Any

from .clock import Clock, from_unix, isoformat
from .ids import IdFactory
from .store import Store

LINES_KEPT = 10_000  # per team; beyond it the settled past is folded into one line (bounded memory)
SIGNS = {"hold": -1, "charge": -1, "release": 1, "refund": 1, "topup": 1, "adjustment": 1}
LEDGER_TYPES = tuple(SIGNS)


def credits(value: float) -> float:
    """Credits are shown to six decimals, as on the receipts in the seeds (0.2856). Rounded as whole
    millionths, a third of the cost of `round(value, 6)` (which formats the number in decimal) and the same
    result but at exact ties; never -0.0."""
    try:
        return round(value * 1e6) / 1e6
    except (OverflowError, ValueError):  # inf or nan: no amount the API takes, but never a 500
        return value


class Ledger:
    def __init__(self, store: Store, clock: Clock, ids: IdFactory, lines_kept: int = LINES_KEPT) -> None:
        self._lines_kept = lines_kept
        self._store = store
        self._clock = clock
        self._ids = ids
        self._sums: dict[str, tuple[int, float]] = {}  # team -> (lines summed, their signed sum)
        self._next_fold: dict[str, int] = {}  # team -> length below which folding again is not worth it

    def reset(self) -> None:
        self._sums.clear()
        self._next_fold.clear()

    def record(
        self,
        team_id: str,
        kind: str,
        amount: float,
        description: str,
        *,
        generation_id: str | None = None,
        hold_id: str | None = None,
        usage_kind: str | None = None,
        at: float | None = None,
    ) -> dict[str, Any]:
        """`at` dates a line written for a moment already past (a generation settled when its time came)."""
        if kind not in SIGNS:
            raise ValueError(f"unknown ledger type {kind}")
        line = {
            "id": self._ids.new("uev"),
            "object": "usage_event",
            "type": kind,
            "amount": credits(amount),
            "currency": "credit",
            "generation_id": generation_id,
            "hold_id": hold_id,
            "description": description,
            "_at": self._clock.time() if at is None else at,
            "_usage_kind": usage_kind,
        }
        key = f"ledger:{team_id}"
        self._store.append(key, line)
        if self._store.length(key) > self._lines_kept:
            self.fold(team_id)
        return line

    def fold(self, team_id: str) -> int:
        """Fold the settled lines of the oldest half of the team's ledger into one `adjustment` that carries
        their signed sum; holds still open stay as they are. The balance and the open holds do not change and
        the ledger stays bounded. Returns how many lines were folded."""
        key = f"ledger:{team_id}"
        lines = self._store.read(key)
        if len(lines) <= self._next_fold.get(team_id, 0):
            return 0  # folding just now left too many open holds to be worth another pass yet
        closed = {line["hold_id"] for line in lines if line["type"] in ("charge", "release")}
        cut = len(lines) // 2
        still_open = [line for line in lines[:cut]
                      if line["type"] == "hold" and (line["hold_id"] or line["id"]) not in closed]
        keep = {id(line) for line in still_open}
        folded = [line for line in lines[:cut] if id(line) not in keep]
        if len(folded) < 2:
            self._next_fold[team_id] = len(lines) + self._lines_kept // 2
            return 0
        carried = {
            "id": self._ids.new("uev"), "object": "usage_event", "type": "adjustment",
            "amount": credits(math.fsum(SIGNS[line["type"]] * line["amount"] for line in folded)),
            "currency": "credit", "generation_id": None, "hold_id": None,
            "description": f"Carried forward: the sum of {len(folded)} earlier line items",
            "_at": folded[-1]["_at"], "_usage_kind": None,
        }
        self._store.splice(key, cut, [carried, *still_open])
        self._sums.pop(team_id, None)  # positions moved: sum afresh
        self._next_fold[team_id] = len(lines) - len(folded) + 1 + self._lines_kept // 4
        return len(folded)

    def lines(self, team_id: str) -> list[dict[str, Any]]:
        """Oldest first."""
        return self._store.read(f"ledger:{team_id}")

    def balance(self, team_id: str) -> float:
        """The signed sum of the lines: derived, never stored, so it cannot drift from them. The ledger is
        append-only, so the sum so far is remembered and only newer lines are added to it."""
        seen, total = self._sums.get(team_id, (0, 0.0))
        new = self._store.read(f"ledger:{team_id}", seen)
        if new:
            total = math.fsum([total, *(SIGNS[line["type"]] * line["amount"] for line in new)])
            self._sums[team_id] = (seen + len(new), total)
        return credits(total)

    def held(self, team_id: str) -> float:
        """Holds not yet turned into a charge or released."""
        return open_holds(self.lines(team_id))


def open_holds(lines: list[dict[str, Any]]) -> float:
    closed = {line["hold_id"] for line in lines if line["type"] in ("charge", "release")}
    return credits(math.fsum(
        line["amount"] for line in lines if line["type"] == "hold" and (line["hold_id"] or line["id"]) not in closed
    ))


def public(line: dict[str, Any]) -> dict[str, Any]:
    """A ledger line as the API shows it (without the mock's bookkeeping fields). The time is
    formatted here, on read, so writing a line stays cheap on the request path."""
    shown = {k: v for k, v in line.items() if not k.startswith("_")}
    shown["created_at"] = isoformat(from_unix(line["_at"]))
    return shown
