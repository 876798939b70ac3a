"""`stream`: faults of a true chat stream, handed to the handler through `call.overrides` (read by
`mockserver/stream_faults.py`): a stall before the first event, a delay between events, a cut after
event N (no `[DONE]`, the connection closes), an error frame at event N."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from . import SECONDS, Action, BuildContext, Firing, action, settings

SCHEMA = settings(
    stall_s=SECONDS,
    delay_s=SECONDS,
    cut_after={"type": "integer", "minimum": 0},
    error_at={"type": "integer", "minimum": 1},
    error_code={"type": "string"},
)
KEYS = {"stall_s": "stream_stall", "delay_s": "stream_delay", "cut_after": "stream_cut_after",
        "error_at": "stream_error_at", "error_code": "stream_error_code"}


@action("stream", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Stall, slow, cut or break a chat stream: `{stall_s, delay_s, cut_after, error_at, error_code}`."""
    if "error_code" in value:
        context.require_code(value["error_code"], "error_code")
    overrides = {KEYS[name]: setting for name, setting in value.items()}

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        call.overrides.update(overrides)

    return act
