"""`tool_calls`: the chat completion calls these functions with these arguments (`finish_reason:
tool_calls`), whatever the request's tools, so a test can drive an agent loop."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from . import Action, BuildContext, Firing, action

SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "arguments": {"type": "object"},
    }},
}


@action("tool_calls", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Scripted tool calls: `[{name, arguments}]`."""
    calls = [{"name": item["name"], "arguments": item.get("arguments", {})} for item in value]

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        call.overrides["chat_tool_calls"] = calls

    return act
