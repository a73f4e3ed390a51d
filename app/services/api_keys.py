"""API key use cases: only hr_admin manages keys; the plaintext is returned once, at creation."""

import uuid
from datetime import datetime

from app.domain.errors import InvalidTransition, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.tenants import ApiKey, IssuedApiKey, issue_api_key, retention_cutoff
from app.services import utcnow


async def create_api_key(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    roles: frozenset[Role],
    employee_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> IssuedApiKey:
    """Issue a key in the caller's tenant, speaking for one of its employees if given. Raises
    Forbidden (not hr_admin), InvalidInput, NotFound (the employee)."""
    actor.require_any(Role.HR_ADMIN)
    issued = issue_api_key(
        actor.tenant_id,
        name=name,
        roles=roles,
        now=utcnow(),
        employee_id=employee_id,
        expires_at=expires_at,
    )
    async with uow:
        if employee_id is not None and not await uow.employees.existing(
            actor.tenant_id, [employee_id]
        ):
            raise NotFound("Employee", employee_id)
        await uow.api_keys.add(issued.key)
        await uow.commit()
    return issued


async def list_api_keys(uow: UnitOfWork, actor: Actor, *, page: PageRequest) -> Page[ApiKey]:
    """The tenant's keys (revoked ones included), oldest first. Raises Forbidden."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        return await uow.api_keys.list(actor.tenant_id, page)


async def get_api_key(uow: UnitOfWork, actor: Actor, *, key_id: uuid.UUID) -> ApiKey:
    """One key of the caller's tenant. Raises Forbidden, NotFound (also for other tenants' ids)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        key = await uow.api_keys.get(actor.tenant_id, key_id)
    if key is None:
        raise NotFound("API key", key_id)
    return key


async def revoke_api_key(uow: UnitOfWork, actor: Actor, *, key_id: uuid.UUID) -> ApiKey:
    """Revoke a key at once. Raises Forbidden, NotFound, InvalidTransition (already revoked)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        key = await uow.api_keys.get(actor.tenant_id, key_id)
        if key is None:
            raise NotFound("API key", key_id)
        revoked = key.revoke(utcnow())
        if not await uow.api_keys.mark_revoked(revoked):
            raise InvalidTransition(f"API key {key_id} is already revoked.")
        await uow.commit()
    return revoked


async def purge_dead_api_keys(
    uow: UnitOfWork, *, retention_days: int, now: datetime | None = None
) -> int:
    """Scheduled job: forget keys revoked or expired longer ago than the retention period.

    Runs across tenants as one statement; running it twice deletes nothing more.
    Returns how many keys were deleted.
    """
    cutoff = retention_cutoff(now or utcnow(), retention_days)
    async with uow:
        deleted = await uow.api_keys.purge_dead(cutoff)
        await uow.commit()
    return deleted
