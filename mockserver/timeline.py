"""Work that comes due on the clock: a generation's outcome settled in the ledger, its events emitted.

State is derived from timestamps, so nothing here changes what a GET shows; what it performs are the
side effects of a moment passing (a charge, a release, a webhook). Due work runs before every API
request, right after `POST /__mock/clock/advance`, and from the scheduler's background task, so it
happens once, in time order, whichever way time moved (freezegun, the admin API, or the wall clock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import MockState

QUEUE = "due"
DueHandler = Callable[["MockState", dict[str, Any]], None]
DUE_HANDLERS: dict[str, DueHandler] = {}


def due(kind: str) -> Callable[[DueHandler], DueHandler]:
    """Register what to do when work of `kind` comes due."""

    def register(handler: DueHandler) -> DueHandler:
        if kind in DUE_HANDLERS:
            raise ValueError(f"two handlers for due work {kind}")
        DUE_HANDLERS[kind] = handler
        return handler

    return register


def schedule(mock: MockState, at: float, work: str, **payload: Any) -> None:
    mock.store.schedule(QUEUE, at, {"work": work, "at": at, **payload})


def run_due(mock: MockState) -> int:
    """Perform, earliest first, every piece of work due now; returns how many ran."""
    store = mock.store
    upcoming = store.next_due(QUEUE)
    ran = 0
    while upcoming is not None and upcoming <= mock.clock.time():
        for item in store.pop_due(QUEUE, mock.clock.time()):
            DUE_HANDLERS[item["work"]](mock, item)
            ran += 1
        upcoming = store.next_due(QUEUE)
    return ran
