"""The scenario stage: rules of the active scenarios fire here, after validation (a scripted fault
answers a request the API would have accepted), before the handler. See `mockserver/scenarios/`."""

from __future__ import annotations

from ..scenarios.engine import apply

run_scenarios = apply  # the stage is the engine's entry point itself: no extra frame per request
