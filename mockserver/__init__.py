"""aurous-mock: a stateful, high-fidelity mock server of the Aurous Labs API."""

from .app import create_app
from .config import MockConfig

__all__ = ["MockConfig", "create_app"]
