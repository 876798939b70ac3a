"""Plausible assistant replies: deterministic text about what the user asked, and token log-probabilities."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .tokens import pieces as pieces_of

_OPENERS = (
    "Sure.", "Good question.", "Here is a short answer.", "Certainly.", "Happy to help.", "In short:",
)
_SENTENCES = (
    "The answer about {topic} depends mostly on the context you give it.",
    "The short version is that {topic} works best when the goal is stated clearly.",
    "A practical approach is to start small, measure the result, and then adjust.",
    "Keep in mind that details such as {topic} can change over time, so check the current state.",
    "If you can share more about {topic}, I can give a more specific answer.",
    "Most people find that {topic} becomes easier once the first example works end to end.",
    "There are two common options here, and each trades simplicity for control.",
    "The first step is to write down what a good outcome for {topic} looks like.",
    "It also helps to compare {topic} with a simpler case you already understand.",
    "Be careful with edge cases: empty inputs, very large values and timeouts are the usual suspects.",
    "A good rule of thumb is to prefer the simplest option that meets the requirement.",
    "For {topic}, the documentation and a small experiment usually settle the question.",
)
# 256 fixed orders of the sentences, drawn once: picking one costs one random draw, not a shuffle.
_ORDERS = tuple(tuple(random.Random(i).sample(range(len(_SENTENCES)), len(_SENTENCES))) for i in range(256))
_AFTER_TOOL = (
    "The {tool} tool returned {result}.",
    "Based on the {tool} result, here is what I found: {result}.",
    "I checked with {tool}; it reports {result}.",
)
_ALTERNATIVES = (  # 19: enough for the largest `top_logprobs` (20) with the chosen token
    "the", "a", " and", " to", " of", ",", ".", " is", " it", " that", " for", " on", " with", " in", " we",
    " you", " can", " be", " or",
)
_STOPWORDS = frozenset(
    "about after again also because been before being could does doing during from have having here into "
    "just like make more most much only other over please same should some such tell than that their them "
    "then there these they this those through very want what when where which while will with would your "
    "yours".split()
)
_WORD = re.compile(r"[^\W\d_]{4,}")


@lru_cache(maxsize=4096)
def topic_of(text: str) -> str:
    """What the user's message is about: its names (capitalised words after the first), else its last
    content words."""
    words = _WORD.findall(text)
    names = _unique(w for i, w in enumerate(words) if i and w[0].isupper() and w.lower() not in _STOPWORDS)
    if names:
        return " and ".join(names[:2])
    content = _unique(w.lower() for w in words if w.lower() not in _STOPWORDS)
    return " ".join(content[-2:]) or "this"


def _unique(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


def answer(rng: random.Random, prompt: str, target_tokens: int) -> tuple[str, list[str]]:
    """A reply of roughly `target_tokens` tokens about the prompt, and its tokens. Sentences start at a
    token boundary, so the reply's tokens are its sentences' tokens, each sentence tokenized once per topic."""
    opener = rng.choice(_OPENERS)
    parts = [opener]
    pieces = pieces_of(opener)
    sentences = _sentences_about(topic_of(prompt))
    for i, index in enumerate(_ORDERS[rng.getrandbits(8)] * 4):
        if len(pieces) >= target_tokens:
            break
        sentence, sentence_pieces = sentences[index][i and i % 3 == 0]
        parts.append(sentence)
        pieces.extend(sentence_pieces)
    return "".join(parts), pieces


@lru_cache(maxsize=1024)
def _sentences_about(topic: str) -> tuple[tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]], ...]:
    """Each sentence about `topic`, after a space and after a paragraph break, with its tokens: made once
    per topic, since the same prompts come back."""
    made = []
    for template in _SENTENCES:
        sentence = template.format(topic=topic)
        made.append(tuple((text, tuple(pieces_of(text))) for text in (" " + sentence, "\n\n" + sentence)))
    return tuple(made)  # type: ignore[return-value]


def after_tool(rng: random.Random, tool: str, result: str) -> str:
    """A reply that uses the result of a tool call sent back in a `tool` message."""
    shown = result if len(result) <= 200 else result[:197] + "..."
    return rng.choice(_AFTER_TOOL).format(tool=tool or "tool", result=shown or "nothing")


def logprobs(rng: random.Random, tokens: list[str], top: int) -> list[dict[str, Any]]:
    """OpenAI-shaped `logprobs.content` entries: the chosen token first, then less likely ones."""
    entries = []
    for token in tokens:
        chosen = -round(rng.uniform(0.0, 1.5), 6)
        others = []
        logprob = chosen
        for alternative in rng.sample(_ALTERNATIVES, k=min(max(top - 1, 0), len(_ALTERNATIVES))):
            logprob = round(logprob - rng.uniform(0.5, 2.0), 6)
            others.append(_entry(alternative, logprob))
        entry = _entry(token, chosen)
        entry["top_logprobs"] = ([_entry(token, chosen)] + others)[:top]
        entries.append(entry)
    return entries


def _entry(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode())}
