"""Where the contract lives: bundled in the wheel (`contract/_bundled/openapi`), else the checkout's top level."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def spec_path() -> Path:
    bundled = _PACKAGE / "_bundled" / "openapi" / "aurous.yaml"
    if bundled.is_file():
        return bundled
    return _PACKAGE.parent / "openapi" / "aurous.yaml"
