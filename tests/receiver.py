"""A webhook receiver on 127.0.0.1 for the tests: records every delivery, can fail the first ones, hang, and
lets a test wait (bounded) for a number of deliveries instead of sleeping."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self, fail_first: int = 0, status: int = 204, hang_seconds: float = 0.0) -> None:
        self.fail_first = fail_first
        self.status = status
        self.hang = threading.Event()  # set = stop hanging
        self.hang_seconds = hang_seconds
        self.deliveries: list[Delivery] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._changed:
                    failing = len(receiver.deliveries) < receiver.fail_first
                    answered = 500 if failing else receiver.status
                    receiver.deliveries.append(Delivery(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                        body, answered))
                    receiver._changed.notify_all()
                if receiver.hang_seconds:
                    receiver.hang.wait(receiver.hang_seconds)
                try:
                    self.send_response(answered)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (a timeout)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.hang.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until `count` deliveries arrived (or fail after `timeout` seconds)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout):
                raise AssertionError(f"expected {count} deliveries within {timeout} s, got {len(self.deliveries)}")
            return list(self.deliveries)


def advance(http: httpx.Client, seconds: float) -> None:
    """Move the mock's clock through the admin API; due deliveries go out."""
    assert http.post("/__mock/clock/advance", json={"seconds": seconds}).status_code == 200


def logged(http: httpx.Client, count: int, **match: Any) -> list[dict[str, Any]]:
    """The delivery log's attempts that match, once there are `count` of them (the server writes an attempt
    after its answer arrives, a moment after the receiver saw it); bounded to 5 s."""
    deadline = time.monotonic() + 5
    while True:
        attempts = [d for d in http.get("/__mock/webhooks/deliveries").json()["data"]
                    if all(d[k] == v for k, v in match.items())]
        if len(attempts) >= count or time.monotonic() > deadline:
            return attempts
