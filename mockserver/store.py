"""State behind one interface.

Resource modules and pipeline stages keep everything they remember here, as JSON-able values in
named namespaces, so a persistent (SQLite) or shared (Redis) backend can replace the in-memory one
without touching them. Every method is synchronous and atomic with respect to the event loop.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict, deque
from collections.abc import Iterable
from typing import Any, Protocol


class Store(Protocol):
    def get(self, namespace: str, key: str) -> Any | None: ...
    def put(self, namespace: str, key: str, value: Any) -> None: ...
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
    def claim_live(self, namespace: str, key: str, value: Any, expires_at: float, now: float) -> Any | None:
        """Put `value` unless a value that has not expired is there: None when claimed, else that value.
        The check and the put are one step (Redis: `SET NX PX`), so two requests cannot both claim."""
        ...
    def put_live(self, namespace: str, key: str, value: Any, expires_at: float, now: float, size: int = 0) -> None:
        """Set a value that is forgotten at `expires_at`, or earlier, oldest first, when the namespace
        holds more than its byte budget (`size` is what this value counts against it)."""
        ...
    def drop_live(self, namespace: str, key: str) -> None: ...
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
    def trim(self, namespace: str, limit: int, slack: int = 0) -> int:
        """Forget the oldest-written values of a namespace beyond `limit`, once there are more than
        `limit + slack`; returns how many were forgotten. A slack trims in batches, for namespaces written
        on every request."""
        ...
    def clear(self) -> None: ...


class MemoryStore:
    """The embedded default. The journal is bounded so a long-running mock keeps flat memory."""

    def __init__(self, log_limit: int = 10_000, live_bytes: int = 256 * 1024 * 1024) -> None:
        self._log_limit = log_limit
        self._live_bytes = live_bytes
        self._data: dict[str, dict[str, Any]] = {}
        self._logs: dict[str, deque[Any] | list[Any]] = {}
        self._counters: dict[str, dict[str, tuple[float, float]]] = {}
        self._live: dict[str, _LiveValues] = {}
        self._queues: dict[str, list[tuple[float, int, Any]]] = {}
        self._order = itertools.count()  # ties at one moment keep the order they were scheduled in

    def get(self, namespace: str, key: str) -> Any | None:
        bucket = self._data.get(namespace)
        return None if bucket is None else bucket.get(key)

    def put(self, namespace: str, key: str, value: Any) -> None:
        self._data.setdefault(namespace, {})[key] = value

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

    def claim_live(self, namespace: str, key: str, value: Any, expires_at: float, now: float) -> Any | None:
        live = self._live_values(namespace)
        held = live.get(key, now)
        if held is not None:
            return held
        live.put(key, value, expires_at, now, 0)
        return None

    def put_live(self, namespace: str, key: str, value: Any, expires_at: float, now: float, size: int = 0) -> None:
        self._live_values(namespace).put(key, value, expires_at, now, size)

    def drop_live(self, namespace: str, key: str) -> None:
        live = self._live.get(namespace)
        if live is not None:
            live.drop(key)

    def _live_values(self, namespace: str) -> _LiveValues:
        live = self._live.get(namespace)
        if live is None:
            live = self._live[namespace] = _LiveValues(self._live_bytes)
        return live
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

    def trim(self, namespace: str, limit: int, slack: int = 0) -> int:
        # Forgetting one value at a time from the front of a dict walks every value forgotten before it
        # (until the dict is next resized): a slack makes that walk one per batch.
        bucket = self._data.get(namespace)
        if bucket is None or len(bucket) <= limit + slack:
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
        self._live.clear()


class _LiveValues:
    """Expiring values in the order they were set. Values set later expire later (one window per
    namespace, one clock that only moves forward), so the expired ones are always at the front and
    each put forgets them in passing: memory follows what is live, never what was ever set."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._size = 0
        self._entries: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()

    def get(self, key: str, now: float) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            return None
        return entry[2]

    def put(self, key: str, value: Any, expires_at: float, now: float, size: int) -> None:
        self.drop(key)
        self._entries[key] = (expires_at, size, value)
        self._size += size
        entries = self._entries
        while entries:
            oldest = next(iter(entries))
            expiry, oldest_size, _ = entries[oldest]
            if expiry > now and self._size <= self._budget:
                break
            del entries[oldest]
            self._size -= oldest_size

    def drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._size -= entry[1]

    def __len__(self) -> int:
        return len(self._entries)
