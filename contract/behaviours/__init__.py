"""The behaviour suite: one module per area of behaviours.md; each check is named by its row id."""

from . import (  # noqa: F401
    account,
    auth,
    catalog,
    characters,
    chat,
    embeddings,
    errors,
    files,
    headers,
    idempotency,
    images,
    ratelimits,
    versions,
    videos,
    webhooks,
)
