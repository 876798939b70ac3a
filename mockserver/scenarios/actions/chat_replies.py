"""`chat_replies`: chat completions answer these texts in order, one per firing (then the mock's own
replies resume); cut by `max_tokens` and `stop` like any reply, streamed or not."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from . import Action, BuildContext, Firing, action

SCHEMA = {"type": "array", "minItems": 1, "items": {"type": "string"}}


@action("chat_replies", SCHEMA, max_firings=len)
def build(value: Any, context: BuildContext) -> Action:
    """Chat replies in order: the nth firing answers the nth text."""
    replies = list(value)

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        call.overrides["chat_reply"] = replies[firing.fired - 1]

    return act
