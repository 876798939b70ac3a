"""aurous-contract: checks any base URL against `openapi/aurous.yaml` and the documented behaviours.

It never imports `mockserver`: the two meet only in the contract file and the fixtures.
"""

__version__ = "0.1.0"
