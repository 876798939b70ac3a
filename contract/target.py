"""The target over HTTP: paced to its rate-limit headers, `Retry-After` honoured, spending counted."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .budget import Budget
from .errors import CannotRun
from .exchange import Exchange

MAX_WAIT_S = 120.0  # B-RL-1: a documented Retry-After never exceeds this
RETRIES_ON_429 = 3


class Target:
    def __init__(self, base_url: str, api_key: str, *, version_pin: str | None, budget: Budget,
                 timeout: float = 30.0, pace: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.version_pin = version_pin
        self.budget = budget
        self.pace = pace
        self.requests_sent = 0
        self.waited_s = 0.0
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, follow_redirects=False)
        self._resume_at = 0.0
        self.rpm_limit: int | None = None  # the team's RPM limit, as its headers last said
        self.team: dict[str, Any] = {}  # the admin API's answer, for a team the run created

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
                headers: dict[str, str] | None = None, key: str | None | bool = True, pin: bool = True,
                retry: bool = True, params: dict[str, Any] | None = None) -> Exchange:
        """Send one request. `key=True` uses the run's key, a string another key, None/False none.
        `retry=False` (or a Target made with `pace=False`) hands a 429 back instead of waiting it out,
        as the rate-limit checks want."""
        sent_headers: dict[str, str] = {}
        if key is True:
            sent_headers["X-Api-Key"] = self.api_key
        elif isinstance(key, str):
            sent_headers["X-Api-Key"] = key
        if pin and self.version_pin:
            sent_headers["Aurous-Version"] = self.version_pin
        if json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode()
            sent_headers["Content-Type"] = "application/json"
        sent_headers.update(headers or {})
        for attempt in range(RETRIES_ON_429 + 1):
            self._wait_for_pace()
            exchange = self._send(method, path, sent_headers, content, params, pace=retry)
            if exchange.status != 429 or not retry or not self.pace or attempt == RETRIES_ON_429:
                break
            self._sleep(_retry_after(exchange))
        if exchange.status < 300 and not path.endswith("/estimate"):  # an estimate charges nothing (B-EMB-4, B-IMG-7)
            self.budget.record(exchange.json())
        return exchange

    def _send(self, method: str, path: str, headers: dict[str, str], content: bytes | None,
              params: dict[str, Any] | None, *, pace: bool = True) -> Exchange:
        try:
            response = self._client.request(method, path, headers=headers, content=content, params=params)
        except httpx.HTTPError as exc:
            raise CannotRun(f"{method} {self.base_url}{path} failed: {type(exc).__name__}: {exc}") from exc
        self.requests_sent += 1
        limit = response.headers.get("x-ratelimit-limit")
        if limit and limit.isdigit():
            self.rpm_limit = int(limit)
        if pace:
            self._note_rate_limit(response.headers)
        return Exchange(method, str(response.request.url), path, headers, content, response.status_code,
                        {k.lower(): v for k, v in response.headers.items()}, response.content)

    def post_stream(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Exchange:
        """A streamed POST (chat with `stream: true`), read to its end as it arrives."""
        sent = {"X-Api-Key": self.api_key, "Content-Type": "application/json", **(headers or {})}
        if self.version_pin:
            sent["Aurous-Version"] = self.version_pin
        content = json.dumps(body, separators=(",", ":")).encode()
        self._wait_for_pace()
        try:
            with self._client.stream("POST", path, headers=sent, content=content) as response:
                text = b"".join(response.iter_bytes())
        except httpx.HTTPError as exc:
            raise CannotRun(f"POST {self.base_url}{path} failed: {type(exc).__name__}: {exc}") from exc
        self.requests_sent += 1
        self._note_rate_limit(response.headers)
        return Exchange("POST", str(response.request.url), path, sent, content, response.status_code,
                        {k.lower(): v for k, v in response.headers.items()}, text)

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        """Pace to the team's RPM bucket: when one request is left, wait for the documented reset."""
        if not self.pace:
            return
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        if remaining and reset and remaining.isdigit() and reset.isdigit() and int(remaining) <= 1:
            self._resume_at = max(self._resume_at, min(float(reset), time.time() + MAX_WAIT_S))

    def _wait_for_pace(self) -> None:
        delay = self._resume_at - time.time()
        if delay > 0:
            self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        seconds = min(max(seconds, 0.0), MAX_WAIT_S)
        self.waited_s += seconds
        time.sleep(seconds)


def _retry_after(exchange: Exchange) -> float:
    ms = exchange.header("retry-after-ms")
    if ms and ms.replace(".", "", 1).isdigit():
        return float(ms) / 1000
    seconds = exchange.header("retry-after")
    return float(seconds) if seconds and seconds.isdigit() else 1.0
