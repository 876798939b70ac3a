"""The scenario stage: rules of the active scenarios fire here, after validation (a scripted fault
answers a request the API would have accepted), before the handler. See `mockserver/scenarios/`."""

from __future__ import annotations

from starlette.responses import Response

from ..call import Call, Next
from ..scenarios.engine import apply


async def run_scenarios(call: Call, call_next: Next) -> Response:
    return await apply(call, call_next)
