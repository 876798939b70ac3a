"""The mock's tokenizer: deterministic, dependency-free and close to tiktoken's counts for English.

Text splits the way GPT-style byte-pair tokenizers pre-split it (an optional leading space glued to
a run of letters, digits in runs of at most three, punctuation runs, whitespace), then a run of more
than eight letters is cut into chunks of five. Real BPE keeps common words whole and splits rare
ones further, so counts differ from tiktoken's by a few percent on prose
and more on code or non-Latin text; what matters here is that a count is stable, additive over the
parts of a request and the same for a text and for any prefix cut at a token boundary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

_PIECES = re.compile(r"'(?:s|t|re|ve|m|ll|d)\b| ?[^\W\d_]+| ?\d{1,3}| ?[^\s\w]+|_+|\s+(?!\S)|\s+")
_WHOLE = 9  # a word of up to eight letters, with its leading space, is one token
_CHUNK = 5

# Fixed costs in the style of OpenAI's accounting: each message has a small frame, the reply is primed,
# and an image part costs a flat tile (85 is OpenAI's low-detail image cost).
TOKENS_PER_MESSAGE = 3
TOKENS_REPLY_PRIMING = 3
TOKENS_PER_IMAGE = 85


def pieces(text: str) -> list[str]:
    """The tokens of `text`, in order; joining them gives `text` back."""
    return list(_short(text)) if len(text) <= 256 else list(_scan(text))


@lru_cache(maxsize=16384)
def _short(text: str) -> tuple[str, ...]:
    return _scan(text)


def _scan(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for piece in _PIECES.findall(text):
        if len(piece) <= _WHOLE or not piece.strip().isalpha():
            out.append(piece)
        else:
            out.extend(piece[i:i + _CHUNK] for i in range(0, len(piece), _CHUNK))
    return tuple(out)


def count(text: str) -> int:
    return len(_short(text)) if len(text) <= 256 else len(_scan(text))


def count_json(value: Any) -> int:
    """Tokens of a JSON value as a model would see it (tool definitions, schemas)."""
    return count(json.dumps(value, separators=(",", ":"), sort_keys=True))


def count_content(content: Any) -> tuple[int, int]:
    """(text tokens, image parts) of a message's content: a string, or a list of parts."""
    if content is None:
        return 0, 0
    if isinstance(content, str):
        return count(content), 0
    text_tokens = images = 0
    for part in content:
        kind = part.get("type")
        if kind == "image_url":
            images += 1
        else:
            text_tokens += count(part.get("text") or part.get("refusal") or "")
    return text_tokens, images


def count_messages(messages: Iterable[dict[str, Any]]) -> int:
    """Prompt tokens of a conversation (B-CHAT-9: image parts are counted, at a flat rate each)."""
    total = TOKENS_REPLY_PRIMING
    for message in messages:
        text_tokens, images = count_content(message.get("content"))
        total += TOKENS_PER_MESSAGE + count(message.get("role", "")) + text_tokens + images * TOKENS_PER_IMAGE
        if message.get("name"):
            total += count(message["name"]) + 1
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            total += count(function.get("name", "")) + count(function.get("arguments", "")) + TOKENS_PER_MESSAGE
    return total
