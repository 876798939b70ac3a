"""The assistant's turn for a chat plan: text, JSON for a schema, or a tool call (B-CHAT-2, B-CHAT-6,
B-CHAT-7, B-CHAT-8), cut by `stop` and `max_tokens` the way a model stops.

Everything is drawn from a random stream seeded by the server seed and the fields that shape the reply,
so a request gets the same reply in any process, streamed or not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .chat_request import ChatPlan
from .errors import ApiError
from .ids import IdFactory
from .synth import replies, tokens
from .synth.rng import rng_for
from .synth.schema_values import SchemaUnsupported, instance

# Reasoning tokens per effort (B-CHAT-8), before a seeded spread of up to half as much again.
REASONING_TOKENS = {"minimal": 16, "low": 128, "medium": 512, "high": 2048}
_WORDS = re.compile(r"[a-z]{3,}")


def reasoning_cap(effort: str | None) -> int:
    """The most reasoning tokens an effort can use (what the TPM bucket and the credit check reserve)."""
    if not effort:
        return 0
    base = REASONING_TOKENS[effort]
    return base + base // 2


@dataclass(slots=True)
class Reply:
    content: str | None
    finish_reason: str
    completion_tokens: int
    reasoning_tokens: int = 0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    logprobs: list[dict[str, Any]] | None = None
    pieces: list[str] = field(default_factory=list)  # the content's tokens, as streamed

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content, "refusal": None}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return message

    def logprobs_block(self) -> dict[str, Any] | None:
        return None if self.logprobs is None else {"content": self.logprobs, "refusal": None}


@dataclass(frozen=True, slots=True)
class Script:
    """A reply a scenario dictates (`call.overrides`: `chat_reply` text or `chat_tool_calls`, a list of
    `{"name", "arguments"}`), sent instead of the synthetic one and cut by `stop`/`max_tokens` the same way."""

    content: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, overrides: dict[str, Any]) -> Script | None:
        content, calls = overrides.get("chat_reply"), overrides.get("chat_tool_calls")
        if content is None and not calls:
            return None
        return cls(content, tuple(calls or ()))


def compose(plan: ChatPlan, seed: int, ids: IdFactory, script: Script | None = None) -> Reply:
    rng = rng_for("reply", seed, plan.reply_inputs)
    prompt = last_text(plan.body["messages"], "user")
    reasoning = 0
    if plan.reasoning_effort:
        base = REASONING_TOKENS[plan.reasoning_effort]
        reasoning = base + rng.randrange(base // 2 + 1)
    if script is not None and script.tool_calls:
        calls = [{"id": ids.new("call"), "type": "function",
                  "function": {"name": t["name"], "arguments": json.dumps(t["arguments"], separators=(",", ":"))}}
                 for t in script.tool_calls]
        used = sum(tokens.count(c["function"]["name"]) + tokens.count(c["function"]["arguments"]) for c in calls)
        return Reply(None, "tool_calls", used, reasoning, calls, [] if plan.logprobs else None)
    tool = None if script is not None else _tool_to_call(plan, prompt)
    if tool is not None:
        arguments = _generate(tool["parameters"], rng, prompt, f"tools.{tool['name']}.function.parameters")
        cut, finish, used = _cut(arguments, tokens.pieces(arguments), plan.max_tokens, [])
        call = {"id": ids.new("call"), "type": "function", "function": {"name": tool["name"], "arguments": cut}}
        used += tokens.count(tool["name"])
        return Reply(None, "length" if finish == "length" else "tool_calls", used, reasoning, [call],
                     [] if plan.logprobs else None)
    if script is not None and script.content is not None:
        text, pieces = script.content, tokens.pieces(script.content)
    else:
        text, pieces = _text(plan, rng, prompt)
    content, finish, used = _cut(text, pieces, plan.max_tokens, plan.stop)
    if content is not text:
        pieces = pieces[:used] if finish == "length" else tokens.pieces(content)
    reply = Reply(content, finish, used, reasoning, pieces=pieces)
    if plan.logprobs:
        reply.logprobs = replies.logprobs(rng_for("logprobs", seed, plan.reply_inputs), pieces, plan.top_logprobs)
    return reply


def last_text(messages: list[dict[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message["role"] == role:
            return content_text(message.get("content"))
    return ""


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content or () if part.get("type") == "text")


def _tool_to_call(plan: ChatPlan, prompt: str) -> dict[str, Any] | None:
    """A forced function is always called; with `auto`, the tool whose name or description shares the
    most words with the user's last message, unless the conversation is answering a tool result."""
    if plan.forced_tool:
        return plan.tools[plan.forced_tool]
    if plan.tool_choice != "auto" or not plan.tools or plan.body["messages"][-1]["role"] == "tool":
        return None
    asked = set(_WORDS.findall(prompt.lower()))
    best, best_score = None, 0
    for tool in plan.tools.values():
        described = set(_WORDS.findall(f"{tool['name'].replace('_', ' ')} {tool['description']}".lower()))
        score = len(asked & described)
        if score > best_score:
            best, best_score = tool, score
    return best


def _text(plan: ChatPlan, rng: Any, prompt: str) -> tuple[str, list[str]]:
    """The reply before any cut, with its tokens."""
    if plan.format == "json_schema":
        assert plan.schema is not None
        text = _generate(plan.schema, rng, prompt, "response_format.json_schema.schema")
    elif plan.format == "json_object":
        answer, _ = replies.answer(rng, prompt, 24)
        text = json.dumps({"topic": replies.topic_of(prompt), "answer": answer}, separators=(",", ":"))
    elif plan.body["messages"][-1]["role"] == "tool":
        last = plan.body["messages"][-1]
        text = replies.after_tool(rng, _tool_name(plan.body["messages"], last.get("tool_call_id")),
                                  content_text(last.get("content")))
    else:
        return replies.answer(rng, prompt, rng.randrange(24, 120))
    return text, tokens.pieces(text)


def _tool_name(messages: list[dict[str, Any]], call_id: str | None) -> str:
    for message in reversed(messages):
        for call in message.get("tool_calls") or ():
            if call.get("id") == call_id:
                return call["function"]["name"]
    return ""


def _generate(schema: dict[str, Any], rng: Any, prompt: str, param: str) -> str:
    try:
        return json.dumps(instance(schema, rng, hint=prompt), ensure_ascii=False, separators=(",", ":"))
    except SchemaUnsupported as error:
        raise ApiError("invalid_format", f"{param} cannot be satisfied: {error}", param=param) from None


def _cut(text: str, pieces: list[str], max_tokens: int, stop: list[str]) -> tuple[str, str, int]:
    """Where generation ends, and the tokens generated: at the first stop sequence the model completes
    within `max_tokens` (the sequence itself is not returned, as in OpenAI), else at `max_tokens`
    (`length`)."""
    capped = "".join(pieces[:max_tokens]) if len(pieces) > max_tokens else text
    hits = [i for i, sequence in ((text.find(s), s) for s in stop) if 0 <= i and i + len(sequence) <= len(capped)]
    if hits:
        content = text[:min(hits)]
        return content, "stop", tokens.count(content)
    if len(pieces) > max_tokens:
        return capped, "length", max_tokens
    return text, "stop", len(pieces)
