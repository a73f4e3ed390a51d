"""Checks shared by the use cases: optimistic concurrency and idempotent replays."""

from datetime import date

from app.domain.bulk import fingerprint
from app.domain.errors import (
    Conflict,
    FieldError,
    IdempotencyKeyReused,
    InvalidInput,
    PreconditionFailed,
)
from app.domain.identity import Actor
from app.domain.ports import UnitOfWork
from app.services import utcnow

IDEMPOTENCY_KEY_MAX_LENGTH = 255


def check_version(kind: str, current: int, expected: int | None) -> None:
    """PreconditionFailed when the caller edited a copy older than the stored one."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"The {kind} changed since version {expected} was read (now {current}); "
            "read it again and reapply the change."
        )


async def replayed_response(
    uow: UnitOfWork, actor: Actor, *, idempotency_key: str | None, endpoint: str, payload: object
) -> dict | None:
    """Inside an open unit of work: the response stored for this key, or None after claiming
    the key for this request. IdempotencyKeyReused if it was used for another request."""
    if idempotency_key is None:
        return None
    if not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidInput(
            "The Idempotency-Key is not acceptable.",
            [FieldError("header.idempotency-key", "Give 1 to 255 characters.")],
        )
    digest = fingerprint(payload)
    stored = await uow.idempotency.claim(
        actor.tenant_id,
        caller=caller_id(actor),
        key=idempotency_key,
        endpoint=endpoint,
        fingerprint=digest,
        now=utcnow(),
    )
    if stored is None:
        return None
    if stored.endpoint != endpoint or stored.fingerprint != digest:
        raise IdempotencyKeyReused()
    return stored.response


async def remember_response(
    uow: UnitOfWork, actor: Actor, *, idempotency_key: str | None, response: dict
) -> None:
    if idempotency_key is not None:
        await uow.idempotency.complete(
            actor.tenant_id, caller=caller_id(actor), key=idempotency_key, response=response
        )


def caller_id(actor: Actor) -> str:
    """Who made the request, as stored beside what they wrote: the credential, or the tenant
    when a tenant-wide credential has no id."""
    return actor.credential_id or f"tenant:{actor.tenant_id}"


def changes_nothing(before: object, after: object) -> bool:
    """Whether a revision leaves everything but its bookkeeping as it was: such an edit is
    not stored, so the version (and the ETag) only moves when something changed."""
    bookkeeping = {"version", "updated_at", "revision"}
    return {k: v for k, v in vars(before).items() if k not in bookkeeping} == {
        k: v for k, v in vars(after).items() if k not in bookkeeping
    }


def check_not_past(day: date | None, path: str) -> None:
    if day is not None and day < utcnow().date():
        raise InvalidInput("The date has passed.", [FieldError(path, "Give today or later.")])


def check_deletable(
    kind: str, *, version: int, expected_version: int | None, blocker: str | None
) -> None:
    """A delete's checks: the caller's copy is current (PreconditionFailed) and nothing
    depends on the thing (Conflict naming what does)."""
    check_version(kind, version, expected_version)
    if blocker is not None:
        raise Conflict(f"The {kind} cannot be deleted: {blocker}.")
