"""Deterministic content: token counts, reply text, JSON that satisfies a schema, embedding vectors."""
