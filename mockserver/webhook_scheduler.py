"""The scheduler: performs due work and makes webhook attempts when the clock says they are due.

One background task per event loop waits until the earliest due moment of the clock (or until woken
by a new message, a clock advance or a request), runs the due work of `timeline`, then starts the due
HTTP attempts. Attempts run as separate tasks, at most `MAX_CONCURRENT` at a time, each bounded by a
timeout, so a receiver that hangs or refuses never blocks the server or the other deliveries.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import httpx

from . import webhook_events
from .timeline import QUEUE as DUE_QUEUE
from .timeline import run_due

if TYPE_CHECKING:
    from .state import MockState

MAX_CONCURRENT = 16
log = logging.getLogger("aurous_mock")


class WebhookScheduler:
    def __init__(self, mock: MockState, timeout: float) -> None:
        self._mock = mock
        self._timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._attempts: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    def ensure_running(self) -> None:
        """Start the background task in the running loop (from the app's lifespan, or the first request)."""
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        self._loop = loop
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        # One client per loop: building one costs an SSL context (tens of ms of the loop's time).
        self._http = httpx.AsyncClient(timeout=self._timeout, trust_env=False,
                                       limits=httpx.Limits(max_connections=MAX_CONCURRENT))
        self._task = loop.create_task(self._run(), name="aurous-mock-scheduler")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._attempts) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
        self._task = self._http = None

    def wake(self) -> None:
        """Safe from any thread (the clock's listeners may run outside the loop)."""
        loop, wakeup = self._loop, self._wakeup
        if loop is None or wakeup is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wakeup.set()
        else:
            loop.call_soon_threadsafe(wakeup.set)

    def wake_if_due(self) -> None:
        """Cheap check on the request path: wake the task when an attempt is due (time may have jumped)."""
        upcoming = self._mock.store.next_due(webhook_events.QUEUE)
        if upcoming is not None and upcoming <= self._mock.clock.time():
            self.wake()

    async def _run(self) -> None:
        mock = self._mock
        assert self._wakeup is not None
        while True:
            self._wakeup.clear()
            try:
                run_due(mock)
                for message in mock.store.pop_due(webhook_events.QUEUE, mock.clock.time()):
                    task = asyncio.create_task(self._attempt(message))
                    self._attempts.add(task)
                    task.add_done_callback(self._attempts.discard)
            except Exception:  # a bug in due work must not stop every later delivery
                log.exception("scheduled work failed")
            try:
                await asyncio.wait_for(self._wakeup.wait(), self._until_next())
            except TimeoutError:
                pass

    def _until_next(self) -> float | None:
        store, now = self._mock.store, self._mock.clock.time()
        moments = [m for m in (store.next_due(DUE_QUEUE), store.next_due(webhook_events.QUEUE)) if m is not None]
        return max(0.0, min(moments) - now) if moments else None

    async def _attempt(self, message: dict[str, Any]) -> None:
        mock = self._mock
        assert self._slots is not None and self._http is not None
        async with self._slots:
            started = mock.clock.time()
            headers = webhook_events.headers_for(mock, message, started)
            status: int | None = None
            error: str | None = None
            fail = message.get("fail")
            if fail is not None:  # a scenario's receiver that is down: nothing is sent
                status = fail["status"]
                error = None if status is not None else "unreachable (scenario webhook action)"
                webhook_events.record_attempt(mock, message, headers, started, status, error)
                self.wake()
                return
            try:
                response = await asyncio.wait_for(
                    self._http.post(message["url"], content=message["body"].encode(), headers=headers),
                    self._timeout)
                status = response.status_code
            except TimeoutError:
                error = f"no answer within {self._timeout} s"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
            except Exception as exc:  # an unusable URL must not crash the scheduler
                error = f"{type(exc).__name__}: {exc}"[:300]
            webhook_events.record_attempt(mock, message, headers, started, status, error)
            self.wake()  # a retry may have been scheduled
