"""`error`: answer with a catalog error by code; status, type, message and headers come from the catalog
(`fixtures/errors.yaml`), a `message` or extra `headers` (e.g. `Retry-After`) may be given. A 429 always
carries `Retry-After` and `retry-after-ms` (1 s unless given), as the contract requires (B-RL-1)."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from ...errors import ApiError
from . import Action, BuildContext, Firing, action

SCHEMA = {
    "oneOf": [
        {"type": "string", "pattern": "^[a-z0-9_]+$"},
        {"type": "object", "additionalProperties": False, "required": ["code"], "properties": {
            "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
            "message": {"type": "string", "minLength": 1},
            "param": {"type": "string"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        }},
    ]
}


@action("error", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Answer with a catalog error: `error: chat_provider_unavailable` or `{code, message, param, headers}`."""
    spec = {"code": value} if isinstance(value, str) else value
    context.require_code(spec["code"], *(() if isinstance(value, str) else ("code",)))
    code, message, param = spec["code"], spec.get("message"), spec.get("param")
    headers = dict(spec.get("headers") or {})
    if context.errors.spec(code).status == 429:
        given = {name.lower() for name in headers}
        if "retry-after" not in given:
            headers["Retry-After"] = "1"
        if "retry-after-ms" not in given:
            headers["retry-after-ms"] = "1000"

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        raise ApiError(code, message, param=param, headers=dict(headers))

    return act
