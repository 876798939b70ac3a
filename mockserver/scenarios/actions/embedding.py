"""`embedding`: embeddings return this vector, cut or padded with zeros to the requested dimension and
scaled to unit length."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from . import Action, BuildContext, Firing, action

SCHEMA = {"type": "array", "minItems": 1, "maxItems": 8192, "items": {"type": "number"}}


@action("embedding", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """A scripted embedding vector."""
    if not any(value):
        raise context.error("a vector of zeros has no direction")
    vector = [float(v) for v in value]

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        call.overrides["embedding_vector"] = vector

    return act
