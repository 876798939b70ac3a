"""The one clock: wall time plus an offset.

freezegun moves the wall time in-process; `POST /__mock/clock/advance` moves the offset for a server
in another process. Everything time-dependent reads this clock and derives state from timestamps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._listeners: list[Callable[[], None]] = []

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def time(self) -> float:
        """Unix time in seconds (float), offset applied."""
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset)

    def advance(self, seconds: float) -> None:
        """Move time forward, then let listeners (the scheduler) perform what has come due."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        for listener in list(self._listeners):
            listener()

    def on_advance(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def reset(self) -> None:
        self._offset = 0.0


def isoformat(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, second precision, as the seeds show (`2026-05-04T10:00:00Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_unix(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


_EPOCH = datetime(1970, 1, 1)
_LAST_SECOND = 253402300799.0  # 9999-12-31T23:59:59Z


def parse_rfc3339(value: str) -> float | None:
    """Unix seconds for an RFC 3339 full-date (midnight UTC) or date-time, clamped to 1970..9999; None if
    the text is neither. Accepts what RFC 3339 allows and `datetime.fromisoformat` does not: a lowercase
    `t`/`z` and a leap second."""
    text = value.strip().upper()
    if len(text) >= 19 and text[17:19] == "60":
        text = text[:17] + "59" + text[19:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    offset = moment.utcoffset()
    naive = moment.replace(tzinfo=None)
    seconds = (naive - _EPOCH).total_seconds() - (offset.total_seconds() if offset else 0.0)
    return min(max(seconds, 0.0), _LAST_SECOND)
