"""The contract itself: a valid OpenAPI 3.1 document whose codes, examples and headers hold together."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from spec_check import CHECKER

from mockserver.fixtures import load_fixtures
from mockserver.paths import data_dir

DOC = CHECKER.doc
CATALOG = load_fixtures(data_dir("fixtures")).errors
OPERATIONS = [
    (path, method, op)
    for path, item in DOC["paths"].items()
    for method, op in item.items()
    if method in ("get", "post", "put", "patch", "delete")
]
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


def _walk(node: Any, trail: str = ""):
    if isinstance(node, dict):
        yield trail, node
        for key, value in node.items():
            yield from _walk(value, f"{trail}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{trail}/{index}")


def test_spec_passes_the_openapi_validator():
    validate(DOC)


def test_every_x_error_code_is_in_the_catalog():  # B-ERR-2
    codes = {node["x-error-code"] for _, node in _walk(DOC) if "x-error-code" in node}
    assert codes and codes <= set(CATALOG), codes - set(CATALOG)


def test_operation_ids_are_unique():
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=IDS)
def test_every_operation_documents_its_errors(path, method, op):  # B-ERR-1, B-AUTH-3
    responses = op["responses"]
    assert any(code.startswith("2") for code in responses)
    if not op.get("x-anonymous"):
        assert "401" in responses and "429" in responses
        assert op.get("security") != []
    if "requestBody" in op:
        assert "400" in responses
    for code, response in responses.items():
        if code.startswith(("4", "5")):
            ref = response.get("$ref", "")
            assert ref.startswith("#/components/responses/"), f"{code} should use a shared error response"


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=IDS)
def test_every_success_response_requires_the_standard_headers(path, method, op):  # B-HDR-1..3
    for code, response in op["responses"].items():
        if not code.startswith("2"):
            continue
        headers = {name.lower() for name in response.get("headers", {})}
        assert {"aurous-request-id", "x-request-id", "aurous-version"} <= headers
        if not op.get("x-anonymous"):
            assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= headers
        if op.get("x-tpm"):  # B-HDR-4
            assert {"x-ratelimit-tpm-limit", "x-ratelimit-tpm-remaining", "x-ratelimit-tpm-reset"} <= headers


def _schema_examples():
    for trail, node in _walk(DOC):
        if "/examples" in trail or "/example" in trail or "/properties/example" in trail:
            continue
        if isinstance(node, dict) and ("type" in node or "$ref" in node or "oneOf" in node):
            for example in node.get("examples", []) if isinstance(node.get("examples"), list) else []:
                yield trail, example
            if "example" in node and "in" not in node:
                yield trail, node["example"]


@pytest.mark.parametrize(("trail", "example"), list(_schema_examples()))
def test_every_schema_example_validates(trail, example):
    schema = CHECKER._validator(trail) if trail.startswith("/components") or trail.startswith("/paths") else None
    assert schema is not None
    errors = list(schema.iter_errors(example))
    assert not errors, errors[0].message


@pytest.mark.parametrize("name", sorted(DOC["components"]["schemas"]))
def test_component_schemas_are_valid_json_schema(name):
    Draft202012Validator.check_schema(DOC["components"]["schemas"][name])


def test_the_version_pattern_ends_at_the_newest_published_version():  # B-VER-1
    from datetime import date, timedelta

    from mockserver.fixtures import load_fixtures as _load

    newest = max(v["date"] for v in _load(data_dir("fixtures")).versions["published"])
    validator = CHECKER._validator("/components/parameters/AurousVersion/schema")
    after = (date.fromisoformat(newest) + timedelta(days=1)).isoformat()
    assert validator.is_valid(newest) and validator.is_valid("2026-05-15") and validator.is_valid("1999-12-31")
    assert not validator.is_valid(after)
    assert not validator.is_valid("2026-02-30")


def _media_and_parameter_examples():
    """Examples on request bodies (`examples: {name: {value}}` / `example`) and on parameters."""
    for path, method, op in OPERATIONS:
        base = f"/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}"
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            pointer = f"{base}/requestBody/content/{media.replace('/', '~1')}/schema"
            for name, example in (content.get("examples") or {}).items():
                yield f"{method.upper()} {path} {media} {name}", pointer, example["value"]
            if "example" in content:
                yield f"{method.upper()} {path} {media}", pointer, content["example"]
        for index, param in enumerate(op.get("parameters", [])):
            if "$ref" in param:
                pointer = param["$ref"][1:] + "/schema"
                param = CHECKER._deref(param, "")[0]
            else:
                pointer = f"{base}/parameters/{index}/schema"
            if "example" in param:
                yield f"{method.upper()} {path} {param['name']}", pointer, param["example"]


MEDIA_EXAMPLES = list(_media_and_parameter_examples())


@pytest.mark.parametrize(("where", "pointer", "example"), MEDIA_EXAMPLES, ids=[m[0] for m in MEDIA_EXAMPLES])
def test_every_request_and_parameter_example_validates(where, pointer, example):
    errors = list(CHECKER._validator(pointer).iter_errors(example))
    assert not errors, f"{where}: {errors[0].message}"


def test_the_sweep_found_request_examples():
    assert sum(" application/json " in m[0] for m in MEDIA_EXAMPLES) >= 10
