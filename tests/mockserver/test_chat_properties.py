"""Properties of chat over generated schemas (B-CHAT-5, B-CHAT-6, B-CHAT-7): whatever strict JSON Schema
a client sends as `response_format` or as a tool's `parameters`, the content or the arguments validate
against it (or the request is refused with the documented code), and the stream says the same."""

from __future__ import annotations

import json
from typing import Any

from conftest import CheckedClient, auth
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from test_chat_stream import assemble, frames
from test_synth_schema_values import LEAVES, strict_object, strict_schemas, trees

from mockserver import create_app
from mockserver.chat_request import RESPONSE_FORMAT_MAX_BYTES, RESPONSE_FORMAT_MAX_DEPTH, schema_depth

# One app for all examples: a fresh one per example would dominate the run time.
CLIENT = CheckedClient(create_app())
_TEAM = CLIENT.post("/__mock/teams", json={"rpm_limit": 1_000_000, "tpm_limit": 1_000_000_000,
                                            "balance": 1_000_000}).json()
KEY = _TEAM["api_key"]
ASK = [{"role": "user", "content": "Fill in the record for a customer in Oslo."}]


def post(**body: Any):
    return CLIENT.post("/v1/chat/completions", headers=auth(KEY),
                       json={"model": "aurous-grow-2.0-pro", "messages": ASK, "max_tokens": 32768, **body})


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def expected_refusal(schema: dict[str, Any]) -> str | None:
    if len(json.dumps(schema, separators=(",", ":")).encode()) > RESPONSE_FORMAT_MAX_BYTES:
        return "response_format_too_large"
    if schema_depth(schema) > RESPONSE_FORMAT_MAX_DEPTH:
        return "response_format_too_deep"
    return None


@settings(max_examples=40)
@given(strict_schemas())
def test_structured_output_is_valid_for_any_strict_schema_streamed_or_not(schema):  # B-CHAT-7, B-CHAT-5
    response_format = {"type": "json_schema", "json_schema": {"name": "record", "strict": True, "schema": schema}}
    response = post(response_format=response_format)
    refusal = expected_refusal(schema)
    if refusal is not None:
        assert response.status_code == 400 and response.json()["error"]["code"] == refusal
        return
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    content = choice["message"]["content"]
    validator(schema).validate(json.loads(content))
    streamed = assemble(frames(post(response_format=response_format, stream=True).text))
    assert streamed["content"] == content


TOOL_PARAMETERS = st.dictionaries(st.sampled_from(("city", "date", "count", "filters", "unit", "query")),
                                  trees(LEAVES), min_size=1, max_size=4).map(strict_object)


@settings(max_examples=40)
@given(TOOL_PARAMETERS, st.sampled_from(["forced", "auto"]))
def test_tool_arguments_are_valid_for_any_parameters_schema_streamed_or_not(parameters, choice):  # B-CHAT-6
    tool = {"type": "function", "function": {"name": "lookup_customer", "description": "Look up a customer record.",
                                             "parameters": parameters}}
    tool_choice = {"type": "function", "function": {"name": "lookup_customer"}} if choice == "forced" else "auto"
    ask = [{"role": "user", "content": "Please look up the customer record for Oslo."}]
    response = post(messages=ask, tools=[tool], tool_choice=tool_choice)
    assert response.status_code == 200, response.text
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    validator(parameters).validate(json.loads(call["function"]["arguments"]))
    streamed = assemble(frames(post(messages=ask, tools=[tool], tool_choice=tool_choice, stream=True).text))
    assert [(c["name"], c["arguments"]) for c in streamed["calls"]] == [
        (call["function"]["name"], call["function"]["arguments"])]
