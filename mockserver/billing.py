"""Token credits for chat and embeddings (B-CHAT-10, B-EMB-1): rates per million tokens from the
model catalog, the rate version snapshotted on the receipt, and the charge written to the ledger."""

from __future__ import annotations

from typing import Any

from .call import Call
from .errors import ApiError
from .ledger import credits

PER_MILLION = 1_000_000


def cost(tokens: int, rate_per_million: float) -> float:
    return credits(tokens * rate_per_million / PER_MILLION)


def total(*lines: float) -> float:
    """`credits_charged` is the sum of the receipt's lines, as in seed 001's example."""
    return credits(sum(lines))


def chat_receipt(
    model: dict[str, Any], pricing_version: int, prompt: int, completion: int, reasoning: int
) -> dict[str, Any]:
    """ChatUsage: reasoning tokens are billed at the output rate (B-CHAT-8)."""
    rates = model["chat_pricing"]
    input_credits = cost(prompt, rates["input"])
    output_credits = cost(completion, rates["output"])
    reasoning_credits = cost(reasoning, rates["output"])
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion + reasoning,
        "reasoning_tokens": reasoning,
        "credits_charged": total(input_credits, output_credits, reasoning_credits),
        "breakdown": {
            "input_credits": input_credits,
            "output_credits": output_credits,
            "reasoning_credits": reasoning_credits,
            "model": model["id"],
            "pricing_version": pricing_version,
        },
    }


def require_credit(call: Call, worst_case: float) -> None:
    """Refuse before any work when the balance cannot cover the most this call could cost (B-ACCT-3)."""
    balance = call.mock.ledger.balance(call.team_id)
    if balance < worst_case:
        raise ApiError(
            "insufficient_credits",
            f"The team's balance ({balance} credits) cannot cover this request (up to {credits(worst_case)} credits).",
        )


def charge(call: Call, amount: float, usage_kind: str, description: str, generation_id: str | None = None) -> None:
    if amount > 0:
        call.mock.ledger.record(call.team_id, "charge", amount, description, generation_id=generation_id,
                                usage_kind=usage_kind)
