"""What a scenario does to a true stream, read from `call.overrides` (set by the `stream` action):

- `stream_stall`: seconds before the first event;
- `stream_delay`: seconds between events;
- `stream_cut_after`: after this many events the connection is closed, with no `[DONE]`;
- `stream_error_at`: event number N (1-based) is an `error` frame (`stream_error_code`, default
  `chat_provider_unavailable`), then `[DONE]`.

A stream's producer consults one `StreamFaults` per event, so the handler keeps one loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

DEFAULT_ERROR_CODE = "chat_provider_unavailable"


@dataclass(frozen=True, slots=True)
class StreamFaults:
    stall: float = 0.0
    delay: float = 0.0
    cut_after: int | None = None
    error_at: int | None = None
    error_code: str = DEFAULT_ERROR_CODE

    @classmethod
    def of(cls, overrides: dict[str, Any]) -> StreamFaults:
        if not overrides:
            return NONE
        return cls(
            stall=float(overrides.get("stream_stall", 0.0)),
            delay=float(overrides.get("stream_delay", 0.0)),
            cut_after=overrides.get("stream_cut_after"),
            error_at=overrides.get("stream_error_at"),
            error_code=overrides.get("stream_error_code", DEFAULT_ERROR_CODE),
        )

    async def pace(self, index: int) -> None:
        """Wait before event `index` (0-based): the stall before the first, the delay between the others."""
        wait = self.stall if index == 0 else self.delay
        if wait > 0:
            await asyncio.sleep(wait)

    def cuts_before(self, index: int) -> bool:
        """Whether the connection is cut instead of sending event `index` (0-based)."""
        return self.cut_after is not None and index >= self.cut_after

    def fails_at(self, index: int) -> bool:
        return self.error_at is not None and index + 1 == self.error_at


NONE = StreamFaults()
