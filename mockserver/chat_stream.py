"""Streamed chat completions (B-CHAT-5): OpenAI-shaped `chat.completion.chunk` frames produced one at a
time from the same reply the unstreamed call returns, so content, tool calls and usage agree.

Frames are `data: <json>\\n\\n` only (no `id:` or `retry:` lines, which the OpenAI SDKs reject), end
with `data: [DONE]`, and only a real failure carries an `error` key (B-CHAT-11).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .chat_reply import Reply
from .jsoncodec import dumps
from .synth import tokens

DONE = b"data: [DONE]\n\n"
TOKENS_PER_CHUNK = 2
IGNORED_KEY_WARNING = {
    "code": "idempotency_key_ignored_streaming",
    "message": "Idempotency-Key is ignored when stream is true; send stream: false for at-most-once semantics.",
}


def frame(chunk: dict[str, Any]) -> bytes:
    return b"data: " + dumps(chunk) + b"\n\n"


class ChunkMaker:
    """Builds chunks that share the completion's id, created time and model."""

    def __init__(self, completion_id: str, created: int, model: str, include_usage: bool) -> None:
        self._head = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
        self._include_usage = include_usage

    def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        chunk = {**self._head, "choices": choices}
        if self._include_usage:
            chunk["usage"] = None
        chunk.update(extra)
        return chunk

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None,
              logprobs: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        if logprobs is not None:
            choice["logprobs"] = {"content": logprobs, "refusal": None}
        return self.chunk([choice], **extra)


def opening(maker: ChunkMaker, warning: bool, content: str | None = "") -> dict[str, Any]:
    """The first chunk: the assistant's role, and the warning when an Idempotency-Key was ignored (B-IDEM-5)."""
    extra = {"warning": IGNORED_KEY_WARNING} if warning else {}
    return maker.delta({"role": "assistant", "content": content}, **extra)


def chunks(maker: ChunkMaker, reply: Reply, usage: dict[str, Any] | None,
           warning: bool) -> Iterator[tuple[dict[str, Any], int]]:
    """Each chunk with the number of completion tokens it carries (what a disconnect would leave billed)."""
    if reply.tool_calls:
        yield opening(maker, warning, None), 0
        for index, call in enumerate(reply.tool_calls):
            function = call["function"]
            yield maker.delta({"tool_calls": [{
                "index": index, "id": call["id"], "type": "function",
                "function": {"name": function["name"], "arguments": ""},
            }]}), tokens.count(function["name"])
            for part in _groups(tokens.pieces(function["arguments"])):
                delta = {"tool_calls": [{"index": index, "function": {"arguments": "".join(part)}}]}
                yield maker.delta(delta), len(part)
    else:
        yield opening(maker, warning), 0
        logprobs = reply.logprobs
        start = 0
        for part in _groups(reply.pieces):
            part_logprobs = None if logprobs is None else logprobs[start:start + len(part)]
            start += len(part)
            yield maker.delta({"content": "".join(part)}, logprobs=part_logprobs), len(part)
    yield maker.delta({}, reply.finish_reason), 0
    if usage is not None:
        yield maker.chunk([], usage=usage), 0


def _groups(pieces: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(pieces), TOKENS_PER_CHUNK):
        yield pieces[start:start + TOKENS_PER_CHUNK]
