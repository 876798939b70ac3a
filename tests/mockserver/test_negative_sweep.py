"""Negative data for every operation of the contract: the pipeline refuses it with a documented 4xx
and a catalog code before any handler runs, so even operations not served yet never answer 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection
from spec_check import CHECKER, SPEC_PATH

from mockserver import create_app

APP = create_app()
_TEAM = APP.state.mock.accounts.create_team(rpm_limit=10**9, tpm_limit=10**9)
KEY = APP.state.mock.accounts.keys_of(_TEAM["id"])[0]
CATALOG = APP.state.mock.errors

schema = schemathesis.openapi.from_path(SPEC_PATH)
schema.app = APP
schema.config.max_stream_events = 10_000  # read whole chat streams (the default stops after 20 events)
schema.config.generation.update(modes=[GenerationMode.NEGATIVE])


def refused_with_a_catalog_code(ctx, response, case):
    """Every refusal is the one envelope with a code from the catalog, and the contract documents it."""
    if response.status_code == 501 and response.json()["error"]["code"] == "not_implemented":
        return  # the pipeline accepted a request that was valid after all; no handler serves it yet
    if 400 <= response.status_code < 500:
        code = response.json()["error"]["code"]
        assert code in CATALOG, f"{code} is not in the error catalog"
        assert CATALOG.spec(code).status == response.status_code
    headers = {name: values[0] for name, values in response.headers.items()}
    CHECKER.check(case.method, case.formatted_path, response.status_code, headers, response.content)


@schema.parametrize()
@settings(max_examples=20)
def test_negative_data_is_refused(case):
    case.call_and_validate(headers={"X-Api-Key": KEY}, checks=[negative_data_rejection, refused_with_a_catalog_code])
