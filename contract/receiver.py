"""A local webhook receiver: what the target POSTs, verified with the Standard Webhooks scheme (B-WH-2).
Only a target on this machine can reach it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .errors import Skipped

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Receiver:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.deliveries: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver.arrived:
                    receiver.deliveries.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                                "body": body, "path": self.path})
                    receiver.arrived.notify_all()
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0, about: str | None = None) -> list[dict[str, Any]]:
        """Deliveries are POSTed by the target in its own time: wait for them, bounded. With `about`,
        only those whose `data.id` is that resource: a team's endpoint also receives the events of
        its other generations (earlier checks', or a staging team's other traffic)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.matching(about)) >= count, timeout=timeout)
            return self.matching(about)

    def matching(self, about: str | None) -> list[dict[str, Any]]:
        return [d for d in self.deliveries if about is None or _resource_id(d) == about]

    def events(self, about: str | None = None) -> list[str]:
        return [json.loads(d["body"]).get("event") for d in self.matching(about)]


def _resource_id(delivery: dict[str, Any]) -> str | None:
    try:
        data = json.loads(delivery["body"]).get("data")
    except (ValueError, AttributeError):
        return None
    return data.get("id") if isinstance(data, dict) else None


def require_local(base_url: str) -> None:
    if urlsplit(base_url).hostname not in LOCAL_HOSTS:
        raise Skipped("needs a webhook receiver the target can reach; this target is not on this machine")


def verify(secret: str, delivery: dict[str, Any]) -> bool:
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"> with the whsec_ key."""
    headers = delivery["headers"]
    msg_id, stamp, signatures = (headers.get(n) for n in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and stamp and signatures and secret.startswith("whsec_")):
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{stamp}.".encode() + delivery["body"]
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part == f"v1,{expected}" for part in signatures.split(" "))
