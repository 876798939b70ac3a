"""Chat completions in process (B-CHAT-2..11, B-HDR-4, B-RL-2): shapes, determinism, cuts, credits,
tools, structured output, the stored completion and every documented refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import DEFAULT_KEY, PINNED_KEY, auth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from mockserver.chat_request import schema_depth

PRO = "aurous-grow-2.0-pro"
MINI = "aurous-grow-2.0-mini"
LITE = "aurous-grow-2.0-lite"
USER = [{"role": "user", "content": "How should I plan a weekend trip to Lisbon?"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def chat(client, key: str = DEFAULT_KEY, headers: dict[str, str] | None = None, **body: Any):
    body.setdefault("model", PRO)
    body.setdefault("messages", USER)
    return client.post("/v1/chat/completions", headers=auth(key, **(headers or {})), json=body)


def ok(client, **body: Any) -> dict[str, Any]:
    response = chat(client, **body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_completion_has_the_documented_shape(client):  # B-CHAT-2
    body = ok(client)
    assert body["id"].startswith("cmp_") and body["object"] == "chat.completion"
    assert body["model"] == PRO and body["status"] == "completed" and "error" not in body
    (choice,) = body["choices"]
    assert choice["message"]["role"] == "assistant" and choice["message"]["content"]
    assert choice["finish_reason"] == "stop" and choice["logprobs"] is None
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + usage["reasoning_tokens"]
    assert usage["breakdown"]["pricing_version"] == 7 and usage["breakdown"]["model"] == PRO


def test_the_same_request_gets_the_same_reply_and_another_seed_another(client):  # B-CHAT-2
    first = ok(client, seed=1)["choices"][0]["message"]["content"]
    assert ok(client, seed=1)["choices"][0]["message"]["content"] == first
    assert ok(client, seed=2)["choices"][0]["message"]["content"] != first


def test_the_reply_is_about_what_was_asked(client):
    content = ok(client)["choices"][0]["message"]["content"]
    assert "lisbon" in content.lower()


def test_max_tokens_cuts_the_reply_to_a_prefix_with_finish_reason_length(client):  # B-CHAT-4
    full = ok(client)["choices"][0]["message"]["content"]
    body = ok(client, max_tokens=5)
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 5
    assert full.startswith(body["choices"][0]["message"]["content"])


def test_max_completion_tokens_is_read_when_max_tokens_is_absent(client):
    assert ok(client, max_completion_tokens=3)["usage"]["completion_tokens"] == 3


def test_a_stop_sequence_ends_the_reply_before_it(client):  # B-CHAT-4
    full = ok(client)["choices"][0]["message"]["content"]
    word = full.split()[3]
    body = ok(client, stop=["zzz-never", word])
    content = body["choices"][0]["message"]["content"]
    assert body["choices"][0]["finish_reason"] == "stop"
    assert content == full[: full.index(word)] and word not in content


def test_credits_follow_the_models_rates_and_land_in_the_ledger(client, new_team):  # B-CHAT-10, B-ACCT-2
    team = new_team(balance=50)
    body = ok(client, key=team["api_key"], model=MINI)
    usage = body["usage"]
    input_credits = round(usage["prompt_tokens"] * 15 / 1e6, 6)
    output_credits = round(usage["completion_tokens"] * 90 / 1e6, 6)
    assert usage["breakdown"]["input_credits"] == input_credits
    assert usage["breakdown"]["output_credits"] == output_credits
    assert usage["credits_charged"] == pytest.approx(input_credits + output_credits, abs=1e-9)
    balance = client.get("/v1/balance", headers=auth(team["api_key"])).json()
    assert balance["balance"] == pytest.approx(50 - usage["credits_charged"], abs=1e-6)
    events = client.get("/v1/usage/events", headers=auth(team["api_key"]), params={"type": "charge"}).json()
    (event,) = events["data"]
    assert event["amount"] == usage["credits_charged"] and event["generation_id"] == body["id"]
    usage_totals = client.get("/v1/usage", headers=auth(team["api_key"])).json()
    assert usage_totals["by_kind"]["chat"] == usage["credits_charged"]


def test_reasoning_tokens_are_billed_at_the_output_rate(client):  # B-CHAT-8
    usage = ok(client, reasoning_effort="high")["usage"]
    assert usage["reasoning_tokens"] >= 2048
    assert usage["breakdown"]["reasoning_credits"] == round(usage["reasoning_tokens"] * 450 / 1e6, 6)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + usage["reasoning_tokens"]
    low = ok(client, reasoning_effort="low")["usage"]["reasoning_tokens"]
    assert 0 < low < usage["reasoning_tokens"]


def test_reasoning_effort_on_a_model_without_reasoning_adds_nothing(client):  # B-CHAT-8
    usage = ok(client, model=MINI, reasoning_effort="high")["usage"]
    assert usage["reasoning_tokens"] == 0 and usage["breakdown"]["reasoning_credits"] == 0


def test_logprobs_cover_every_token_of_the_reply(client):
    body = ok(client, logprobs=True, top_logprobs=3)
    content = body["choices"][0]["message"]["content"]
    entries = body["choices"][0]["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == content
    assert len(entries) == body["usage"]["completion_tokens"]
    assert all(len(e["top_logprobs"]) == 3 and e["top_logprobs"][0]["token"] == e["token"] for e in entries)


def test_image_parts_are_accepted_and_counted(client):  # B-CHAT-9
    text_only = ok(client, messages=[{"role": "user", "content": [{"type": "text", "text": "Describe it."}]}])
    with_image = ok(client, messages=[{"role": "user", "content": [
        {"type": "text", "text": "Describe it."},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
    ]}])
    assert with_image["usage"]["prompt_tokens"] == text_only["usage"]["prompt_tokens"] + 85


def test_a_stored_completion_is_readable_by_its_team_only(client, new_team):  # B-CHAT-3
    body = ok(client)
    fetched = client.get(f"/v1/chat/completions/{body['id']}", headers=auth())
    assert fetched.status_code == 200 and fetched.json() == body
    other = new_team()
    missing = client.get(f"/v1/chat/completions/{body['id']}", headers=auth(other["api_key"]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "resource_not_found"
    unknown = client.get("/v1/chat/completions/cmp_nope", headers=auth())
    assert unknown.status_code == 404


# --- tools (B-CHAT-6) ---------------------------------------------------------------------------


def test_a_forced_function_is_called_with_arguments_valid_for_its_parameters(client):
    body = ok(client, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "get_weather"}})
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["id"].startswith("call_") and call["function"]["name"] == "get_weather"
    Draft202012Validator(WEATHER["function"]["parameters"]).validate(json.loads(call["function"]["arguments"]))


def test_auto_calls_the_tool_the_user_asks_for_and_answers_its_result(client):
    asked = [{"role": "user", "content": "What is the weather in Tokyo?"}]
    body = ok(client, messages=asked, tools=[WEATHER], tool_choice="auto")
    (call,) = body["choices"][0]["message"]["tool_calls"]
    history = asked + [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temperature_c": 21}'},
    ]
    answer = ok(client, messages=history, tools=[WEATHER])
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert "temperature_c" in answer["choices"][0]["message"]["content"]


def test_auto_answers_in_text_when_no_tool_fits_and_none_never_calls(client):
    assert "tool_calls" not in ok(client, tools=[WEATHER])["choices"][0]["message"]
    weather = [{"role": "user", "content": "What is the weather in Tokyo?"}]
    never = ok(client, messages=weather, tools=[WEATHER], tool_choice="none")
    assert "tool_calls" not in never["choices"][0]["message"]


# --- structured output (B-CHAT-7) ---------------------------------------------------------------

CITY_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"},
                   "population": {"type": "integer", "minimum": 0}},
    "required": ["city", "country", "population"],
    "additionalProperties": False,
}


def test_json_schema_output_is_valid_against_the_schema(client):
    body = ok(client, response_format={"type": "json_schema", "json_schema": {"name": "city", "strict": True,
                                                                                "schema": CITY_SCHEMA}})
    Draft202012Validator(CITY_SCHEMA).validate(json.loads(body["choices"][0]["message"]["content"]))


def test_json_object_output_is_a_json_object(client):
    body = ok(client, response_format={"type": "json_object"})
    assert isinstance(json.loads(body["choices"][0]["message"]["content"]), dict)


def nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"inner": schema}, "required": ["inner"],
                  "additionalProperties": False}
    return schema


def test_schema_depth_counts_nested_containers_and_follows_references():
    assert schema_depth(nested(5)) == 5
    assert schema_depth({"type": "array", "items": nested(2)}) == 3
    recursive = {"$defs": {"node": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/$defs/node"},
                                                                                          {"type": "null"}]}}}},
                 "$ref": "#/$defs/node"}
    assert schema_depth(recursive) == 1


def test_a_schema_five_levels_deep_is_accepted(client):
    body = ok(client, response_format={"type": "json_schema", "json_schema": {"name": "deep", "schema": nested(5)}})
    Draft202012Validator(nested(5)).validate(json.loads(body["choices"][0]["message"]["content"]))


# --- refusals: one table for every documented code ------------------------------------------------

BIG_SCHEMA = {"type": "object", "properties": {f"field_{i}": {"type": "string", "description": "x" * 80}
                                               for i in range(120)}}
REFUSALS = [
    # (body changes, status, code, param)
    ({"model": None}, 400, "invalid_type", "model"),
    ({"model": "x" * 129}, 400, "invalid_length", "model"),
    ({"model": "aurous-nope"}, 404, "model_not_found", "model"),
    ({"model": "aurous-chat-pro"}, 404, "model_not_found", "model"),  # renamed (B-CHAT-4)
    ({"model": "aurous-embed-vision-1.0"}, 400, "model_kind_mismatch", "model"),
    ({"messages": []}, 400, "invalid_length", "messages"),
    ({"messages": USER * 201}, 400, "invalid_length", "messages"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, 400, "invalid_format", "messages[0].role"),
    ({"messages": [{"content": "hi"}]}, 400, "missing_field", "messages[0].role"),
    ({"messages": [{"role": "user", "content": ""}]}, 400, "invalid_length", "messages[0].content"),
    ({"messages": [{"role": "user"}]}, 400, "missing_field", "messages[0].content"),
    ({"messages": [{"role": "user", "content": []}]}, 400, "invalid_length", "messages[0].content"),
    ({"messages": ["hello"]}, 400, "invalid_type", "messages[0]"),
    ({"messages": [{"role": "assistant"}]}, 400, "missing_field", "messages[0].content"),
    ({"messages": [{"role": "tool", "tool_call_id": "call_1", "content": "x"}]}, 400,
     "parameter_invalid_combination", "messages[0].tool_call_id"),
    ({"max_tokens": 0}, 400, "value_out_of_range", "max_tokens"),
    ({"max_tokens": 32769}, 400, "max_tokens_exceeds_hard_cap", "max_tokens"),
    ({"model": MINI, "max_tokens": 16385}, 400, "max_tokens_exceeds_hard_cap", "max_tokens"),
    ({"temperature": 2.5}, 400, "value_out_of_range", "temperature"),
    ({"top_p": 1.5}, 400, "value_out_of_range", "top_p"),
    ({"presence_penalty": -3}, 400, "value_out_of_range", "presence_penalty"),
    ({"frequency_penalty": 2.1}, 400, "value_out_of_range", "frequency_penalty"),
    ({"logprobs": True, "top_logprobs": 21}, 400, "value_out_of_range", "top_logprobs"),
    ({"top_logprobs": 2}, 400, "parameter_invalid_combination", "logprobs"),
    ({"top_logprobs": 2, "logprobs": False}, 400, "parameter_invalid_combination", "logprobs"),
    ({"stop": ["a", "b", "c", "d", "e"]}, 400, "invalid_length", "stop"),
    ({"stop": "x" * 201}, 400, "invalid_length", "stop"),
    ({"stop": ["x" * 201]}, 400, "invalid_length", "stop[0]"),
    ({"reasoning_effort": "extreme"}, 400, "invalid_format", "reasoning_effort"),
    ({"n": 2}, 400, "value_out_of_range", "n"),
    ({"tools": [WEATHER], "tool_choice": "required"}, 400, "tool_choice_required_unsupported", "tool_choice"),
    ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "other"}}}, 400,
     "parameter_invalid_combination", "tool_choice"),
    ({"tools": [WEATHER, WEATHER]}, 400, "parameter_invalid_combination", "tools[1]"),
    ({"model": LITE, "tools": [WEATHER]}, 400, "parameter_invalid_combination", "tools"),
    ({"tools": [{"function": {"name": "f", "parameters": {"type": "objekt"}}}]}, 400, "invalid_format",
     "tools[0].function.parameters"),
    ({"model": LITE, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]}, 400,
     "parameter_invalid_combination", "messages[0].content"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "big", "schema": BIG_SCHEMA}}}, 400,
     "response_format_too_large", "response_format.json_schema.schema"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "deep", "schema": nested(6)}}}, 400,
     "response_format_too_deep", "response_format.json_schema.schema"),
    ({"response_format": {"type": "json_schema"}}, 400, "missing_field", "response_format.json_schema"),
    ({"response_format": {"type": "xml"}}, 400, "invalid_format", "response_format.type"),
    ({"metadata": {"aurous_mock_outcome": "explode"}}, 400, "invalid_format", "metadata.aurous_mock_outcome"),
    ({"model": MINI, "messages": [{"role": "user", "content": "word " * 130_000}]}, 400, "context_length_exceeded",
     "messages"),
]


@pytest.mark.parametrize(("changes", "status", "code", "param"), REFUSALS,
                         ids=[f"{code}:{param}" for _, _, code, param in REFUSALS])
def test_every_documented_refusal(client, mock, changes, status, code, param):  # B-CHAT-4, B-CHAT-6, B-CHAT-7
    before = mock.ledger.balance("team_default")
    body = {"model": PRO, "messages": USER, **changes}
    response = client.post("/v1/chat/completions", headers=auth(), json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    assert mock.ledger.balance("team_default") == before  # a refusal bills nothing


def test_a_team_without_enough_credit_is_refused_before_anything_happens(client, new_team):  # B-ACCT-3
    team = new_team(balance=0.001)
    response = chat(client, key=team["api_key"])
    assert response.status_code == 402 and response.json()["error"]["code"] == "insufficient_credits"
    small = chat(client, key=team["api_key"], model="aurous-grow-2.0-lite", max_tokens=1)
    assert small.status_code == 200  # a call whose worst case fits the balance goes through


# --- the token bucket (B-HDR-4, B-RL-2) -------------------------------------------------------------


def test_tpm_headers_fall_by_the_tokens_used(client, new_team):
    team = new_team(tpm_limit=100_000)
    response = chat(client, key=team["api_key"], max_tokens=50)
    used = response.json()["usage"]["total_tokens"]
    assert response.headers["X-RateLimit-TPM-Limit"] == "100000"
    assert int(response.headers["X-RateLimit-TPM-Remaining"]) == 100_000 - used
    assert response.headers["x-ratelimit-remaining-tokens"] == response.headers["X-RateLimit-TPM-Remaining"]
    assert int(response.headers["X-RateLimit-TPM-Reset"]) == int(response.headers["X-RateLimit-Reset"])


def test_a_call_larger_than_what_remains_is_refused_with_429(client, new_team):  # B-RL-2
    team = new_team(tpm_limit=2_000)
    first = chat(client, key=team["api_key"], max_tokens=1_000)
    assert first.status_code == 200
    second = chat(client, key=team["api_key"], max_tokens=1_990)
    assert second.status_code == 429 and second.json()["error"]["code"] == "tokens_rate_limit_exceeded"
    assert 1 <= int(second.headers["Retry-After"]) <= 60
    assert second.headers["X-RateLimit-TPM-Remaining"] == first.headers["X-RateLimit-TPM-Remaining"]


def test_a_reply_no_value_can_satisfy_is_refused_without_spending_tokens(client, new_team):  # B-CHAT-7
    team = new_team(tpm_limit=100_000)
    never = {"type": "json_schema", "json_schema": {"name": "never", "strict": True, "schema": {
        "type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}}, "required": ["n"],
        "additionalProperties": False}}}
    refused = chat(client, key=team["api_key"], response_format=never)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_format"
    assert refused.headers["X-RateLimit-TPM-Remaining"] == "100000"  # the reservation was given back
    after = chat(client, key=team["api_key"], max_tokens=50)
    assert int(after.headers["X-RateLimit-TPM-Remaining"]) == 100_000 - after.json()["usage"]["total_tokens"]


def test_tpm_headers_only_on_the_token_metered_routes(client):  # B-HDR-4 "only"
    assert "X-RateLimit-TPM-Limit" not in client.get("/v1/models", headers=auth()).headers
    assert "X-RateLimit-TPM-Limit" in chat(client, model="nope").headers


# --- provider failure (B-CHAT-11) -------------------------------------------------------------------


def test_a_provider_failure_answers_502_and_stores_the_failed_completion(client, mock):
    before = mock.ledger.balance("team_default")
    response = chat(client, metadata={"aurous_mock_outcome": "provider_failure"})
    assert response.status_code == 502
    error = response.json()["error"]
    assert (error["code"], error["type"]) == ("chat_provider_unavailable", "server_error")
    completion_id = client.get("/__mock/requests").json()["data"][-1]["completion_id"]
    stored = client.get(f"/v1/chat/completions/{completion_id}", headers=auth()).json()
    assert stored["status"] == "failed" and stored["error"]["code"] == "chat_provider_unavailable"
    assert stored["usage"] is None and mock.ledger.balance("team_default") == before


def test_the_pinned_team_gets_the_same_chat_shape(client):
    assert chat(client, key=PINNED_KEY).status_code == 200


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["type", "properties", "items", "anyOf", "$ref", "$defs",
                                                       "additionalProperties", "x"]), inner, max_size=4),
                    max_leaves=12))
def test_schema_depth_never_fails_on_malformed_schemas(schema):
    assert schema_depth(schema) >= 0


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["type", "properties", "items", "anyOf", "$ref", "enum", "minimum"]),
                       st.none() | st.integers() | st.text(max_size=4) | st.lists(st.integers(), max_size=2),
                       max_size=4))
def test_a_malformed_response_schema_is_a_documented_400_never_a_500(client, schema):  # B-CHAT-7
    response_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    response = chat(client, response_format=response_format)
    assert response.status_code in (200, 400), response.text
