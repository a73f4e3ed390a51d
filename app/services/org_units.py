"""Org unit use cases: everyone reads the tree; hr_admin and integrations change it."""

import uuid

from app.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.people import OrgUnit
from app.domain.ports import UnitOfWork
from app.domain.values import UNSET, Unset
from app.services import utcnow
from app.services.guards import changes_nothing, check_deletable, check_version

WRITERS = (Role.HR_ADMIN, Role.INTEGRATION)


async def create_org_unit(
    uow: UnitOfWork, actor: Actor, *, key: str, name: str, parent_id: uuid.UUID | None
) -> OrgUnit:
    """Raises Forbidden, InvalidInput (unknown parent), Conflict (key taken)."""
    actor.require_any(*WRITERS)
    unit = OrgUnit.create(actor.tenant_id, key=key, name=name, parent_id=parent_id, now=utcnow())
    async with uow:
        await _check_parent(uow, actor, parent_id)
        if await uow.org_units.ids_by_keys(actor.tenant_id, [unit.key]):
            raise Conflict(f"An org unit with key {unit.key} exists already.")
        await uow.org_units.add(unit)
        await uow.commit()
    return unit


async def get_org_unit(uow: UnitOfWork, actor: Actor, *, unit_id: uuid.UUID) -> OrgUnit:
    """Raises NotFound."""
    async with uow:
        unit = await uow.org_units.get(actor.tenant_id, unit_id)
    if unit is None:
        raise NotFound("Org unit", unit_id)
    return unit


async def list_org_units(
    uow: UnitOfWork, actor: Actor, *, page: PageRequest, parent_id: uuid.UUID | None = None
) -> Page[OrgUnit]:
    async with uow:
        return await uow.org_units.list(actor.tenant_id, page, parent_id=parent_id)


async def update_org_unit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit_id: uuid.UUID,
    name: str | Unset = UNSET,
    parent_id: uuid.UUID | Unset | None = UNSET,
    expected_version: int | None = None,
) -> OrgUnit:
    """Rename or move a unit. Raises Forbidden, NotFound, InvalidInput (unknown parent, a
    move under itself), PreconditionFailed."""
    actor.require_any(*WRITERS)
    async with uow:
        unit = await uow.org_units.get(actor.tenant_id, unit_id)
        if unit is None:
            raise NotFound("Org unit", unit_id)
        check_version("org unit", unit.version, expected_version)
        new_parent = unit.parent_id if isinstance(parent_id, Unset) else parent_id
        await _check_parent(uow, actor, new_parent)
        ancestors = await uow.org_units.chain_up(actor.tenant_id, new_parent) if new_parent else []
        revised = unit.revise(
            name=unit.name if isinstance(name, Unset) else name,
            parent_id=new_parent,
            ancestors_of_parent=ancestors,
            now=utcnow(),
        )
        if changes_nothing(unit, revised):
            return unit
        await uow.org_units.save(revised, previous_version=unit.version)
        await uow.commit()
    return revised


async def _check_parent(uow: UnitOfWork, actor: Actor, parent_id: uuid.UUID | None) -> None:
    if parent_id is not None and not await uow.org_units.existing(actor.tenant_id, [parent_id]):
        raise InvalidInput(
            "The parent unit does not exist.", [FieldError("parent_id", "No unit has this id.")]
        )


async def delete_org_unit(
    uow: UnitOfWork, actor: Actor, *, unit_id: uuid.UUID, expected_version: int | None = None
) -> None:
    """Raises Forbidden, NotFound, PreconditionFailed, Conflict (units or people in it)."""
    actor.require_any(*WRITERS)
    async with uow:
        unit = await uow.org_units.get(actor.tenant_id, unit_id)
        if unit is None:
            raise NotFound("Org unit", unit_id)
        in_use = await uow.org_units.in_use(actor.tenant_id, unit_id)
        check_deletable(
            "org unit",
            version=unit.version,
            expected_version=expected_version,
            blocker="units, employees or team goals are in it, or a cohort rule names it"
            if in_use
            else None,
        )
        await uow.org_units.delete(actor.tenant_id, unit_id)
        await uow.commit()
