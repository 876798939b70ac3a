"""The mock's tokenizer: lossless, stable, and close to OpenAI's counts on plain English."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from mockserver.synth import replies, tokens


@given(st.text())
def test_tokens_join_back_to_the_text(text):
    assert "".join(tokens.pieces(text)) == text


@given(st.text(), st.text())
def test_the_count_of_a_message_is_at_most_the_sum_of_its_lines(a, b):
    assert tokens.count(a + "\n" + b) <= tokens.count(a) + tokens.count(b) + 1


def test_known_counts():
    assert tokens.pieces("Hello, world!") == ["Hello", ",", " world", "!"]
    assert tokens.pieces(" internationalization") == [" inte", "rnati", "onali", "zatio", "n"]
    assert tokens.count("12345") == 2  # digits in runs of at most three
    assert tokens.count("") == 0
    # tiktoken (cl100k_base) counts 10 for this sentence.
    assert tokens.count("The quick brown fox jumps over the lazy dog.") == 10


def test_a_conversation_counts_its_frames_and_images():
    text = [{"role": "user", "content": "Describe this."}]
    image = [{"role": "user", "content": [{"type": "text", "text": "Describe this."},
                                          {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]}]
    assert tokens.count_messages(text) == tokens.TOKENS_REPLY_PRIMING + tokens.TOKENS_PER_MESSAGE + 1 + 3
    assert tokens.count_messages(image) == tokens.count_messages(text) + tokens.TOKENS_PER_IMAGE


@given(st.text(max_size=60), st.integers(1, 200), st.integers(0, 10))
def test_a_reply_counted_sentence_by_sentence_counts_as_the_whole(prompt, target, seed):
    text, pieces = replies.answer(random.Random(seed), prompt, target)
    assert pieces == tokens.pieces(text)
    assert len(pieces) >= target
