"""`rate_limit`: drain the team's bucket for the current minute (B-RL-1, B-RL-2). `drain: requests`
spends what remains of the RPM bucket and refuses this call with the real 429; later calls in the
minute are refused by the limiter itself. `drain: tokens` empties the TPM bucket, so this call (chat,
embeddings) and the next ones in the minute get `tokens_rate_limit_exceeded`."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from ...errors import ApiError
from ...token_bucket import drain
from . import Action, BuildContext, Firing, action

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["drain"],
          "properties": {"drain": {"enum": ["requests", "tokens"]}}}


@action("rate_limit", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Drain the team's `requests` (RPM) or `tokens` (TPM) bucket for this minute."""
    bucket = "rpm" if value["drain"] == "requests" else "tpm"

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        if call.team is None:
            return
        refusal: ApiError | None = drain(call, bucket)
        if refusal is not None:
            raise refusal

    return act
