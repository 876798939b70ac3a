"""`pin_version`: the call is answered as another API version than the one it pinned (a version pin
drift): the body takes that version's shape and `Aurous-Version` says so."""

from __future__ import annotations

from typing import Any

from ...call import Call, Next
from . import Action, BuildContext, Firing, action

SCHEMA = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


@action("pin_version", SCHEMA)
def build(value: Any, context: BuildContext) -> Action:
    """Answer as API version `YYYY-MM-DD`, whatever the request pinned."""
    if not context.versions.is_valid(value):
        raise context.error(f"{value} is not a pin the API accepts (a calendar date up to the newest "
                            f"version, {context.versions.newest})")

    async def act(call: Call, call_next: Next, firing: Firing) -> None:
        call.version = value

    return act
