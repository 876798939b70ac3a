"""Chat completions (B-CHAT-1..11): create (JSON or a true stream), retrieve, credits and the TPM bucket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import Response

from . import billing
from .call import Call
from .chat_reply import Reply, Script, compose, reasoning_cap
from .chat_request import ChatPlan, plan
from .chat_stream import DONE, ChunkMaker, chunks, frame, opening
from .errors import ApiError
from .jsoncodec import dumps
from .registry import operation
from .responses import EventStream, StreamCut, json_bytes
from .stream_faults import StreamFaults
from .token_bucket import settle_tokens, spend_tokens

NAMESPACE = "chat_completions"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@operation("createChatCompletion")
async def create_chat_completion(call: Call) -> Response:
    request = plan(call)
    mock = call.mock
    model = request.model
    most_output = request.max_tokens + reasoning_cap(request.reasoning_effort)
    billing.require_credit(call, billing.cost(request.prompt_tokens, model["chat_pricing"]["input"])
                           + billing.cost(most_output, model["chat_pricing"]["output"]))
    reserved = request.prompt_tokens + most_output
    reservation = spend_tokens(call, reserved, show=False)
    has_key = call.headers.get("idempotency-key") is not None
    call.response_headers["Aurous-Idempotency-Status"] = (
        "ignored_streaming" if request.stream else ("processed" if has_key else "none")
    )
    completion = {
        "id": mock.ids.new("cmp"),
        "object": "chat.completion",
        "created": int(mock.clock.time()),
        "model": model["id"],
    }
    call.notes["completion_id"] = completion["id"]
    if request.outcome == "provider_failure":
        settle_tokens(call, reservation, reserved, 0)
        return _fail(call, request, completion, has_key)
    try:
        reply = compose(request, mock.config.seed, mock.ids, Script.of(call.overrides))
    except ApiError:  # a schema no value satisfies: refused, so the reservation is given back whole
        settle_tokens(call, reservation, reserved, 0)
        raise
    usage = billing.chat_receipt(model, mock.catalog.pricing_version, request.prompt_tokens, reply.completion_tokens,
                                 reply.reasoning_tokens)
    settle_tokens(call, reservation, reserved, usage["total_tokens"])
    if request.stream:
        stream = _stream(call, request, completion, reply, usage, has_key)
        return EventStream(stream, 200, STREAM_HEADERS, "text/event-stream")
    body = _finished(completion, reply, usage)
    encoded = _save(call, body)
    _charge(call, body)
    return json_bytes(encoded)


@operation("retrieveChatCompletion")
async def retrieve_chat_completion(call: Call) -> Response:
    completion_id = call.path_params["id"]
    stored = call.mock.store.get(NAMESPACE, completion_id)
    if stored is None or stored["team_id"] != call.team_id:
        raise ApiError("resource_not_found", f"No chat completion {completion_id} in this team.", param="id")
    return json_bytes(stored["body"])


def _finished(completion: dict[str, Any], reply: Reply, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        **completion,
        "choices": [{"index": 0, "message": reply.message(), "finish_reason": reply.finish_reason,
                     "logprobs": reply.logprobs_block()}],
        "usage": usage,
        "status": "completed",
    }


def _unfinished(completion: dict[str, Any], status: str, error: dict[str, Any] | None,
                usage: dict[str, Any] | None = None, content: str | None = None) -> dict[str, Any]:
    body = {
        **completion,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                     "finish_reason": None, "logprobs": None}],
        "usage": usage,
        "status": status,
    }
    if error is not None:
        body["error"] = error
    return body


def _save(call: Call, body: dict[str, Any]) -> bytes:
    """Kept as the JSON it is sent as: a fraction of the memory of the objects, nothing for the garbage
    collector to walk, and a retrieve answers with the bytes. The newest `retention.max_rows` are kept
    (a quarter more between trims), like generations, so a long run keeps flat memory."""
    encoded = dumps(body)
    store = call.mock.store
    store.put(NAMESPACE, body["id"], {"team_id": call.team_id, "body": encoded})
    kept = call.mock.generation_rules.max_rows
    store.trim(NAMESPACE, kept, kept // 4)
    return encoded


def _charge(call: Call, body: dict[str, Any]) -> None:
    usage = body["usage"]
    if usage is not None:
        billing.charge(call, usage["credits_charged"], "chat", f"Chat completion ({body['model']})", body["id"])


def _fail(call: Call, request: ChatPlan, completion: dict[str, Any], has_key: bool) -> Response:
    """B-CHAT-11: the provider failed; the completion is stored as failed and nothing is billed."""
    error = ApiError("chat_provider_unavailable")
    error_object = call.mock.errors.error_object(error)
    _save(call, _unfinished(completion, "failed", error_object))
    if not request.stream:
        raise error
    maker = ChunkMaker(completion["id"], completion["created"], completion["model"], request.include_usage)
    first = opening(maker, has_key)

    async def failing() -> AsyncIterator[bytes]:
        yield frame(first)
        yield frame(maker.chunk([], error=error_object))
        yield DONE

    return EventStream(failing(), 200, STREAM_HEADERS, "text/event-stream")


async def _stream(call: Call, request: ChatPlan, completion: dict[str, Any], reply: Reply, usage: dict[str, Any],
                  warning: bool) -> AsyncIterator[bytes]:
    """Chunks leave as they are made; `in_progress` is visible on GET until the last one is sent, and a
    client that goes away leaves the completion `cancelled`, billed for what it was sent. A scenario's
    stream faults (`stream_faults.py`) pace the chunks, or end the stream early: a failed completion, not
    billed (B-CHAT-11)."""
    _save(call, _unfinished(completion, "in_progress", None))
    maker = ChunkMaker(completion["id"], completion["created"], completion["model"], request.include_usage)
    faults = StreamFaults.of(call.overrides)
    sent_tokens = 0
    ending = "cancelled"
    error_object = None
    try:
        for index, (chunk, carried) in enumerate(chunks(maker, reply, usage if request.include_usage else None,
                                                        warning)):
            await faults.pace(index)
            cut = faults.cuts_before(index)
            if cut or faults.fails_at(index):
                ending, error_object = "failed", call.mock.errors.error_object(ApiError(faults.error_code))
                if cut:
                    raise StreamCut
                yield frame(maker.chunk([], error=error_object))
                yield DONE
                return
            yield frame(chunk)
            sent_tokens += carried
        if faults.cuts_before(index + 1):  # cut after the last chunk: no [DONE]
            ending, error_object = "failed", call.mock.errors.error_object(ApiError(faults.error_code))
            raise StreamCut
        yield DONE
        ending = "completed"
    finally:
        if ending == "completed":
            body = _finished(completion, reply, usage)
        elif ending == "failed":
            body = _unfinished(completion, "failed", error_object)
        else:
            body = _cancelled(call, request, completion, reply, sent_tokens)
        _save(call, body)
        _charge(call, body)


def _cancelled(call: Call, request: ChatPlan, completion: dict[str, Any], reply: Reply,
               sent_tokens: int) -> dict[str, Any]:
    usage = billing.chat_receipt(request.model, call.mock.catalog.pricing_version, request.prompt_tokens,
                                 sent_tokens, reply.reasoning_tokens)
    error = call.mock.errors.error_object(ApiError("stream_cancelled"))
    return _unfinished(completion, "cancelled", error, usage)
