"""`Idempotency-Key` on the operations the contract marks `x-idempotent` (B-IDEM-1..7).

A key is scoped to the team. The first request with it claims the key in the store before its
handler runs; a successful answer is then kept for 24 hours on the clock and replayed byte for
byte to the same request; anything else frees the key. While the first request is still being
processed, a second one with the same key and body gets `409 idempotency_request_in_progress`
(retryable), and one with another body `409 idempotency_key_in_use` (not retryable). Replays
spend a request from the RPM bucket but no tokens and no credits: nothing is processed again.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.responses import Response

from ..call import Call, Next
from ..canonical import fingerprint
from ..errors import ApiError
from ..jsoncodec import dumps, loads

NAMESPACE = "idempotency"
WINDOW_SECONDS = 24 * 3600  # B-IDEM-2, B-IDEM-4
# How long a claim outlives a request that never finished (a crashed worker with a shared store).
CLAIM_SECONDS = 600
REPLAYED = "Aurous-Idempotent-Replayed"
STATUS = "Aurous-Idempotency-Status"
IN_PROGRESS_WAIT_S = 1
# Headers that describe the bucket at the time of a request, not the answer: a replay shows its own.
_BUCKET_PREFIX = "x-ratelimit"
_OWN_HEADERS = {b"content-length"}


async def idempotency(call: Call, call_next: Next) -> Response:
    operation = call.operation
    key = call.headers.get("idempotency-key")
    if key is None or call.team is None or operation is None or not operation.idempotent:
        return await call_next(call)  # B-IDEM-1: without a key every call processes anew
    if isinstance(call.body, dict) and call.body.get("stream") is True:
        call.notes["idempotency"] = "ignored_streaming"  # B-IDEM-5: the handler warns in the stream
        return await call_next(call)
    store = call.mock.store
    now = call.mock.clock.time()
    scope = f"{call.team_id}:{key}"
    print_ = fingerprint(operation.operation_id, call.raw_body)
    held = store.claim_live(NAMESPACE, scope, {"fingerprint": print_, "done": False}, now + CLAIM_SECONDS, now)
    if held is not None:
        return _answer_again(call, held, print_)
    call.notes["idempotency"] = "processed"
    try:
        response = await call_next(call)
    except BaseException:
        store.drop_live(NAMESPACE, scope)  # B-IDEM-6: a failed call can be retried with its key
        raise
    body = getattr(response, "body", None)
    if 200 <= response.status_code < 300 and isinstance(body, bytes):
        entry = _remembered(call, response, body, print_)
        store.put_live(NAMESPACE, scope, entry, now + WINDOW_SECONDS, now, size=len(body) + 512)
    else:
        store.drop_live(NAMESPACE, scope)
    return response


def _answer_again(call: Call, held: dict[str, Any], print_: str) -> Response:
    if held["fingerprint"] != print_:
        call.notes["idempotency"] = "conflict"
        raise ApiError("idempotency_key_in_use", param="Idempotency-Key")  # B-IDEM-3
    if not held["done"]:
        call.notes["idempotency"] = "in_progress"  # B-IDEM-7: processed at most once
        raise ApiError("idempotency_request_in_progress", param="Idempotency-Key", headers={
            "Retry-After": str(IN_PROGRESS_WAIT_S), "retry-after-ms": str(IN_PROGRESS_WAIT_S * 1000)})
    call.notes["idempotency"] = "replayed"  # B-IDEM-2
    call.notes["replay_of"] = held["request_id"]
    call.version = held["version"]  # the body was made under the first call's version
    raw_headers, headers = loads(held["headers"])
    call.response_headers.update(headers)
    if STATUS in headers:
        call.response_headers[STATUS] = "replayed"
    call.response_headers[REPLAYED] = "true"
    response = Response(held["body"].encode("utf-8", "surrogateescape"), held["status"])
    response.raw_headers.extend((name.encode("latin-1"), value.encode("latin-1")) for name, value in raw_headers)
    return response


def _remembered(call: Call, response: Response, body: bytes, print_: str) -> dict[str, Any]:
    """What a replay needs: the status, the body as sent, and the headers that belong to the answer. Only
    strings and numbers, so the entry is JSON-able (the store may be shared) and, in memory, one object
    the garbage collector never has to look into, however many answers are remembered."""
    raw_headers = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in response.raw_headers
                   if name not in _OWN_HEADERS]
    headers = {name: value for name, value in call.response_headers.items() if not _describes_bucket(name)}
    return {
        "fingerprint": print_,
        "done": True,
        "request_id": call.request_id,
        "version": call.version,
        "status": response.status_code,
        "body": body.decode("utf-8", "surrogateescape"),
        "headers": dumps([raw_headers, headers]).decode(),
    }


@lru_cache(maxsize=256)
def _describes_bucket(name: str) -> bool:
    return name.lower().startswith(_BUCKET_PREFIX)
