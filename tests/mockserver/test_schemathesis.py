"""Schemathesis, every built-in check, over the operations the mock serves, in-process; and negative
data for every operation of the contract, which the pipeline must refuse before any handler runs."""

from __future__ import annotations

import schemathesis
from hypothesis import settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from spec_check import SPEC_PATH

from mockserver import create_app
from mockserver.registry import HANDLERS

APP = create_app()
_TEAM = APP.state.mock.accounts.create_team(rpm_limit=10**9, tpm_limit=10**9)
KEY = APP.state.mock.accounts.keys_of(_TEAM["id"])[0]

schema = schemathesis.openapi.from_path(SPEC_PATH)
schema.app = APP
schema.config.max_stream_events = 10_000  # read whole chat streams (the default stops after 20 events)
served = schema.include(operation_id=sorted(HANDLERS))


# Rules between fields, or between a field and the catalog, that JSON Schema cannot state: a forced tool
# must be one of `tools`, a model's capabilities, hard cap and context window, a tool's `parameters` must
# itself be a JSON Schema, a `tool` message must answer an earlier call (B-CHAT-4, B-CHAT-6, B-CHAT-7).
CROSS_FIELD_REFUSALS = {
    "createChatCompletion": {"parameter_invalid_combination", "max_tokens_exceeds_hard_cap", "context_length_exceeded",
                             "model_kind_mismatch", "response_format_too_large", "response_format_too_deep",
                             "invalid_format", "missing_field"},
    "createEmbedding": {"model_kind_mismatch", "context_length_exceeded"},
    "estimateEmbedding": {"model_kind_mismatch", "context_length_exceeded"},
}
# Generations: the size rules gated by the pin (B-IMG-4), moderation (B-IMG-10), reference URLs to private hosts
# (B-IMG-3), a character not ready yet, and a balance too low for the price (B-ACCT-3, 402).
_GENERATION_REFUSALS = {"parameter_invalid_combination", "missing_field", "invalid_format", "value_out_of_range",
                        "content_policy_violation", "invalid_reference_url", "insufficient_credits",
                        "character_not_ready"}
for _operation in ("createImage", "estimateImage", "createVideo", "estimateVideo", "createCharacter", "createFile"):
    CROSS_FIELD_REFUSALS[_operation] = _GENERATION_REFUSALS


# Answers that depend on earlier requests, not on this one: examples reuse an Idempotency-Key with
# another body (B-IDEM-3).
STATEFUL_REFUSALS = {"idempotency_key_in_use", "idempotency_request_in_progress"}


def valid_data_is_accepted_unless_a_cross_field_rule_refuses_it(ctx, response, case):
    """`positive_data_acceptance`, except for the documented 400s above on the operation they belong to."""
    allowed = CROSS_FIELD_REFUSALS.get(case.operation.definition.raw.get("operationId"), set())
    if case.operation.definition.raw.get("x-idempotent"):
        allowed = allowed | STATEFUL_REFUSALS
    if response.status_code in (400, 402, 409) and response.json()["error"]["code"] in allowed:
        return None
    return positive_data_acceptance(ctx, response, case)


@served.parametrize()
@settings(max_examples=40)
def test_served_operations_conform(case):
    # Every built-in check; positive-data acceptance knows the cross-field rules.
    case.call_and_validate(headers={"X-Api-Key": KEY}, excluded_checks=[positive_data_acceptance],
                           additional_checks=[valid_data_is_accepted_unless_a_cross_field_rule_refuses_it])
