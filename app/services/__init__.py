"""Use cases: one function per user intention, called alike by REST, GraphQL and the worker.

Every function takes the unit of work first, then (for caller-facing use cases) the actor, then
keyword arguments. It opens the transaction, checks the actor's roles, and commits.
"""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
