"""`latency`: wait before the call goes on, a fixed time or drawn (seeded) from a uniform or log-normal
distribution; `max` caps a draw. The wait drawn is in the journal (`latency_s`)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from ...call import Call, Next
from . import SECONDS, Action, BuildContext, Firing, action, settings

SCHEMA = settings(
    fixed=SECONDS,
    uniform={"type": "array", "items": SECONDS, "minItems": 2, "maxItems": 2},
    lognormal={"type": "object", "additionalProperties": False, "required": ["median", "sigma"],
               "properties": {"median": SECONDS, "sigma": {"type": "number", "minimum": 0, "maximum": 5}}},
    max=SECONDS,
)


@action("latency", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Wait `{fixed: s}`, `{uniform: [low, high]}` or `{lognormal: {median, sigma}}` seconds (`max` caps)."""
    shapes = [name for name in ("fixed", "uniform", "lognormal") if name in value]
    if len(shapes) != 1:
        raise context.error("give exactly one of fixed, uniform, lognormal")
    shape = shapes[0]
    if shape == "uniform" and value["uniform"][0] > value["uniform"][1]:
        raise context.error("the low end is above the high end", "uniform")
    cap = value.get("max", 600.0)

    def draw(firing: Firing) -> float:
        if shape == "fixed":
            return float(value["fixed"])
        if shape == "uniform":
            low, high = value["uniform"]
            return firing.rng.uniform(low, high)
        params = value["lognormal"]
        if params["median"] <= 0:
            return 0.0
        return firing.rng.lognormvariate(math.log(params["median"]), params["sigma"])

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        seconds = round(min(cap, draw(firing)), 6)
        firing.note["latency_s"] = seconds
        await asyncio.sleep(seconds)

    return act
