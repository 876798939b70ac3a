"""Properties of the scenario loader and matcher: a random rule set survives a YAML round trip and
matches exactly the requests a plain reading of the rules says it should (the index included); random
junk files are refused with a located message and never crash the loader."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import create_app
from mockserver.scenarios import ScenarioLibrary
from mockserver.yamlfile import FixtureError

MOCK = create_app().state.mock
FOLDER = Path(tempfile.mkdtemp(prefix="aurous-scenarios-"))
LIBRARY = ScenarioLibrary(FOLDER, MOCK.errors, MOCK.versions)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
SEGMENTS = ["v1", "chat", "models", "a", "b-c", "x.y"]
HEADER_NAMES = ["x-tenant", "x-case"]
VALUES = ["blue", "red", "1"]
FIELDS = ["model", "metadata.case", "messages.0.role", "n"]
SCALARS = st.one_of(st.sampled_from(["blue", "red", "user"]), st.integers(0, 2), st.booleans(), st.none())

segment_patterns = st.one_of(st.sampled_from(SEGMENTS), st.just("*"), st.just("{id}"))
path_patterns = st.builds(
    lambda parts, rest: "/" + "/".join(parts) + ("/**" if rest else ""),
    st.lists(segment_patterns, min_size=1, max_size=3), st.booleans(),
)
matches = st.fixed_dictionaries({}, optional={
    "method": st.one_of(st.sampled_from(METHODS), st.lists(st.sampled_from(METHODS), min_size=1, max_size=3,
                                                               unique=True)),
    "path": path_patterns,
    "headers": st.dictionaries(st.sampled_from(HEADER_NAMES), st.sampled_from(VALUES), max_size=2),
    "body": st.dictionaries(st.sampled_from(FIELDS), SCALARS, max_size=2),
})
rules = st.fixed_dictionaries({"error": st.sampled_from(["model_not_found", "invalid_format"])}, optional={
    "match": matches,
    "nth": st.integers(1, 5),
    "after": st.integers(0, 5),
    "times": st.integers(1, 5),
    "probability": st.floats(0, 1),
    "name": st.text(min_size=1, max_size=8),
})
requests = st.fixed_dictionaries({
    "method": st.sampled_from(METHODS),
    "path": st.builds(lambda parts: "/" + "/".join(parts), st.lists(st.sampled_from([*SEGMENTS, "img_1"]),
                                                                      min_size=1, max_size=5)),
    "headers": st.dictionaries(st.sampled_from(HEADER_NAMES), st.sampled_from(VALUES), max_size=2),
    "body": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        "model": SCALARS, "n": SCALARS,
        "metadata": st.fixed_dictionaries({}, optional={"case": SCALARS}),
        "messages": st.lists(st.fixed_dictionaries({"role": SCALARS}), max_size=2),
    })),
})


def _path_matches(pattern: str, path: str) -> bool:
    """The documented pattern language, read segment by segment."""
    wanted, got = pattern.split("/"), path.split("/")
    for index, part in enumerate(wanted):
        if part == "**":
            return len(got) > index  # a slash after the prefix, then anything
        if index >= len(got):
            return False
        if part == "*" or re.fullmatch(r"\{[^/{}]+\}", part):
            if not got[index]:
                return False
        elif part != got[index]:
            return False
    return len(got) == len(wanted)


def _field(body: Any, dotted: str) -> tuple[bool, Any]:
    node = body
    for step in dotted.split("."):
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return False, None
    return True, node


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def expected(rule: dict[str, Any], request: dict[str, Any]) -> bool:
    match = rule.get("match", {})
    method = match.get("method")
    if method is not None and request["method"] not in ([method] if isinstance(method, str) else method):
        return False
    if "path" in match and not _path_matches(match["path"], request["path"]):
        return False
    if any(request["headers"].get(name) != value for name, value in match.get("headers", {}).items()):
        return False
    for dotted, value in match.get("body", {}).items():
        found, actual = _field(request["body"], dotted)
        if not found or not _same(actual, value):
            return False
    return True


@settings(max_examples=150)
@given(st.lists(rules, min_size=1, max_size=6), st.lists(requests, min_size=1, max_size=8))
def test_random_rules_survive_a_yaml_round_trip_and_match_the_same_requests(raw_rules, raw_requests):
    document = {"description": "random", "rules": raw_rules}
    text = yaml.safe_dump(document, sort_keys=False)
    assert yaml.safe_load(text) == document
    path = FOLDER / "random.yaml"
    path.write_text(text)
    scenario = LIBRARY.load(path)
    for raw, rule in zip(raw_rules, scenario.rules, strict=True):
        assert (rule.nth, rule.after, rule.times, rule.probability, rule.name) == (
            raw.get("nth"), raw.get("after", 0), raw.get("times"), raw.get("probability"), raw.get("name"))
    for request in raw_requests:
        call = SimpleNamespace(headers=request["headers"], body=request["body"])
        indexed = [rule.index for rule in scenario.index.candidates(request["method"], request["path"])
                   if rule.matches_details(call)]
        whole = [rule.index for rule in scenario.rules if rule.matches(request["method"], request["path"], call)]
        assert indexed == whole == [i for i, raw in enumerate(raw_rules) if expected(raw, request)]


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
                    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(), inner,
                                                                                          max_size=4)),
                    max_leaves=12)
VALID = {"description": "ok", "rules": [{"match": {"method": "POST", "path": "/v1/chat/completions"},
                                         "times": 2, "error": "chat_provider_unavailable"}]}


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid document with one value replaced by random JSON."""
    document = yaml.safe_load(yaml.safe_dump(VALID))
    where = draw(st.sampled_from([("description",), ("rules",), ("rules", 0), ("rules", 0, "match"),
                                  ("rules", 0, "match", "path"), ("rules", 0, "times"), ("rules", 0, "error"),
                                  ("rules", 0, "latency")]))
    node = document
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = draw(JSON)
    return yaml.safe_dump(document)


junk = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    JSON.map(lambda value: yaml.safe_dump(value)),
    mutated(),
    st.sampled_from(["rules: &a [*a]\ndescription: x\n", "{", "- - -", "description: [\n", "\x00\x01"]),
)


@settings(max_examples=200)
@given(junk)
def test_junk_files_are_refused_with_a_located_message(text):
    path = FOLDER / "junk.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        LIBRARY.load(path)
    except FixtureError as error:
        assert re.match(rf"^{re.escape(str(path))}:\d+: ", str(error)), str(error)
