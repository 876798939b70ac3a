"""A string that matches a regular expression, built by walking the parsed pattern (re._parser AST).

Used for JSON Schema `pattern`. Output sticks to readable ASCII where the pattern allows, so generated
identifiers look like identifiers. Lookarounds and backreferences are refused rather than guessed at.
"""

from __future__ import annotations

import random
import re
import re._constants as c
import re._parser as sre_parse
import string
from typing import Any

MAX_LENGTH = 100_000  # refuse patterns whose shortest match is absurdly long

_LETTERS = string.ascii_letters
_PRINTABLE = [chr(i) for i in range(32, 127)]
_PREFERRED = string.ascii_letters + string.digits  # first choice for '.', negated classes and \S
_CATEGORY_CHARS = {
    c.CATEGORY_DIGIT: string.digits,
    c.CATEGORY_NOT_DIGIT: _LETTERS,
    c.CATEGORY_SPACE: " ",
    c.CATEGORY_NOT_SPACE: _PREFERRED,
    c.CATEGORY_WORD: string.ascii_lowercase * 3 + string.ascii_uppercase + string.digits + "_",
    c.CATEGORY_NOT_WORD: " -.,",
}
_CATEGORY_TEST = {
    c.CATEGORY_DIGIT: str.isdigit,
    c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
    c.CATEGORY_SPACE: str.isspace,
    c.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    c.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    c.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}
_REFUSED = {c.GROUPREF, c.GROUPREF_EXISTS, c.ASSERT, c.ASSERT_NOT}


class PatternUnsupported(ValueError):
    """The pattern uses a construct we do not generate for, or no string could be found."""


def matching_string(pattern: str, rng: random.Random, min_length: int = 0, max_length: int | None = None) -> str:
    """A string `re.search(pattern, s)` accepts, with min_length <= len(s) <= max_length.

    Unbounded repeats start short (readable) and are stretched or shrunk on retry to meet the length bounds.
    """
    try:
        compiled = re.compile(pattern)
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise PatternUnsupported(f"invalid pattern {pattern!r}: {exc}") from exc
    extra = 4
    for _ in range(10):
        out: list[str] = []
        _emit(tree.data, rng, extra, out)
        text = "".join(out)
        if len(text) < min_length:
            extra = min(max(extra * 4, min_length), MAX_LENGTH)
        elif max_length is not None and len(text) > max_length:
            extra //= 4
        elif compiled.search(text):
            return text
    raise PatternUnsupported(f"no string of length {min_length}..{max_length} found for pattern {pattern!r}")


def _emit(items: list[tuple[Any, Any]], rng: random.Random, extra: int, out: list[str]) -> None:
    for op, arg in items:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.IN:
            out.append(_from_class(arg, rng))
        elif op is c.ANY:
            out.append(rng.choice(_PREFERRED))
        elif op is c.NOT_LITERAL:
            out.append(rng.choice([ch for ch in _PREFERRED if ord(ch) != arg]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            top = low + extra if high is c.MAXREPEAT else min(high, low + extra)
            for _ in range(rng.randint(low, top)):
                _emit(sub, rng, extra, out)
                if len(out) > MAX_LENGTH:
                    raise PatternUnsupported("pattern needs a string longer than the limit")
        elif op is c.SUBPATTERN:
            _emit(arg[3], rng, extra, out)
        elif op is c.ATOMIC_GROUP:
            _emit(arg, rng, extra, out)
        elif op is c.BRANCH:
            _emit(rng.choice(arg[1]), rng, extra, out)
        elif op is c.AT:
            continue  # anchors and \b emit nothing; the final re.search check catches misplaced ones
        elif op in _REFUSED:
            raise PatternUnsupported(f"lookarounds and backreferences are not supported ({op})")
        else:
            raise PatternUnsupported(f"unsupported regex construct {op}")


def _from_class(items: list[tuple[Any, Any]], rng: random.Random) -> str:
    """One character from a [...] class: a random member, or for [^...] a readable character outside it."""
    if items and items[0][0] is c.NEGATE:
        rest = items[1:]
        for pool in (_PREFERRED, _PRINTABLE):
            allowed = [ch for ch in pool if not _in_class(ch, rest)]
            if allowed:
                return rng.choice(allowed)
        raise PatternUnsupported("negated character class excludes every printable character")
    op, arg = rng.choice(items)
    if op is c.LITERAL:
        return chr(arg)
    if op is c.RANGE:
        return chr(rng.randint(arg[0], arg[1]))
    if op is c.CATEGORY and arg in _CATEGORY_CHARS:
        return rng.choice(_CATEGORY_CHARS[arg])
    raise PatternUnsupported(f"unsupported character class item {op}")


def _in_class(ch: str, items: list[tuple[Any, Any]]) -> bool:
    code = ord(ch)
    for op, arg in items:
        if op is c.LITERAL and code == arg:
            return True
        if op is c.RANGE and arg[0] <= code <= arg[1]:
            return True
        if op is c.CATEGORY and _CATEGORY_TEST.get(arg, lambda _: True)(ch):
            return True
    return False
