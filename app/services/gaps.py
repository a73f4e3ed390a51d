"""Gap analysis use cases: per person, readiness for a role, and roll-ups over groups.

A person's gaps are visible to whoever may see the person. Roll-ups: hr_admin and
integrations for any grouping; a manager for their own team (or a team below them).
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from app.domain.cohorts import Cohort
from app.domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from app.domain.gaps import CapabilityGap, Readiness, RollUp, employee_gaps, readiness
from app.domain.identity import Actor, Role
from app.domain.ports import UnitOfWork
from app.domain.roles import RoleProfile
from app.domain.views import GroupBy, Grouping
from app.services.employees import visible_employee, visible_employees

MAX_GROUPS = 100


@dataclass(frozen=True)
class EmployeeGaps:
    employee_id: uuid.UUID
    role: RoleProfile
    gaps: list[CapabilityGap]


async def gaps_of(
    uow: UnitOfWork, actor: Actor, *, employee_id: uuid.UUID, role_id: uuid.UUID | None = None
) -> EmployeeGaps:
    """The employee's gaps against a role (their current one by default). Raises NotFound,
    InvalidInput (no role held and none named)."""
    async with uow:
        employee = await visible_employee(uow, actor, employee_id)
        chosen = role_id or employee.current_role_id
        if chosen is None:
            raise InvalidInput(
                "The employee holds no role.", [FieldError("role_id", "Name the role.")]
            )
        role = await uow.roles.get(actor.tenant_id, chosen)
        if role is None:
            raise NotFound("Role", chosen)
        levels = await uow.gaps.current_levels(actor.tenant_id, employee_id)
    return EmployeeGaps(employee_id, role, employee_gaps(role.requirements, levels))


async def gaps_of_many(
    uow: UnitOfWork, actor: Actor, keys: Collection[tuple[uuid.UUID, uuid.UUID | None]]
) -> dict[tuple[uuid.UUID, uuid.UUID | None], EmployeeGaps]:
    """Gaps for many (employee, role or None for the current one) pairs in a fixed number of
    queries, for batch callers (GraphQL). Pairs the actor may not see, or without a role,
    are absent."""
    async with uow:
        visible = await visible_employees(uow, actor, {employee for employee, _ in keys})
        wanted = {
            role or (visible[e].current_role_id if e in visible else None) for e, role in keys
        }
        roles = {r.id: r for r in await uow.roles.get_many(actor.tenant_id, wanted - {None})}
        levels = await uow.gaps.current_levels_of_many(actor.tenant_id, visible)
    found = {}
    for employee_id, role_id in keys:
        employee = visible.get(employee_id)
        role = roles.get(role_id or (employee.current_role_id if employee else None))
        if employee is not None and role is not None:
            found[(employee_id, role_id)] = EmployeeGaps(
                employee_id, role, employee_gaps(role.requirements, levels.get(employee_id, {}))
            )
    return found


async def readiness_of(
    uow: UnitOfWork, actor: Actor, *, employee_id: uuid.UUID, role_id: uuid.UUID | None = None
) -> tuple[EmployeeGaps, Readiness]:
    """How ready the employee is for a role (succession), with the blocking gaps."""
    found = await gaps_of(uow, actor, employee_id=employee_id, role_id=role_id)
    return found, readiness(found.gaps)


async def roll_up(uow: UnitOfWork, actor: Actor, *, grouping: Grouping) -> dict[str, list[RollUp]]:
    """Per group and required capability: headcount, assessed, below, met, mean and weighted
    gap, impact (see app.domain.gaps). Computed in one query. Raises Forbidden, NotFound
    (a cohort), InvalidInput (missing or too many ids)."""
    check_grouping(grouping)
    async with uow:
        await require_roll_up_access(uow, actor, grouping)
        return await uow.gaps.roll_up(
            actor.tenant_id, grouping, await cohorts_of(uow, actor, grouping)
        )


async def cohorts_of(uow: UnitOfWork, actor: Actor, grouping: Grouping) -> list[Cohort]:
    """Inside an open unit of work: the cohorts a cohort grouping names, or NotFound."""
    if grouping.by is not GroupBy.COHORT:
        return []
    found = {c.id: c for c in await uow.cohorts.get_many(actor.tenant_id, grouping.ids)}
    missing = [cohort_id for cohort_id in grouping.ids if cohort_id not in found]
    if missing:
        raise NotFound("Cohort", missing[0])
    return [found[cohort_id] for cohort_id in dict.fromkeys(grouping.ids)]


def check_grouping(grouping: Grouping) -> None:
    needs_ids = grouping.by is not GroupBy.TENANT
    if needs_ids and not grouping.ids:
        raise InvalidInput("Say which groups.", [FieldError("ids", f"Give the {grouping.by} ids.")])
    if grouping.by is GroupBy.TEAM and len(grouping.ids) != 1:
        raise InvalidInput(
            "A team roll-up is about one manager.", [FieldError("ids", "Give one manager id.")]
        )
    if len(grouping.ids) > MAX_GROUPS:
        raise InvalidInput("Too many groups.", [FieldError("ids", f"At most {MAX_GROUPS}.")])


async def require_roll_up_access(uow: UnitOfWork, actor: Actor, grouping: Grouping) -> None:
    if actor.has_any(Role.HR_ADMIN, Role.INTEGRATION):
        return
    if grouping.by is GroupBy.TEAM and actor.has_any(Role.MANAGER) and actor.employee_id:
        (manager,) = grouping.ids
        if manager == actor.employee_id or actor.employee_id in await uow.employees.chain_up(
            actor.tenant_id, manager
        ):
            return
    raise Forbidden("Roll-ups are for hr_admin, integrations, and managers over their own team.")
