"""The scenario store: named lists of rules (`fixtures/scenarios/*.yaml`) that script what the mock does
beyond the happy path, for one request, one team or the whole server.

`library.py` loads and validates the files (and picks up edits), `rules.py` is a rule compiled for
matching, `actions/` holds one module per action kind, `engine.py` decides which rules fire for a call.
"""

from .library import ScenarioLibrary

__all__ = ["ScenarioLibrary"]
