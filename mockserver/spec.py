"""The contract, compiled once at start-up: operations, a router, and request validators.

Request validation is driven by `openapi/aurous.yaml`, so the spec and the server cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .errors import ApiError
from .yamlfile import load_fast

SPEC_URI = "urn:aurous:openapi"
METHODS = ("get", "post", "put", "patch", "delete")

_FORMATS = FormatChecker(["date-time", "date", "uuid", "email", "ipv4", "ipv6"])


class SchemaValidator:
    """Validation in two steps: jsonschema-rs (compiled, about 250x faster here) decides whether a value
    is valid, and only a value it refuses goes through the Python validator, whose errors carry the
    path, the keyword and the schema's `x-error-code` that the catalog error is built from. The Python
    validator stays the judge: a value it finds valid is accepted."""

    def __init__(self, fast: Any, full: Draft202012Validator) -> None:
        self._fast = fast
        self._full = full

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self._fast.is_valid(instance):
            return iter(())
        return self._full.iter_errors(instance)


@dataclass
class Parameter:
    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]
    validator: SchemaValidator


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    anonymous: bool
    idempotent: bool
    tpm: bool
    parameters: list[Parameter]
    body_required: bool
    body_media_types: tuple[str, ...]
    body_validator: SchemaValidator | None


@dataclass
class PathEntry:
    template: str
    regex: re.Pattern[str] | None
    param_names: tuple[str, ...]
    operations: dict[str, Operation]


class Contract:
    """The compiled spec."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry = Registry().with_resource(SPEC_URI, resource)
        self._fast_registry = jsonschema_rs.Registry([(SPEC_URI, document)])
        self.operations: dict[str, Operation] = {}
        self._static: dict[str, PathEntry] = {}
        self._templated: list[PathEntry] = []
        for template, item in document.get("paths", {}).items():
            self._add_path(template, item)
        self.error_codes = frozenset(_codes(document))

    @classmethod
    def load(cls, path: Path) -> Contract:
        return cls(load_fast(path))

    def validator_at(self, pointer: str) -> SchemaValidator:
        """A validator for the schema at a JSON pointer into the spec; `$ref`s resolve against the spec."""
        fast_reference = {"$ref": f"{SPEC_URI}#{quote(pointer, safe='/~')}"}  # a URI: `{` and `}` escaped
        return SchemaValidator(
            jsonschema_rs.Draft202012Validator(fast_reference, registry=self._fast_registry, validate_formats=True),
            Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self._registry, format_checker=_FORMATS),
        )

    def _add_path(self, template: str, item: dict[str, Any]) -> None:
        names = tuple(re.findall(r"{([^}/]+)}", template))
        regex = None
        if names:
            escaped = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
            pattern = re.sub(r"{([^}/]+)}", r"(?P<\1>[^/]+)", escaped)
            regex = re.compile(f"^{pattern}$")
        entry = PathEntry(template, regex, names, {})
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            pointer = f"/paths/{_escape(template)}/{method}"
            operation = self._compile(template, method, item[method], shared, pointer)
            entry.operations[method.upper()] = operation
            self.operations[operation.operation_id] = operation
        if names:
            self._templated.append(entry)
        else:
            self._static[template] = entry

    def _compile(
        self, template: str, method: str, op: dict[str, Any], shared: list[Any], pointer: str
    ) -> Operation:
        params: list[Parameter] = []
        for index, raw in enumerate([*shared, *op.get("parameters", [])]):
            param, param_pointer = self._deref(raw, f"{pointer}/parameters/{index - len(shared)}")
            if param["in"] == "cookie":
                continue
            params.append(
                Parameter(
                    name=param["name"],
                    location=param["in"],
                    required=bool(param.get("required", param["in"] == "path")),
                    schema=self._deref(param.get("schema", {}), f"{param_pointer}/schema")[0],
                    validator=self.validator_at(f"{param_pointer}/schema"),
                )
            )
        body_required = False
        media_types: tuple[str, ...] = ()
        body_validator = None
        if "requestBody" in op:
            body, body_pointer = self._deref(op["requestBody"], f"{pointer}/requestBody")
            body_required = bool(body.get("required", False))
            content = body.get("content", {})
            media_types = tuple(content)
            if "application/json" in content:
                body_validator = self.validator_at(
                    f"{body_pointer}/content/{_escape('application/json')}/schema"
                )
        return Operation(
            operation_id=op["operationId"],
            method=method.upper(),
            path=template,
            anonymous=bool(op.get("x-anonymous", False)),
            idempotent=bool(op.get("x-idempotent", False)),
            tpm=bool(op.get("x-tpm", False)),
            parameters=params,
            body_required=body_required,
            body_media_types=media_types,
            body_validator=body_validator,
        )

    def _deref(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        """Follow local `$ref`s of parameters and request bodies; returns the node and its pointer."""
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported: {ref}")
            pointer = ref[1:]
            node = self.document
            for part in pointer.strip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for a request, or 404 route_not_found / 405 method_not_allowed."""
        entry = self._static.get(path)
        params: dict[str, str] = {}
        if entry is None:
            for candidate in self._templated:
                found = candidate.regex.match(path) if candidate.regex else None
                if found:
                    entry, params = candidate, found.groupdict()
                    break
        if entry is None:
            raise ApiError("route_not_found", f"No route {method} {path}.")
        operation = entry.operations.get(method)
        if operation is None:
            allowed = ", ".join(sorted(entry.operations))
            raise ApiError(
                "method_not_allowed",
                f"{entry.template} accepts {allowed}, not {method}.",
                headers={"Allow": allowed},
            )
        return operation, params


def _codes(node: Any) -> list[str]:
    """Every `x-error-code` in the document."""
    if isinstance(node, dict):
        found = [node["x-error-code"]] if isinstance(node.get("x-error-code"), str) else []
        for value in node.values():
            found.extend(_codes(value))
        return found
    if isinstance(node, list):
        return [code for value in node for code in _codes(value)]
    return []


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
