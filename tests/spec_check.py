"""Checks every response a test sees against `openapi/aurous.yaml`.

Independent of the server's own spec code on purpose: it reads the contract afresh and checks the
documented status, the required headers and the body schema, so the server cannot grade itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi" / "aurous.yaml"
URI = "urn:test:aurous"
FORMATS = FormatChecker(["date-time", "date", "uuid"])
BASE_HEADERS = ("aurous-request-id", "x-request-id", "aurous-version")


class ContractViolation(AssertionError):
    pass


@dataclass
class _Path:
    template: str
    regex: re.Pattern[str]
    item: dict[str, Any]


class SpecChecker:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self.doc: dict[str, Any] = yaml.load(path.read_text(), Loader=loader)
        self.registry = Registry().with_resource(URI, Resource.from_contents(self.doc, DRAFT202012))
        self._validators: dict[str, Draft202012Validator] = {}
        self.paths: list[_Path] = []
        for template, item in self.doc["paths"].items():
            pattern = re.sub(r"\\{([^}]+)\\}", r"[^/]+", re.escape(template))
            self.paths.append(_Path(template, re.compile(f"^{pattern}$"), item))
        # Static paths win over templated ones (/v1/images/estimate before /v1/images/{id}).
        self.paths.sort(key=lambda p: "{" in p.template)
        self.error_validator = self._validator("/components/schemas/Error")
        self.checked = 0

    def _validator(self, pointer: str) -> Draft202012Validator:
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator(
                {"$ref": f"{URI}#{pointer}"}, registry=self.registry, format_checker=FORMATS
            )
        return self._validators[pointer]

    def _deref(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        while "$ref" in node:
            pointer = node["$ref"][1:]
            node = self.doc
            for part in pointer.strip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def find(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for entry in self.paths:
            if entry.regex.match(path):
                operation = entry.item.get(method.lower())
                return (entry.template, operation) if operation else None
        return None

    def check(self, method: str, path: str, status: int, headers: dict[str, str], body: bytes) -> None:
        """Raise ContractViolation when the response is not what the contract documents."""
        if path.startswith("/__mock/"):
            return
        self.checked += 1
        headers = {k.lower(): v for k, v in headers.items()}
        where = f"{method} {path} -> {status}"
        for name in BASE_HEADERS:
            if name not in headers:
                raise ContractViolation(f"{where}: missing header {name}")
        if method == "HEAD":
            return  # no body to check, and no operation of the contract is HEAD
        found = self.find(method, path)
        if found is None:
            # Unknown route or method: not an operation, but still the one error envelope.
            if status not in (404, 405):
                raise ContractViolation(f"{where}: an undocumented route must answer 404 or 405")
            self._check_json(self.error_validator, body, where)
            return
        template, operation = found
        responses = operation["responses"]
        key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
        if key not in responses:
            key = "default"
        if key not in responses:
            raise ContractViolation(f"{where}: status {status} is not documented for {method} {template}")
        pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{key}"
        response, pointer = self._deref(responses[key], pointer)
        for name, header in (response.get("headers") or {}).items():
            header, header_pointer = self._deref(header, f"{pointer}/headers/{_escape(name)}")
            value = headers.get(name.lower())
            if value is None:
                if header.get("required"):
                    raise ContractViolation(f"{where}: missing required header {name}")
                continue
            schema = header.get("schema", {})
            instance: Any = value
            if schema.get("type") == "integer":
                if not re.fullmatch(r"-?\d+", value):
                    raise ContractViolation(f"{where}: header {name}={value!r} is not an integer")
                instance = int(value)
            self._check_value(self._validator(f"{header_pointer}/schema"), instance, f"{where}: header {name}")
        content = response.get("content") or {}
        if not content:
            return
        media_type = headers.get("content-type", "").split(";")[0].strip()
        if media_type not in content:
            raise ContractViolation(f"{where}: content-type {media_type!r} not in {sorted(content)}")
        schema_pointer = f"{pointer}/content/{_escape(media_type)}/schema"
        if media_type == "application/json":
            self._check_json(self._validator(schema_pointer), body, where)
        elif media_type == "text/event-stream":
            event, _ = self._deref(content[media_type]["schema"], schema_pointer)
            chunk = event["properties"]["data"]["else"]["contentSchema"]["$ref"][1:]
            self.check_sse(self._validator(chunk), body, where)

    def check_sse(self, validator: Draft202012Validator, body: bytes, where: str) -> None:
        """Every frame is one `data:` line of a JSON object valid against the chunk schema, and the
        stream ends with `data: [DONE]` (B-CHAT-5)."""
        text = body.decode()
        if not text.endswith("data: [DONE]\n\n"):
            raise ContractViolation(f"{where}: the stream does not end with data: [DONE]: {text[-200:]!r}")
        frames = text[: -len("\n\n")].split("\n\n")
        for number, event in enumerate(frames[:-1]):
            lines = event.split("\n")
            if len(lines) != 1 or not lines[0].startswith("data: "):
                raise ContractViolation(f"{where}: frame {number} is not one data: line: {event[:200]!r}")
            try:
                value = json.loads(lines[0][len("data: "):])
            except ValueError as exc:
                raise ContractViolation(f"{where}: frame {number} is not JSON: {event[:200]!r}") from exc
            if not isinstance(value, dict):
                raise ContractViolation(f"{where}: frame {number} is not a JSON object")
            self._check_value(validator, value, f"{where}: frame {number}")

    def _check_json(self, validator: Draft202012Validator, body: bytes, where: str) -> None:
        try:
            value = json.loads(body)
        except ValueError as exc:
            raise ContractViolation(f"{where}: body is not JSON: {body[:200]!r}") from exc
        self._check_value(validator, value, f"{where}: body")

    @staticmethod
    def _check_value(validator: Draft202012Validator, value: Any, where: str) -> None:
        errors = sorted(validator.iter_errors(value), key=lambda e: len(list(e.absolute_path)))
        if errors:
            error = errors[0]
            location = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise ContractViolation(f"{where} at {location}: {error.message[:300]}")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


CHECKER = SpecChecker()
