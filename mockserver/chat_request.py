"""What a chat request asks for, once the contract has validated its shape: the rules of B-CHAT-4,
B-CHAT-6, B-CHAT-7 and B-CHAT-9 that a JSON Schema cannot state, and the request read into one plan."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .call import Call
from .errors import ApiError
from .synth import tokens

RESPONSE_FORMAT_MAX_BYTES = 10 * 1024  # B-CHAT-7: "≤10KB JSON-stringified"
RESPONSE_FORMAT_MAX_DEPTH = 5  # B-CHAT-7: "≤5 levels deep"
# Fields that shape the reply. `max_tokens` and `stop` only cut it, so a shorter cap or a stop sequence
# gives a prefix of the same reply; `stream` only changes how it is sent (B-CHAT-5).
REPLY_INPUTS = (
    "model", "messages", "tools", "tool_choice", "response_format", "reasoning_effort", "seed", "temperature",
    "top_p", "presence_penalty", "frequency_penalty",
)
_REPLY_INPUT_NAMES = frozenset(REPLY_INPUTS)
# A mock-only switch, documented in the README: `metadata: {"aurous_mock_outcome": "provider_failure"}`.
OUTCOME_KEY = "aurous_mock_outcome"
OUTCOMES = ("provider_failure",)


@dataclass(slots=True)
class ChatPlan:
    model: dict[str, Any]
    body: dict[str, Any]
    max_tokens: int
    stop: list[str]
    prompt_tokens: int
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    forced_tool: str | None = None
    tool_choice: str = "auto"
    format: str = "text"
    schema: dict[str, Any] | None = None
    reasoning_effort: str | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    stream: bool = False
    include_usage: bool = True
    outcome: str | None = None

    @property
    def reply_inputs(self) -> dict[str, Any]:
        """The fields that shape the reply, as sent (a field sent as null is a field not sent)."""
        return {name: value for name, value in self.body.items() if name in _REPLY_INPUT_NAMES and value is not None}


def plan(call: Call) -> ChatPlan:
    body: dict[str, Any] = call.body
    model = call.mock.catalog.require(body["model"], "chat")
    capabilities = model["capabilities"]
    stream = bool(body.get("stream"))
    messages = body["messages"]
    _check_messages(messages, capabilities)
    result = ChatPlan(
        model=model,
        body=body,
        max_tokens=_max_tokens(body, model),
        stop=_stop(body.get("stop")),
        prompt_tokens=tokens.count_messages(messages),
        stream=stream,
        reasoning_effort=body.get("reasoning_effort") if capabilities.get("reasoning") else None,
        logprobs=bool(body.get("logprobs")),
        top_logprobs=int(body.get("top_logprobs") or 0),
        include_usage=bool((body.get("stream_options") or {}).get("include_usage", True)),
        outcome=_outcome(body),
    )
    _read_tools(result, body, capabilities)
    _read_response_format(result, body.get("response_format"))
    result.prompt_tokens += sum(tokens.count_json(tool) for tool in result.tools.values())
    if result.schema is not None:
        result.prompt_tokens += tokens.count_json(result.schema)
    if result.prompt_tokens + result.max_tokens > model["context_window"]:
        raise ApiError(
            "context_length_exceeded",
            f"The prompt ({result.prompt_tokens} tokens) plus max_tokens ({result.max_tokens}) exceeds "
            f"{model['id']}'s context window of {model['context_window']} tokens.",
            param="messages",
        )
    return result


def _max_tokens(body: dict[str, Any], model: dict[str, Any]) -> int:
    name = "max_tokens" if body.get("max_tokens") is not None else "max_completion_tokens"
    value = body.get(name)
    if value is None:
        return int(model["default_max_output_tokens"])
    cap = model["max_output_tokens_hard_cap"]
    if value > cap:
        raise ApiError("max_tokens_exceeds_hard_cap", f"{name} is {value}; {model['id']} allows at most {cap}.",
                       param=name)
    return int(value)


def _stop(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    sequences = [value] if isinstance(value, str) else value
    return [s for s in sequences if s]


def _outcome(body: dict[str, Any]) -> str | None:
    value = (body.get("metadata") or {}).get(OUTCOME_KEY)
    if value is not None and value not in OUTCOMES:
        raise ApiError("invalid_format", f"metadata.{OUTCOME_KEY} must be one of: {', '.join(OUTCOMES)}.",
                       param=f"metadata.{OUTCOME_KEY}")
    return value


def _check_messages(messages: list[dict[str, Any]], capabilities: dict[str, bool]) -> None:
    """What the message schema cannot say: tool results answer an earlier call, images need vision."""
    open_calls: set[str] = set()
    for i, message in enumerate(messages):
        role = message["role"]
        content = message.get("content")
        if role == "assistant":
            if not content and not message.get("tool_calls") and not message.get("refusal"):
                raise ApiError("missing_field", f"messages[{i}] is an assistant message with neither content nor "
                               "tool_calls.", param=f"messages[{i}].content")
            open_calls = {call["id"] for call in message.get("tool_calls") or ()}
        elif role == "tool":
            if message["tool_call_id"] not in open_calls:
                raise ApiError("parameter_invalid_combination", f"messages[{i}] answers tool call "
                               f"{message['tool_call_id']!r}, which no earlier assistant message made.",
                               param=f"messages[{i}].tool_call_id")
        else:
            open_calls = set()
        if isinstance(content, list) and not capabilities.get("vision"):
            if any(part.get("type") == "image_url" for part in content):
                raise ApiError("parameter_invalid_combination", "This model does not accept image input "
                               "(capabilities.vision is false).", param=f"messages[{i}].content")


def _read_tools(result: ChatPlan, body: dict[str, Any], capabilities: dict[str, bool]) -> None:
    """B-CHAT-6: tools and tool_choice."""
    choice = body.get("tool_choice")
    for i, tool in enumerate(body.get("tools") or ()):
        function = tool["function"]
        name = function["name"]
        if name in result.tools:
            raise ApiError("parameter_invalid_combination", f"Two tools are named {name}.", param=f"tools[{i}]")
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        _check_schema(parameters, f"tools[{i}].function.parameters")
        result.tools[name] = {"name": name, "description": function.get("description", ""), "parameters": parameters}
    if result.tools and not capabilities.get("tools"):
        raise ApiError("parameter_invalid_combination", "This model does not support tools "
                       "(capabilities.tools is false).", param="tools")
    if choice is None:
        return
    if isinstance(choice, str):
        result.tool_choice = choice
        return
    name = choice["function"]["name"]
    if name not in result.tools:
        raise ApiError("parameter_invalid_combination", f"tool_choice names {name}, which is not in tools.",
                       param="tool_choice")
    result.tool_choice = "function"
    result.forced_tool = name


def _read_response_format(result: ChatPlan, response_format: dict[str, Any] | None) -> None:
    """B-CHAT-7: the size and depth limits of a json_schema, checked in that order."""
    if not response_format:
        return
    result.format = response_format["type"]
    if result.format != "json_schema":
        return
    schema = response_format["json_schema"].get("schema") or {"type": "object"}
    size = len(json.dumps(schema, separators=(",", ":")).encode())
    if size > RESPONSE_FORMAT_MAX_BYTES:
        raise ApiError("response_format_too_large", f"The schema is {size} bytes stringified; the limit is "
                       f"{RESPONSE_FORMAT_MAX_BYTES}.", param="response_format.json_schema.schema")
    depth = schema_depth(schema)
    if depth > RESPONSE_FORMAT_MAX_DEPTH:
        raise ApiError("response_format_too_deep", f"The schema nests {depth} levels; the limit is "
                       f"{RESPONSE_FORMAT_MAX_DEPTH}.", param="response_format.json_schema.schema")
    _check_schema(schema, "response_format.json_schema.schema")
    result.schema = schema


def _check_schema(schema: Any, param: str) -> None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise ApiError("invalid_format", f"{param} is not a valid JSON Schema at {where}: {error.message[:200]}",
                       param=param) from None


_SINGLE = ("items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames")
_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def schema_depth(schema: Any) -> int:
    """Levels of nested objects and arrays a value of the schema can have (the root object is level 1).
    References are followed; a reference back into itself adds nothing more (recursive models are
    allowed, as in OpenAI's strict mode)."""
    root = schema

    def resolve(ref: str) -> Any:
        node: Any = root
        if not ref.startswith("#"):
            return None
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def depth(node: Any, active: frozenset[str]) -> int:
        if not isinstance(node, dict):
            return 0
        deepest = 0
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in active:
            deepest = depth(resolve(ref), active | {ref})
        for key in _SINGLE:
            deepest = max(deepest, depth(node.get(key), active))
        for key in _LISTS:
            items = node.get(key)
            for item in items if isinstance(items, list) else ():
                deepest = max(deepest, depth(item, active))
        for key in ("properties", "patternProperties", "dependentSchemas"):
            members = node.get(key)
            for item in members.values() if isinstance(members, dict) else ():
                deepest = max(deepest, depth(item, active))
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        is_container = "object" in kinds or "array" in kinds or "properties" in node or "items" in node
        return deepest + (1 if is_container else 0)

    return depth(schema, frozenset())
