"""The official OpenAI SDK over real HTTP, changed only in `base_url` and `api_key` (B-CHAT-1, B-EMB-1,
B-HDR-1..5): chat create, streams, the stream helper, `parse()`, tools, embeddings and typed errors.

Every response is also checked against the contract through an httpx event hook (which buffers the
body, so one streaming test runs without it to see chunks arrive unbuffered)."""

from __future__ import annotations

import base64
import enum
import json
import struct
from collections.abc import Iterator
from datetime import date, datetime
from typing import Literal

import httpx
import openai
import pytest
from conftest import DEFAULT_KEY, check_httpx_response
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

PRO = "aurous-grow-2.0-pro"
EMBED = "aurous-embed-vision-1.0"
ASK = [{"role": "user", "content": "What is the weather in Tokyo today?"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
HEADERS = ("Aurous-Request-Id", "x-request-id", "Aurous-Version", "X-RateLimit-Limit", "X-RateLimit-Remaining",
           "X-RateLimit-Reset", "X-RateLimit-TPM-Limit", "X-RateLimit-TPM-Remaining", "X-RateLimit-TPM-Reset",
           "x-ratelimit-limit-requests", "x-ratelimit-remaining-tokens")


@pytest.fixture
def sdk(live) -> Iterator[openai.OpenAI]:
    http = httpx.Client(event_hooks={"response": [check_httpx_response]})
    yield openai.OpenAI(base_url=f"{live.base_url}/v1", api_key=DEFAULT_KEY, http_client=http, max_retries=0)
    http.close()


def test_create_returns_a_typed_completion_with_the_aurous_receipt(sdk):  # B-CHAT-1, B-CHAT-2
    completion = sdk.chat.completions.create(model=PRO, messages=ASK, max_tokens=64)
    assert completion.id.startswith("cmp_") and len(completion.choices) == 1
    assert completion.choices[0].message.content
    assert completion.usage is not None and completion.usage.total_tokens > 0
    extra = completion.usage.model_extra or {}
    assert extra["credits_charged"] > 0 and extra["breakdown"]["pricing_version"] == 7
    assert completion.model_extra["status"] == "completed"


def test_with_raw_response_shows_every_header(sdk):  # B-HDR-1..5, B-IDEM-5
    raw = sdk.chat.completions.with_raw_response.create(model=PRO, messages=ASK, max_tokens=8)
    assert all(raw.headers.get(name) for name in HEADERS)
    assert raw.headers["Aurous-Idempotency-Status"] == "none"
    assert raw.request_id == raw.headers["Aurous-Request-Id"]
    assert raw.parse().choices[0].finish_reason in ("stop", "length")
    embedded = sdk.embeddings.with_raw_response.create(model=EMBED, input="hello")
    assert all(embedded.headers.get(name) for name in HEADERS)


def test_stream_true_yields_chunks_that_add_up_to_the_unstreamed_reply(live):  # B-CHAT-5
    client = openai.OpenAI(base_url=f"{live.base_url}/v1", api_key=DEFAULT_KEY, max_retries=0)  # unbuffered
    plain = client.chat.completions.create(model=PRO, messages=ASK, seed=3)
    stream = client.chat.completions.create(model=PRO, messages=ASK, seed=3, stream=True)
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == plain.usage.total_tokens
    client.close()


def test_the_stream_helper_gives_events_and_the_final_completion(sdk):  # B-CHAT-1
    with sdk.chat.completions.stream(model=PRO, messages=ASK, max_tokens=400) as stream:
        deltas = [event.delta for event in stream if event.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == final.choices[0].message.content
    assert final.usage is not None and final.usage.completion_tokens > 0


class Unit(enum.Enum):
    celsius = "celsius"
    fahrenheit = "fahrenheit"


class Reading(BaseModel):
    at: datetime
    temperature: float = Field(ge=-90, le=60)
    unit: Unit


class Forecast(BaseModel):
    city: str
    country: str
    day: date
    summary: Literal["sunny", "cloudy", "rain", "snow"]
    readings: list[Reading]
    warning: str | None


def test_parse_returns_a_valid_pydantic_object(sdk):  # B-CHAT-7
    completion = sdk.chat.completions.parse(model=PRO, messages=ASK, response_format=Forecast)
    forecast = completion.choices[0].message.parsed
    assert isinstance(forecast, Forecast) and forecast.city


def test_parse_with_a_pydantic_tool_returns_parsed_arguments(sdk):  # B-CHAT-6
    class GetWeather(BaseModel):
        city: str
        unit: Unit

    completion = sdk.chat.completions.parse(
        model=PRO, messages=ASK, tools=[openai.pydantic_function_tool(GetWeather)],
        tool_choice={"type": "function", "function": {"name": "GetWeather"}},
    )
    (call,) = completion.choices[0].message.tool_calls
    assert isinstance(call.function.parsed_arguments, GetWeather)


@pytest.mark.parametrize("choice", ["auto", {"type": "function", "function": {"name": "get_weather"}}],
                         ids=["auto", "forced"])
def test_tool_calls_have_arguments_valid_for_the_schema_streamed_or_not(sdk, choice):  # B-CHAT-6
    plain = sdk.chat.completions.create(model=PRO, messages=ASK, tools=[WEATHER], tool_choice=choice)
    (call,) = plain.choices[0].message.tool_calls
    assert plain.choices[0].finish_reason == "tool_calls"
    arguments = json.loads(call.function.arguments)
    Draft202012Validator(WEATHER["function"]["parameters"]).validate(arguments)
    with sdk.chat.completions.stream(model=PRO, messages=ASK, tools=[WEATHER], tool_choice=choice) as stream:
        final = stream.get_final_completion()
    (streamed,) = final.choices[0].message.tool_calls
    assert streamed.function.name == "get_weather" and json.loads(streamed.function.arguments) == arguments


def test_embeddings_create_in_both_encodings(sdk):  # B-EMB-1
    default = sdk.embeddings.create(model=EMBED, input="A golden sunset")  # the SDK asks for base64
    floats = sdk.embeddings.create(model=EMBED, input="A golden sunset", encoding_format="float")
    assert len(default.data) == 1 and len(default.data[0].embedding) == 1024
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding, abs=1e-6)
    raw = sdk.embeddings.with_raw_response.create(model=EMBED, input="A golden sunset", encoding_format="base64")
    encoded = json.loads(raw.text)["data"][0]["embedding"]
    assert struct.unpack("<1024f", base64.b64decode(encoded)) == pytest.approx(floats.data[0].embedding, abs=1e-6)


def test_multimodal_embeddings_through_the_low_level_post(sdk):  # B-EMB-1 (seed 004: client.post())
    body = {"model": EMBED, "input": [{"type": "text", "text": "A sunset"},
                                      {"type": "image_url", "image_url": {"url": "https://example.com/s.jpg"}}]}
    result = sdk.post("/embeddings", body=body, cast_to=openai.types.CreateEmbeddingResponse)
    assert len(result.data[0].embedding) == 1024


TOO_LARGE = {"type": "json_schema",
             "json_schema": {"name": "big", "schema": {"type": "object", "description": "x" * 11000}}}
ERRORS = [
    # (call, exception, code)
    (lambda c: c.chat.completions.create(model="aurous-chat-pro", messages=ASK), openai.NotFoundError,
     "model_not_found"),
    (lambda c: c.chat.completions.create(model=PRO, messages=ASK, max_tokens=40_000), openai.BadRequestError,
     "max_tokens_exceeds_hard_cap"),
    (lambda c: c.chat.completions.create(model=PRO, messages=ASK, tools=[WEATHER], tool_choice="required"),
     openai.BadRequestError, "tool_choice_required_unsupported"),
    (lambda c: c.chat.completions.create(model=PRO, messages=ASK, response_format=TOO_LARGE),
     openai.BadRequestError, "response_format_too_large"),
    (lambda c: c.chat.completions.create(model=PRO, messages=[], max_tokens=1), openai.BadRequestError,
     "invalid_length"),
    (lambda c: c.chat.completions.create(model=PRO, messages=ASK, metadata={"aurous_mock_outcome": "provider_failure"}),
     openai.InternalServerError, "chat_provider_unavailable"),
    (lambda c: c.embeddings.create(model=EMBED, input=["a", "b"]), openai.BadRequestError,
     "embeddings_batch_not_supported"),
    (lambda c: c.embeddings.create(model="aurous-embed-vision", input="a"), openai.NotFoundError, "model_not_found"),
    (lambda c: c.post("/embeddings", body={"model": EMBED, "input": [
        {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}}]}, cast_to=object),
     openai.BadRequestError, "embeddings_video_unsupported"),
]


@pytest.mark.parametrize(("make", "exception", "code"), ERRORS, ids=[code for _, _, code in ERRORS])
def test_documented_errors_raise_the_sdks_typed_exceptions(sdk, make, exception, code):  # B-ERR-1, B-ERR-2
    with pytest.raises(exception) as caught:
        make(sdk)
    assert caught.value.code == code


def test_rate_limits_and_credit_refusals_raise_typed_exceptions(live, sdk):  # B-RL-2, B-ACCT-3
    with live.client() as admin:
        tight = admin.post("/__mock/teams", json={"tpm_limit": 100}).json()
        broke = admin.post("/__mock/teams", json={"balance": 0}).json()
    for key, exception, code in ((tight["api_key"], openai.RateLimitError, "tokens_rate_limit_exceeded"),
                                 (broke["api_key"], openai.APIStatusError, "insufficient_credits")):
        client = sdk.with_options(api_key=key)
        with pytest.raises(exception) as caught:
            client.chat.completions.create(model=PRO, messages=ASK)
        assert caught.value.code == code


def test_an_unsatisfiable_schema_raises_and_spends_no_tokens(live, sdk):  # B-CHAT-7, B-RL-2
    with live.client() as admin:
        team = admin.post("/__mock/teams", json={"tpm_limit": 100_000}).json()
    client = sdk.with_options(api_key=team["api_key"])
    never = {"type": "json_schema", "json_schema": {"name": "never", "strict": True, "schema": {
        "type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}}, "required": ["n"],
        "additionalProperties": False}}}
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=PRO, messages=ASK, response_format=never)
    assert caught.value.code == "invalid_format"
    assert caught.value.response.headers["x-ratelimit-remaining-tokens"] == "100000"
    raw = client.chat.completions.with_raw_response.create(model=PRO, messages=ASK, max_tokens=32)
    used = raw.parse().usage.total_tokens
    assert int(raw.headers["x-ratelimit-remaining-tokens"]) == 100_000 - used


def test_a_streamed_provider_failure_raises_in_the_sdk_and_the_completion_is_failed(sdk):  # B-CHAT-11, B-CHAT-5
    stream = sdk.chat.completions.create(model=PRO, messages=ASK, stream=True,
                                         metadata={"aurous_mock_outcome": "provider_failure"})
    seen = []
    with pytest.raises(openai.APIError, match="Provider request failed"):
        for chunk in stream:
            seen.append(chunk)
    (opening,) = seen
    stored = sdk.get(f"/chat/completions/{opening.id}", cast_to=object)
    assert stored["status"] == "failed" and stored["error"]["code"] == "chat_provider_unavailable"


def test_a_streamed_call_with_an_idempotency_key_warns_in_its_first_chunk(sdk):  # B-IDEM-5
    raw = sdk.chat.completions.with_raw_response.create(model=PRO, messages=ASK, stream=True,
                                                        extra_headers={"Idempotency-Key": "live-stream-1"})
    assert raw.headers["Aurous-Idempotency-Status"] == "ignored_streaming"
    chunks = list(raw.parse())
    assert chunks[0].model_extra["warning"]["code"] == "idempotency_key_ignored_streaming"
    assert all("warning" not in (chunk.model_extra or {}) for chunk in chunks[1:])


@pytest.mark.anyio
async def test_async_client_creates_streams_and_embeds(live):  # B-CHAT-1, B-EMB-1
    async def check(response: httpx.Response) -> None:
        await response.aread()
        check_httpx_response(response)

    async with httpx.AsyncClient(event_hooks={"response": [check]}) as http:
        client = openai.AsyncOpenAI(base_url=f"{live.base_url}/v1", api_key=DEFAULT_KEY, http_client=http,
                                    max_retries=0)
        plain = await client.chat.completions.create(model=PRO, messages=ASK, seed=9)
        stream = await client.chat.completions.create(model=PRO, messages=ASK, seed=9, stream=True)
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])
        assert text == plain.choices[0].message.content
        async with client.chat.completions.stream(model=PRO, messages=ASK, response_format=Forecast) as helper:
            final = await helper.get_final_completion()
        assert isinstance(final.choices[0].message.parsed, Forecast)
        embedding = await client.embeddings.create(model=EMBED, input="hello")
        assert len(embedding.data[0].embedding) == 1024
