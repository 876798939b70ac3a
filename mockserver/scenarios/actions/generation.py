"""`generation`: steer the generation a request creates (images, videos, characters; B-IMG-2, B-CHAR-1):
its time to `processing` and to its terminal state, and its outcome, through `call.overrides`:

- `generation_timing`: `{"to_processing_s", "to_terminal_s"}` (seconds on the mock's clock; a missing
  key keeps the default);
- `generation_outcome`: `{"status": "succeeded" | "failed", "error_message"}` (for a character,
  `succeeded` is `ready`).

A stuck generation is a `to_terminal_s` far away; a moderated one is `failed` with the moderation
message (`moderation_rejected` is never a wire value, B-IMG-2)."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from . import Action, BuildContext, Firing, action, settings

_CLOCK_SECONDS = {"type": "number", "minimum": 0, "maximum": 400 * 24 * 3600}  # on the mock's clock
SCHEMA = settings(
    to_processing_s=_CLOCK_SECONDS,
    to_terminal_s=_CLOCK_SECONDS,
    status={"enum": ["succeeded", "failed"]},  # a cancel is the client's act, never the platform's
    error_message={"type": "string", "minLength": 1},
)


@action("generation", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Timing and outcome of a generation: `{to_processing_s, to_terminal_s, status, error_message}`."""
    if "error_message" in value and value.get("status") != "failed":
        raise context.error("an error_message needs status: failed", "error_message")
    if value.get("to_processing_s", 0) > value.get("to_terminal_s", float("inf")):
        raise context.error("processing cannot start after the terminal state", "to_processing_s")
    timing = {k: value[k] for k in ("to_processing_s", "to_terminal_s") if k in value}
    outcome = {k: value[k] for k in ("status", "error_message") if k in value}

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        if timing:
            call.overrides["generation_timing"] = dict(timing)
        if outcome:
            call.overrides["generation_outcome"] = dict(outcome)

    return act
