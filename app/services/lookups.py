"""Batch lookups by id, for callers that gather ids first (GraphQL DataLoaders).

Each returns only what the caller may see; ids of other tenants or invisible employees are
simply absent from the result.
"""

import uuid
from collections.abc import Collection

from app.domain.assessments import Result
from app.domain.identity import Actor
from app.domain.learning import LearningItem
from app.domain.people import Employee, OrgUnit
from app.domain.ports import UnitOfWork
from app.domain.roles import RoleProfile
from app.domain.views import CapabilityView
from app.services.employees import visible_employees


async def employees_by_id(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Employee]:
    async with uow:
        return await visible_employees(uow, actor, ids)


async def results_by_assessment(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[Result]]:
    """Results of the assessments of employees the caller may see (raters never see them)."""
    async with uow:
        subjects = await uow.assessments.employees_of(actor.tenant_id, ids)
        visible = await visible_employees(uow, actor, set(subjects.values()))
        shown = [a for a, employee in subjects.items() if employee in visible]
        return await uow.assessments.results_of_many(actor.tenant_id, shown)


async def roles_by_id(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, RoleProfile]:
    async with uow:
        return {role.id: role for role in await uow.roles.get_many(actor.tenant_id, ids)}


async def org_units_by_id(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, OrgUnit]:
    async with uow:
        return {unit.id: unit for unit in await uow.org_units.get_many(actor.tenant_id, ids)}


async def capabilities_by_id(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, CapabilityView]:
    async with uow:
        found = await uow.capabilities.get_many(actor.tenant_id, ids)
    return {capability.id: capability for capability in found}


async def learning_items_by_id(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, LearningItem]:
    async with uow:
        return {item.id: item for item in await uow.learning.get_many(actor.tenant_id, ids)}
