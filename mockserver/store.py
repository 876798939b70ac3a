"""State behind one interface.

Resource modules and pipeline stages keep everything they remember here, as JSON-able values in
named namespaces, so a persistent (SQLite) or shared (Redis) backend can replace the in-memory one
without touching them. Every method is synchronous and atomic with respect to the event loop.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterable
from typing import Any, Protocol


class Store(Protocol):
    def get(self, namespace: str, key: str) -> Any | None: ...
    def put(self, namespace: str, key: str, value: Any) -> None: ...
    def put_if_absent(self, namespace: str, key: str, value: Any) -> bool: ...
    def delete(self, namespace: str, key: str) -> bool: ...
    def values(self, namespace: str) -> Iterable[Any]: ...
    def incr(self, namespace: str, key: str, amount: float, expires_at: float, now: float) -> float:
        """Add to a counter that disappears at `expires_at` (rate-limit windows)."""
        ...
    def append(self, log: str, value: Any, bounded: bool = False) -> None:
        """Add to a log, oldest first; a bounded log (the journal) forgets its oldest entries."""
        ...
    def read(self, log: str, start: int = 0) -> list[Any]:
        """Entries from position `start` on (append-only logs: a reader can resume where it stopped)."""
        ...
    def length(self, log: str) -> int:
        """How many entries a log holds."""
        ...
    def splice(self, log: str, count: int, replacement: list[Any]) -> None:
        """Replace the oldest `count` entries of an unbounded log (the ledger folding its settled past)."""
        ...
    def schedule(self, queue: str, due_at: float, value: Any) -> None:
        """Remember work that comes due at a moment of the clock (generation outcomes, webhook attempts)."""
        ...
    def pop_due(self, queue: str, now: float) -> list[Any]:
        """Take out, earliest first, the work due at or before `now`."""
        ...
    def next_due(self, queue: str) -> float | None:
        """When the earliest remaining work of the queue comes due; None when there is none."""
        ...
    def trim(self, namespace: str, limit: int) -> int:
        """Forget the oldest-written values of a namespace beyond `limit`; returns how many were forgotten."""
        ...
    def clear(self) -> None: ...


class MemoryStore:
    """The embedded default. The journal is bounded so a long-running mock keeps flat memory."""

    def __init__(self, log_limit: int = 10_000) -> None:
        self._log_limit = log_limit
        self._data: dict[str, dict[str, Any]] = {}
        self._logs: dict[str, deque[Any] | list[Any]] = {}
        self._counters: dict[str, dict[str, tuple[float, float]]] = {}
        self._queues: dict[str, list[tuple[float, int, Any]]] = {}
        self._order = itertools.count()  # ties at one moment keep the order they were scheduled in

    def get(self, namespace: str, key: str) -> Any | None:
        bucket = self._data.get(namespace)
        return None if bucket is None else bucket.get(key)

    def put(self, namespace: str, key: str, value: Any) -> None:
        self._data.setdefault(namespace, {})[key] = value

    def put_if_absent(self, namespace: str, key: str, value: Any) -> bool:
        bucket = self._data.setdefault(namespace, {})
        if key in bucket:
            return False
        bucket[key] = value
        return True

    def delete(self, namespace: str, key: str) -> bool:
        return self._data.get(namespace, {}).pop(key, None) is not None

    def values(self, namespace: str) -> Iterable[Any]:
        return list(self._data.get(namespace, {}).values())

    def incr(self, namespace: str, key: str, amount: float, expires_at: float, now: float) -> float:
        bucket = self._counters.setdefault(namespace, {})
        value, expiry = bucket.get(key, (0.0, expires_at))
        if expiry <= now:
            value, expiry = 0.0, expires_at
        value += amount
        bucket[key] = (value, expiry)
        if len(bucket) > 4 * self._log_limit:
            for stale in [k for k, (_, exp) in bucket.items() if exp <= now]:
                del bucket[stale]
        return value

    def append(self, log: str, value: Any, bounded: bool = False) -> None:
        entries = self._logs.get(log)
        if entries is None:
            # Unbounded logs are lists so that reading from a position is a slice, not a walk.
            entries = self._logs[log] = deque(maxlen=self._log_limit) if bounded else []
        entries.append(value)

    def read(self, log: str, start: int = 0) -> list[Any]:
        entries = self._logs.get(log)
        if entries is None:
            return []
        if isinstance(entries, list):
            return entries[start:]
        return list(entries)[start:]

    def length(self, log: str) -> int:
        return len(self._logs.get(log, ()))

    def splice(self, log: str, count: int, replacement: list[Any]) -> None:
        entries = self._logs.get(log)
        if not isinstance(entries, list):
            raise ValueError(f"{log} is not an unbounded log")
        entries[:count] = replacement

    def schedule(self, queue: str, due_at: float, value: Any) -> None:
        heapq.heappush(self._queues.setdefault(queue, []), (due_at, next(self._order), value))

    def pop_due(self, queue: str, now: float) -> list[Any]:
        heap = self._queues.get(queue)
        due: list[Any] = []
        while heap and heap[0][0] <= now:
            due.append(heapq.heappop(heap)[2])
        return due

    def next_due(self, queue: str) -> float | None:
        heap = self._queues.get(queue)
        return heap[0][0] if heap else None

    def trim(self, namespace: str, limit: int) -> int:
        bucket = self._data.get(namespace)
        if bucket is None or len(bucket) <= limit:
            return 0
        excess = len(bucket) - limit
        for key in list(itertools.islice(bucket, excess)):  # dicts keep insertion order: oldest first
            del bucket[key]
        return excess

    def clear(self) -> None:
        self._queues.clear()
        self._data.clear()
        self._logs.clear()
        self._counters.clear()
