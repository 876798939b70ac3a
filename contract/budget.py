"""Credits the run may spend on a target that bills (`--budget-credits`), and what it did spend."""

from __future__ import annotations

from typing import Any

from .errors import Skipped


class Budget:
    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.spent = 0.0

    @property
    def remaining(self) -> float:
        return max(self.limit - self.spent, 0.0)

    def reserve(self, estimate: float) -> None:
        """Refuse (skip the check) when a paid call estimated at `estimate` credits would pass the budget."""
        if self.spent + estimate > self.limit:
            raise Skipped(f"the budget of {self.limit:g} credits does not allow this call "
                          f"(spent {self.spent:.4f}, needs about {estimate:g})")

    def record(self, body: Any) -> float:
        """Count what a response says it charged: chat/embedding usage, a generation's cost."""
        if not isinstance(body, dict):
            return 0.0
        charged = 0.0
        usage = body.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("credits_charged"), int | float):
            charged = float(usage["credits_charged"])
        cost = body.get("cost")
        if isinstance(cost, dict) and isinstance(cost.get("amount"), int | float):
            charged = float(cost["amount"])
        self.spent += charged
        return charged
