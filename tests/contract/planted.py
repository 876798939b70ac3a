"""Servers that break one documented behaviour each, for the harness to find (planted bugs).

Each is the real mock wrapped in a small pure-ASGI middleware that bends one thing (or, for webhook
deliveries, the mock with its outgoing deliveries bent); unbroken, the mock passes the same checks
(CONTROLS: no false alarm)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from mockserver import create_app

Scope = dict[str, Any]
Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]
App = Callable[..., Awaitable[None]]


async def read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def call(app: App, scope: Scope, body: bytes) -> Answer:
    """Run the inner app on a buffered request and buffer its whole answer (streams included)."""
    sent = False
    status, headers, chunks = 500, [], []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, headers, b"".join(chunks)


async def answer(send: Callable[[dict[str, Any]], Awaitable[None]], status: int, headers: Headers, body: bytes) -> None:
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def json_answer(status: int, value: Any, headers: Headers | None = None) -> Answer:
    return status, [(b"content-type", b"application/json"), *(headers or [])], json.dumps(value).encode()


def header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.decode().lower() == name.lower():
            return value.decode()
    return None


def without(headers: Headers, *names: str) -> Headers:
    lowered = {n.lower().encode() for n in names}
    return [(k, v) for k, v in headers if k.lower() not in lowered]


def replace_header(headers: Headers, name: str, value: str) -> Headers:
    return [*without(headers, name), (name.lower().encode(), value.encode())]


class Bend:
    """Wrap an app; `bend(scope, body, inner)` answers every HTTP request (usually by calling `inner`)."""

    def __init__(self, app: App, bend: Callable[[Scope, bytes, Callable[[Scope, bytes], Awaitable[Answer]]],
                                                 Awaitable[Answer]]) -> None:
        self.app = app
        self.bend = bend
        self.state = getattr(app, "state", None)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__mock"):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        status, headers, content = await self.bend(scope, body, lambda s, b: call(self.app, s, b))
        await answer(send, status, headers, content)


def on_response(app: App, change: Callable[[Scope, bytes, Answer], Answer]) -> Bend:
    async def bend(scope: Scope, body: bytes, inner: Any) -> Answer:
        return change(scope, body, await inner(scope, body))

    return Bend(app, bend)


def on_request(app: App, change: Callable[[Scope, bytes], tuple[Scope, bytes]]) -> Bend:
    async def bend(scope: Scope, body: bytes, inner: Any) -> Answer:
        scope, body = change(scope, body)
        return await inner(scope, body)

    return Bend(app, bend)


def request_header(scope: Scope, name: str) -> str | None:
    return header(scope["headers"], name)


def rewrite_json(content: bytes, change: Callable[[Any], Any]) -> bytes:
    try:
        value = json.loads(content)
    except ValueError:
        return content
    return json.dumps(change(value)).encode()


# --- the mock's own idempotency stage, bent (B-IDEM-2, B-IDEM-3) ----------------------------------


def _no_replay_header(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    return status, without(headers, "aurous-idempotent-replayed"), content


def _no_should_retry_on_409(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    return status, without(headers, "x-should-retry") if status == 409 else headers, content


def _key_per_raw_body(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """A fingerprint of the bytes as sent instead of canonical JSON: another key order is another key."""
    key = request_header(scope, "idempotency-key")
    if key is None:
        return scope, body
    bent = f"{key}:{hashlib.sha256(body).hexdigest()[:16]}".encode()
    return dict(scope, headers=[*without(scope["headers"], "idempotency-key"), (b"idempotency-key", bent)]), body


def process_again(app: App) -> Bend:
    """Says "replayed" but runs the handler again: the key never reaches the mock."""
    seen: set[tuple[str | None, str]] = set()

    async def bend(scope: Scope, body: bytes, inner: Any) -> Answer:
        key = request_header(scope, "idempotency-key")
        if key is None:
            return await inner(scope, body)
        status, headers, content = await inner(dict(scope, headers=without(scope["headers"], "idempotency-key")), body)
        slot = (request_header(scope, "x-api-key"), key)
        if slot in seen and status < 300:
            headers = replace_header(headers, "aurous-idempotent-replayed", "true")
        seen.add(slot)
        return status, headers, content

    return Bend(app, bend)


# --- the mock's own generations, bent (B-IMG-2, B-IMG-8, B-IMG-9, B-ACCT-3, B-VER-3, B-WH-2) --------

IMAGE = re.compile(r"/v1/images/(img_\w+)")
IMAGE_OUTPUT = re.compile(r"/v1/images/img_\w+/output/\d+")
TERMINAL = {"succeeded", "failed", "cancelled"}


def status_moves_backwards(app: App) -> Bend:
    """A later poll of a finished image says `processing` again, without its completion fields."""
    finished: set[str] = set()

    def change(scope: Scope, body: bytes, got: Answer) -> Answer:
        status, headers, content = got
        match = IMAGE.fullmatch(scope["path"])
        if scope["method"] != "GET" or not match or status != 200:
            return got

        def backwards(value: Any) -> Any:
            if value.get("status") in TERMINAL:
                if match.group(1) in finished:
                    value.update(status="processing", completed_at=None, duration_ms=None, output_urls=None)
                finished.add(match.group(1))
            return value

        return status, headers, rewrite_json(content, backwards)

    return on_response(app, change)


def _not_found_instead_of_gone(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    if status != 410 or not IMAGE_OUTPUT.fullmatch(scope["path"]):
        return got
    error = {"error": {"code": "resource_not_found", "type": "not_found", "message": "No such output.",
                       "param": None}}
    return 404, headers, json.dumps(error).encode()


async def _cancel_terminal_accepted(scope: Scope, body: bytes, inner: Any) -> Answer:
    """A cancel the mock refuses (the generation has ended) answers 200 with the generation."""
    status, headers, content = await inner(scope, body)
    match = re.fullmatch(r"(/v1/images/img_\w+)/cancel", scope["path"])
    if scope["method"] != "POST" or not match or not 400 <= status < 500:
        return status, headers, content
    path = match.group(1)
    return await inner(dict(scope, method="GET", path=path, raw_path=path.encode()), b"")


def _no_release_lines(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    if scope["path"] != "/v1/usage/events" or status != 200:
        return got
    return status, headers, rewrite_json(content, lambda value: {
        **value, "data": [line for line in value.get("data", []) if line.get("type") != "release"]})


def _version_follows_pin(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    pin = request_header(scope, "aurous-version")
    if scope["method"] != "GET" or not IMAGE.fullmatch(scope["path"]) or status != 200 or not pin:
        return got
    return status, headers, rewrite_json(content, lambda value: {**value, "aurous_version": pin})


def bend_deliveries(change: Callable[[dict[str, str], bytes], dict[str, str]]) -> Callable[[], App]:
    """The mock whose outgoing webhook deliveries have their headers changed on the way out."""

    def factory() -> App:
        app = create_app()
        scheduler = app.state.mock.webhooks
        start = scheduler.ensure_running

        def ensure_running() -> None:
            start()
            client = scheduler._http  # the scheduler's client for this event loop
            if client is None or getattr(client, "bent", False):
                return
            post = client.post

            async def bent_post(url: str, *, content: bytes, headers: dict[str, str]) -> Any:
                return await post(url, content=content, headers=change(dict(headers), content))

            client.post, client.bent = bent_post, True

        scheduler.ensure_running = ensure_running
        return app

    return factory


def _unsigned(headers: dict[str, str], content: bytes) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != "webhook-signature"}


def _signed_with_another_secret(headers: dict[str, str], content: bytes) -> dict[str, str]:
    import base64
    import hmac

    names = {k.lower(): k for k in headers}
    signed = f"{headers[names['webhook-id']]}.{headers[names['webhook-timestamp']]}.".encode() + content
    digest = hmac.new(b"not the endpoint's secret", signed, hashlib.sha256).digest()
    return {**_unsigned(headers, content), "webhook-signature": "v1," + base64.b64encode(digest).decode()}


# --- the variants ----------------------------------------------------------------------------------


def _is_chat(scope: Scope) -> bool:
    return scope["method"] == "POST" and scope["path"] == "/v1/chat/completions"


def _strip_done(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    return status, headers, content.replace(b"data: [DONE]\n\n", b"")


def _break_structured(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    if not _is_chat(scope) or b"json_schema" not in body:
        return got

    def change(value: Any) -> Any:
        for choice in value.get("choices", []):
            choice["message"]["content"] = json.dumps({"unexpected": True})
        return value

    return status, headers, rewrite_json(content, change)


def _wrong_code(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    return status, headers, content.replace(b'"model_not_found"', b'"unknown_model"')


def _remaining_stuck(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    limit = header(headers, "x-ratelimit-limit")
    return status, (replace_header(headers, "x-ratelimit-remaining", limit) if limit else headers), content


def _no_retry_after(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    return status, (without(headers, "retry-after", "retry-after-ms") if status == 429 else headers), content


def _no_request_id_on_errors(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    return status, (without(headers, "aurous-request-id") if status >= 400 else headers), content


def _tpm_everywhere(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    if scope["path"] == "/v1/models" and status == 200:
        headers = [*headers, (b"x-ratelimit-tpm-limit", b"1000"), (b"x-ratelimit-tpm-remaining", b"1000"),
                   (b"x-ratelimit-tpm-reset", b"1")]
    return status, headers, content


def _camel_error_type(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    return status, headers, content.replace(b'"type":"invalid_request"', b'"type":"InvalidRequestError"')


def _loose_vectors(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    if scope["path"] != "/v1/embeddings" or status != 200:
        return got
    _loose_vectors.calls = getattr(_loose_vectors, "calls", 0) + 1  # type: ignore[attr-defined]

    def change(value: Any) -> Any:
        for row in value.get("data", []):
            row["embedding"][0] += 0.001 * _loose_vectors.calls  # type: ignore[attr-defined]
        return value

    return status, headers, rewrite_json(content, change)


def _openai_id(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    if not _is_chat(scope):
        return got
    return status, headers, re.sub(rb'"id":"cmp_', b'"id":"chatcmpl-', content, count=1)


def _drop_bearer(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    return {**scope, "headers": without(scope["headers"], "authorization")}, body


def _ignore_bad_pin(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    pin = request_header(scope, "aurous-version")
    if pin and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", pin):
        return {**scope, "headers": without(scope["headers"], "aurous-version")}, body
    return scope, body


def _accept_required(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    return scope, body.replace(b'"tool_choice":"required"', b'"tool_choice":"auto"')


# Each: the behaviour id the harness must report, and a factory of the broken server.
VARIANTS: dict[str, tuple[str, Callable[[], Any]]] = {
    "request id missing on errors": ("B-HDR-1", lambda: on_response(create_app(), _no_request_id_on_errors)),
    "TPM headers on GET /v1/models": ("B-HDR-4", lambda: on_response(create_app(), _tpm_everywhere)),
    "error type not from the set": ("B-ERR-1", lambda: on_response(create_app(), _camel_error_type)),
    "wrong error code for an unknown model": ("B-ERR-2", lambda: on_response(create_app(), _wrong_code)),
    "Bearer keys ignored": ("B-AUTH-1", lambda: on_request(create_app(), _drop_bearer)),
    "malformed pins silently ignored": ("B-VER-1", lambda: on_request(create_app(), _ignore_bad_pin)),
    "rate-limit counter that does not fall": ("B-RL-1", lambda: on_response(create_app(), _remaining_stuck)),
    "429 without Retry-After": ("B-RL-1", lambda: on_response(create_app(), _no_retry_after)),
    "stream without [DONE]": ("B-CHAT-5", lambda: on_response(create_app(), _strip_done)),
    "structured output that breaks its schema": ("B-CHAT-7", lambda: on_response(create_app(), _break_structured)),
    "tool_choice required accepted": ("B-CHAT-6", lambda: on_request(create_app(), _accept_required)),
    "completion id without cmp_": ("B-CHAT-2", lambda: on_response(create_app(), _openai_id)),
    "embedding not the same for the same input": ("B-EMB-1", lambda: on_response(create_app(), _loose_vectors)),
    "replay without the replay header": ("B-IDEM-2", lambda: on_response(create_app(), _no_replay_header)),
    "replay that processes again": ("B-IDEM-2", lambda: process_again(create_app())),
    "key order changes the fingerprint": ("B-IDEM-2", lambda: on_request(create_app(), _key_per_raw_body)),
    "409 without x-should-retry: false": ("B-IDEM-3", lambda: on_response(create_app(), _no_should_retry_on_409)),
    "a status that moves backwards": ("B-IMG-2", lambda: status_moves_backwards(create_app())),
    "404 where a 410 is due": ("B-IMG-8", lambda: on_response(create_app(), _not_found_instead_of_gone)),
    "cancel accepted on a finished generation": ("B-IMG-9", lambda: Bend(create_app(), _cancel_terminal_accepted)),
    "no release line in the ledger": ("B-ACCT-3", lambda: on_response(create_app(), _no_release_lines)),
    "aurous_version follows the reader's pin": ("B-VER-3", lambda: on_response(create_app(), _version_follows_pin)),
    "unsigned webhook deliveries": ("B-WH-2", bend_deliveries(_unsigned)),
    "deliveries signed with another secret": ("B-WH-2", bend_deliveries(_signed_with_another_secret)),
}


def _models_without_object(scope: Scope, body: bytes, got: Answer) -> Answer:
    status, headers, content = got
    if scope["path"] != "/v1/models" or status != 200:
        return got
    return status, headers, rewrite_json(content, lambda value: {k: v for k, v in value.items() if k != "object"})


async def _crash_on_hot_temperature(scope: Scope, body: bytes, inner: Any) -> Answer:
    if _is_chat(scope):
        try:
            temperature = json.loads(body).get("temperature")
        except (ValueError, AttributeError):
            temperature = None
        if isinstance(temperature, int | float) and temperature > 1.5:
            return 500, [(b"content-type", b"text/plain")], b"Internal Server Error"
    return await inner(scope, body)


# For the schema suite: (the failing check or row, the operation to run it on, the broken server).
SCHEMA_VARIANTS: dict[str, tuple[str, str, Callable[[], Any]]] = {
    "models list without its object field": ("response_schema_conformance", "schema:listModels",
                                             lambda: on_response(create_app(), _models_without_object)),
    "request id missing on errors (schema suite)": ("B-HDR-1", "schema:retrieveModel",
                                                    lambda: on_response(create_app(), _no_request_id_on_errors)),
    "a 500 for a temperature above 1.5": ("not_a_server_error", "schema:createChatCompletion",
                                          lambda: Bend(create_app(), _crash_on_hot_temperature)),
}

# The planted behaviours unbroken: the same checks must pass against them.
CONTROLS: dict[str, tuple[list[str], Callable[[], Any]]] = {
    "idempotency": ([f"B-IDEM-{n}" for n in range(1, 8)], create_app),
    "generations": (["B-IMG-2", "B-IMG-8", "B-IMG-9", "B-ACCT-3", "B-VER-3", "B-WH-2"], create_app),
}
