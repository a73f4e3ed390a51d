"""Role profile (job scorecard) use cases: everyone reads them, hr_admin writes them."""

import uuid
from collections.abc import Sequence

from app.domain.errors import Conflict, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.roles import Requirement, RoleProfile
from app.domain.values import checked_filter
from app.services import utcnow
from app.services.guards import changes_nothing, check_deletable, check_version


async def create_role(
    uow: UnitOfWork,
    actor: Actor,
    *,
    key: str,
    name: str,
    description: str,
    requirements: Sequence[Requirement],
) -> RoleProfile:
    """Raises Forbidden, InvalidInput (unknown capability, level off its scale, duplicates),
    Conflict (key taken)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        max_levels = await uow.capabilities.max_levels(
            actor.tenant_id, {r.capability_id for r in requirements}
        )
        role = RoleProfile.create(
            actor.tenant_id,
            key=key,
            name=name,
            description=description,
            requirements=requirements,
            max_levels=max_levels,
            now=utcnow(),
        )
        if await uow.roles.ids_by_keys(actor.tenant_id, [role.key]):
            raise Conflict(f"A role with key {role.key} exists already.")
        await uow.roles.add(role)
        await uow.commit()
    return role


async def get_role(uow: UnitOfWork, actor: Actor, *, role_id: uuid.UUID) -> RoleProfile:
    """Raises NotFound."""
    async with uow:
        role = await uow.roles.get(actor.tenant_id, role_id)
    if role is None:
        raise NotFound("Role", role_id)
    return role


async def list_roles(
    uow: UnitOfWork, actor: Actor, *, page: PageRequest, search: str | None = None
) -> Page[RoleProfile]:
    search = checked_filter(search, "q")
    async with uow:
        return await uow.roles.list(actor.tenant_id, page, search=search)


async def update_role(
    uow: UnitOfWork,
    actor: Actor,
    *,
    role_id: uuid.UUID,
    name: str,
    description: str,
    requirements: Sequence[Requirement],
    expected_version: int | None = None,
) -> RoleProfile:
    """Replace a role's content. Raises Forbidden, NotFound, InvalidInput, PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        role = await uow.roles.get(actor.tenant_id, role_id)
        if role is None:
            raise NotFound("Role", role_id)
        check_version("role", role.version, expected_version)
        max_levels = await uow.capabilities.max_levels(
            actor.tenant_id, {r.capability_id for r in requirements}
        )
        revised = role.revise(
            name=name,
            description=description,
            requirements=requirements,
            max_levels=max_levels,
            now=utcnow(),
        )
        if changes_nothing(role, revised):
            return role
        await uow.roles.save(revised, previous_version=role.version)
        await uow.commit()
    return revised


async def delete_role(
    uow: UnitOfWork, actor: Actor, *, role_id: uuid.UUID, expected_version: int | None = None
) -> None:
    """Raises Forbidden, NotFound, PreconditionFailed, Conflict (someone holds or aspires
    to it: map them elsewhere first)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        role = await uow.roles.get(actor.tenant_id, role_id)
        if role is None:
            raise NotFound("Role", role_id)
        in_use = await uow.roles.in_use(actor.tenant_id, role_id)
        check_deletable(
            "role",
            version=role.version,
            expected_version=expected_version,
            blocker="employees hold or aspire to it, or a cohort rule names it" if in_use else None,
        )
        await uow.roles.delete(actor.tenant_id, role_id)
        await uow.commit()
