"""Schema-driven values: valid (jsonschema with formats, pydantic), deterministic, plausible, and bounded."""

from __future__ import annotations

import importlib.util
import json
import random
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from enum import StrEnum
from ipaddress import IPv4Address
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for
from openai.lib._pydantic import to_strict_json_schema
from pydantic import AnyUrl, BaseModel, EmailStr, Field, confloat, conint

from mockserver.synth.schema_values import SchemaUnsupported, instance

HAS_EMAIL_VALIDATOR = importlib.util.find_spec("email_validator") is not None
EmailField = EmailStr if HAS_EMAIL_VALIDATOR else str


def check(schema: Any, value: Any) -> None:
    cls = validator_for(schema, default=Draft202012Validator)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(value)
    json.dumps(value, allow_nan=False)


def generate(schema: Any, seed: int = 7, hint: str = "") -> Any:
    return instance(schema, random.Random(seed), hint=hint)


# --- strict schemas of the kind pydantic + openai strict mode emit ---------------------------------------------

PROPERTY_NAMES = ("name", "city", "country", "email", "title", "description", "created_at", "age", "price", "tags",
                  "status", "id", "website", "notes", "score", "count", "label", "value", "zip_code", "x")
FORMATS = ("date-time", "date", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname", "duration")
PATTERNS = (r"^[A-Z]{3}-\d{4}$", r"^[a-z0-9_]{3,12}$", r"^\+?[0-9 ]{7,15}$", r"^(red|green|blue)(-[a-z]+)?$",
            r"[^@\s]+@[^@\s]+\.[a-z]{2,}", r"^\d+(\.\d{1,2})?$", r"^[A-Za-z][A-Za-z0-9 ]*$", r"^(?:[0-9a-f]{2}:){5}"
            r"[0-9a-f]{2}$", r"^\w+\s\w+$", r"ab*c?d+")
WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@st.composite
def integer_schemas(draw: st.DrawFn) -> dict:
    schema: dict[str, Any] = {"type": "integer"}
    multiple = draw(st.none() | st.integers(1, 7))
    low = draw(st.none() | st.integers(-1000, 1000))
    if low is not None:
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        high = (low if low is not None else draw(st.integers(-1000, 1000))) + 2 * (multiple or 1) + draw(
            st.integers(0, 500))
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = high
    if multiple:
        schema["multipleOf"] = multiple
    return schema


@st.composite
def number_schemas(draw: st.DrawFn) -> dict:
    schema: dict[str, Any] = {"type": "number"}
    low = draw(st.none() | st.integers(-10_000, 10_000).map(lambda n: n / 10))
    if low is not None:
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = (low or 0) + draw(st.sampled_from(
            (0.5, 1, 3.5, 100, 1e6)))
    multiple = draw(st.sampled_from((None, None, 0.5, 0.25, 2, 0.1, 0.01)))
    if multiple is not None and "maximum" not in schema and "exclusiveMaximum" not in schema:
        schema["multipleOf"] = multiple
    return schema


def string_schemas() -> st.SearchStrategy[dict]:
    lengths = st.tuples(st.integers(0, 20), st.integers(0, 40)).map(
        lambda t: {"type": "string", "minLength": min(t), "maxLength": max(t)})
    return st.one_of(
        st.just({"type": "string"}), lengths,
        st.sampled_from(FORMATS).map(lambda f: {"type": "string", "format": f}),
        st.sampled_from(PATTERNS).map(lambda p: {"type": "string", "pattern": p}),
        st.lists(WORDS, min_size=1, max_size=5, unique=True).map(lambda e: {"type": "string", "enum": e}),
        WORDS.map(lambda c: {"type": "string", "const": c}),
    )


LEAVES = st.one_of(string_schemas(), integer_schemas(), number_schemas(),
                   st.sampled_from(({"type": "boolean"}, {"type": "null"})))


def strict_object(props: dict[str, Any]) -> dict:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def trees(leaves: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    def extend(children: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
        bounds = st.tuples(st.integers(0, 3), st.integers(0, 3)).map(sorted)
        return st.one_of(
            st.dictionaries(st.sampled_from(PROPERTY_NAMES), children, min_size=1, max_size=5).map(strict_object),
            st.tuples(children, bounds).map(
                lambda t: {"type": "array", "items": t[0], "minItems": t[1][0], "maxItems": t[1][1]}),
            children.map(lambda c: {"anyOf": [c, {"type": "null"}]}),
        )

    nullable = leaves.filter(lambda s: isinstance(s.get("type"), str) and s["type"] != "null" and "const" not in s).map(
        lambda s: {**s, "type": [s["type"], "null"]})
    return st.recursive(leaves | nullable, extend, max_leaves=10)


NODE = strict_object({"label": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                      "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}})


DEF_BODIES = trees(LEAVES).map(lambda t: t if t.get("type") == "object" else strict_object({"value": t}))
REFS = st.sampled_from(("Address", "Item", "Node")).map(lambda name: {"$ref": f"#/$defs/{name}"})
ROOT_PROPERTIES = st.dictionaries(st.sampled_from(PROPERTY_NAMES), trees(LEAVES | REFS), min_size=1, max_size=6)


@st.composite
def strict_schemas(draw: st.DrawFn) -> dict:
    """A root object with $defs (two generated models and a recursive Node) and, sometimes, a '#' self-reference."""
    props = draw(ROOT_PROPERTIES)
    if draw(st.booleans()):
        props["parent"] = {"anyOf": [{"$ref": "#"}, {"type": "null"}]}
    defs = {"Address": draw(DEF_BODIES), "Item": draw(DEF_BODIES), "Node": NODE}
    return {**strict_object(props), "$defs": defs, "title": "Root"}


@settings(max_examples=150)
@given(strict_schemas())
def test_strict_schemas_give_valid_deterministic_values(schema: dict) -> None:
    Draft202012Validator.check_schema(schema)
    value = generate(schema)
    check(schema, value)
    assert value == generate(schema)


@settings(max_examples=60)
@given(st.sampled_from(PATTERNS), st.integers(0, 2**32))
def test_patterns_match(pattern: str, seed: int) -> None:
    schema = {"type": "string", "pattern": pattern}
    check(schema, generate(schema, seed))


@settings(max_examples=60)
@given(integer_schemas() | number_schemas(), st.integers(0, 2**32))
def test_numeric_bounds(schema: dict, seed: int) -> None:
    check(schema, generate(schema, seed))


# --- real pydantic models through the SDK's strict conversion --------------------------------------------------

class Color(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str
    country: str
    postal_code: str = Field(pattern=r"^\d{5}$")


class LineItem(BaseModel):
    product: str
    quantity: conint(ge=1, le=99)
    unit_price: confloat(gt=0, le=10_000)
    color: Color | None


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: conint(ge=1, le=9)


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Order(BaseModel):
    order_id: uuid.UUID
    customer_name: str
    email: EmailField
    created_at: datetime
    ship_date: date
    pickup_time: clock_time
    eta: timedelta
    status: Literal["pending", "shipped", "delivered"]
    items: list[LineItem] = Field(min_length=1, max_length=5)
    shipping: Address
    billing: Address | None
    notes: str | None
    tags: set[str]
    website: AnyUrl
    discount: confloat(ge=0, lt=1)
    priority: conint(ge=0, le=100, multiple_of=5)
    server: IPv4Address
    pet: Cat | Dog = Field(discriminator="kind")
    dimensions: tuple[int, int]
    weight: Decimal


class Category(BaseModel):
    name: str
    subcategories: list[Category]
    parent: Category | None


@pytest.mark.parametrize("model", [Order, Category, LineItem])
def test_pydantic_models_accept_the_values(model: type[BaseModel]) -> None:
    schema = to_strict_json_schema(model)
    for seed in range(25):
        value = generate(schema, seed)
        check(schema, value)
        model.model_validate(value)


def test_recursive_model_stays_small() -> None:
    value = generate(to_strict_json_schema(Category), 3)
    assert len(json.dumps(value)) < 20_000


def test_values_are_plausible() -> None:
    schema = strict_object({k: {"type": "string"} for k in ("city", "email", "website", "created_at", "full_name")})
    for seed in range(10):
        value = generate(schema, seed)
        assert value["email"].count("@") == 1 and value["website"].startswith("https://")
        assert not value["city"].startswith(("Classic", "Standard")) and value["city"][0].isupper()
        datetime.fromisoformat(value["created_at"])
    assert generate({"type": "integer"}, 1) < 1000


# --- hand-written tool parameters (non-strict) -------------------------------------------------------------------

WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country, e.g. Bogotá, Colombia"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 14},
        "details": {"type": "object", "properties": {"hourly": {"type": "boolean"}}},
    },
    "required": ["location"],
}


def test_tool_parameters_with_optional_properties() -> None:
    values = [generate(WEATHER, seed) for seed in range(30)]
    for value in values:
        check(WEATHER, value)
        assert "location" in value
    assert any("unit" in v for v in values) and any("unit" not in v for v in values)


def test_hint_flavours_strings() -> None:
    value = generate(WEATHER, 1, hint="What's the weather like in Tokyo? Answer in fahrenheit please.")
    assert value["location"] == "Tokyo, Japan"
    assert value.get("unit", "fahrenheit") == "fahrenheit"


@pytest.mark.parametrize("schema", [
    {}, True, {"type": ["string", "integer"]}, {"description": "anything"},
    {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]},
    {"type": "string", "enum": ["a", "b"], "not": {"const": "a"}},
    {"allOf": [strict_object({"a": {"type": "integer"}}) | {"additionalProperties": True},
               {"properties": {"b": {"type": "string", "format": "date"}}, "required": ["b"]}]},
    {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False, "minItems": 2},
    {"type": "array", "items": {"enum": [1, 2, 3, 4, 5]}, "uniqueItems": True, "minItems": 5},
    {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "minItems": 12},
    {"type": "array", "items": {"type": "integer"}, "contains": {"const": 42}},
    {"type": "object", "patternProperties": {"^x-[a-z]+$": {"type": "integer"}}, "additionalProperties": False,
     "minProperties": 2},
    {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
    {"definitions": {"n": {"type": "integer", "exclusiveMinimum": 3, "exclusiveMaximum": 5}},
     "properties": {"n": {"$ref": "#/definitions/n"}}, "required": ["n"]},
    {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "minimum": 0, "exclusiveMinimum": True,
     "maximum": 1, "exclusiveMaximum": True},
    {"type": "integer", "multipleOf": 0.5, "minimum": 1},
    {"type": "number", "exclusiveMinimum": 100, "exclusiveMaximum": 200},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1e-9},
    {"type": "number", "minimum": -1e308, "maximum": 1e308},
    {"type": "integer", "minimum": 50}, {"type": "integer", "exclusiveMaximum": 1}, {"type": "integer", "minimum": 7,
                                                                                      "maximum": 7},
    {"type": "string", "format": "email", "pattern": "@example\\.com$"},
    {"$defs": {"A": strict_object({"a": {"type": "integer"}}) | {"additionalProperties": True},
               "B": strict_object({"b": {"type": "string"}}) | {"additionalProperties": True}},
     "allOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}]},
    {"allOf": [{"anyOf": [{"type": "integer"}, {"type": "string"}]}, {"anyOf": [{"type": "string"}, {"type": "null"}]}],
     "minLength": 2},
    {"allOf": [{"not": {"const": 1}}, {"not": {"const": 2}}, {"enum": [1, 2, 3]}]},
    {"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}, "required": ["kind"],
     "if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}},
    {"type": "array", "allOf": [{"items": {"type": "integer"}}, {"items": {"minimum": 0, "maximum": 3}}]},
    {"type": "object", "properties": {"a~b": {"type": "integer"}, "c": {"$ref": "#/properties/a~0b"}},
     "required": ["c"]},
])
def test_keyword_coverage(schema: Any) -> None:
    value = generate(schema)
    check(schema, value)
    assert value == generate(schema)


# --- refusals and bounds -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("schema", [
    {"type": "string", "pattern": "(?=a)b"},
    {"type": "string", "pattern": "(?<!a)b"},
    {"type": "string", "pattern": r"(a)\1"},
    {"type": "string", "pattern": "[unclosed"},
    {"type": "string", "pattern": "^a$b"},
    {"type": "string", "minLength": 5, "maxLength": 2},
    {"allOf": [{"type": "string"}, {"type": "integer"}]},
    {"type": "integer", "minimum": 5, "maximum": 4},
    {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1},
    {"$ref": "https://example.com/schema.json"},
    {"$ref": "#/$defs/missing"},
    {"$ref": "#"},
    {"type": "array", "minItems": 10_000},
    {"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "minItems": 3},
    {"type": "object", "required": ["a"], "additionalProperties": False},
    {"oneOf": [{"type": "integer"}, {"type": "integer"}]},
    {"type": "integer", "minimum": "five"},
    False,
])
def test_unsatisfiable_or_unsupported_schemas_raise(schema: Any) -> None:
    with pytest.raises(SchemaUnsupported):
        generate(schema)


def test_recursion_without_an_exit_is_refused_not_overflowed() -> None:
    forced = {"type": "object", "properties": {"child": {"$ref": "#"}}, "required": ["child"]}
    with pytest.raises(SchemaUnsupported):
        generate(forced)
    optional = {"type": "object", "properties": {"child": {"$ref": "#"}, "name": {"type": "string"}}}
    check(optional, generate(optional))


def test_deeply_nested_schemas_are_bounded() -> None:
    nested: dict = {"type": "string"}
    for _ in range(500):
        nested = strict_object({"inner": nested})
    with pytest.raises(SchemaUnsupported):
        generate(nested)
    chain: dict = {"type": "integer"}
    for _ in range(2000):
        chain = {"anyOf": [chain]}
    with pytest.raises(SchemaUnsupported):
        generate(chain)
    shallow: dict = {"type": "string"}
    for _ in range(12):
        shallow = strict_object({"inner": shallow})
    check(shallow, generate(shallow))
