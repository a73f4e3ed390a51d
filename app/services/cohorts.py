"""Cohort use cases. Membership lists people, so only hr_admin (who also writes) and
integrations read cohorts."""

import uuid
from collections.abc import Collection

from app.domain.cohorts import Cohort, CohortRule
from app.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.people import Employee
from app.domain.ports import UnitOfWork
from app.services import utcnow
from app.services.guards import changes_nothing, check_deletable, check_version

READERS = (Role.HR_ADMIN, Role.INTEGRATION)


async def create_cohort(
    uow: UnitOfWork,
    actor: Actor,
    *,
    key: str,
    name: str,
    description: str,
    rule: CohortRule | None,
) -> Cohort:
    """A rule cohort when `rule` is given, else a static one. Raises Forbidden, InvalidInput
    (including rule references to unknown units, roles or managers), Conflict (key taken)."""
    actor.require_any(Role.HR_ADMIN)
    cohort = Cohort.create(
        actor.tenant_id, key=key, name=name, description=description, rule=rule, now=utcnow()
    )
    async with uow:
        if rule is not None:
            await _check_rule(uow, actor, rule)
        if await uow.cohorts.id_by_key(actor.tenant_id, cohort.key):
            raise Conflict(f"A cohort with key {cohort.key} exists already.")
        await uow.cohorts.add(cohort)
        await uow.commit()
    return cohort


async def get_cohort(uow: UnitOfWork, actor: Actor, *, cohort_id: uuid.UUID) -> Cohort:
    """Raises Forbidden, NotFound."""
    actor.require_any(*READERS)
    async with uow:
        return await _cohort(uow, actor, cohort_id)


async def list_cohorts(uow: UnitOfWork, actor: Actor, *, page: PageRequest) -> Page[Cohort]:
    actor.require_any(*READERS)
    async with uow:
        return await uow.cohorts.list(actor.tenant_id, page)


async def update_cohort(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cohort_id: uuid.UUID,
    name: str,
    description: str,
    rule: CohortRule | None,
    expected_version: int | None = None,
) -> Cohort:
    """Replace name, description and (for a rule cohort) the rule. Raises Forbidden,
    NotFound, InvalidInput, PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        cohort = await _cohort(uow, actor, cohort_id)
        check_version("cohort", cohort.version, expected_version)
        revised = cohort.revise(name=name, description=description, rule=rule, now=utcnow())
        if rule is not None:
            await _check_rule(uow, actor, rule)
        if changes_nothing(cohort, revised):
            return cohort
        await uow.cohorts.save(revised, previous_version=cohort.version)
        await uow.commit()
    return revised


async def list_members(
    uow: UnitOfWork, actor: Actor, *, cohort_id: uuid.UUID, page: PageRequest
) -> Page[Employee]:
    """The cohort's members now: the static list, or whoever the rule selects (one query)."""
    actor.require_any(*READERS)
    async with uow:
        cohort = await _cohort(uow, actor, cohort_id)
        return await uow.cohorts.members(cohort, page)


async def change_members(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cohort_id: uuid.UUID,
    add: Collection[uuid.UUID] = (),
    remove: Collection[uuid.UUID] = (),
) -> Cohort:
    """Add and remove members of a static cohort (adding a member twice is harmless).
    Raises Forbidden, NotFound, InvalidInput (a rule cohort, unknown employees)."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        cohort = await _cohort(uow, actor, cohort_id)
        cohort.require_static()
        known = await uow.employees.existing(actor.tenant_id, add)
        unknown = [i for i, employee in enumerate(add) if employee not in known]
        if unknown:
            raise InvalidInput(
                "Some employees do not exist.",
                [FieldError(f"add.{i}", "No employee has this id.") for i in unknown],
            )
        await uow.cohorts.add_members(cohort, add)
        if remove:
            await uow.cohorts.remove_members(cohort, remove)
        await uow.commit()
    return cohort


async def _cohort(uow: UnitOfWork, actor: Actor, cohort_id: uuid.UUID) -> Cohort:
    cohort = await uow.cohorts.get(actor.tenant_id, cohort_id)
    if cohort is None:
        raise NotFound("Cohort", cohort_id)
    return cohort


async def _check_rule(uow: UnitOfWork, actor: Actor, rule: CohortRule) -> None:
    known_units = await uow.org_units.existing(actor.tenant_id, rule.org_unit_ids)
    known_roles = await uow.roles.existing(actor.tenant_id, rule.role_ids)
    known_managers = await uow.employees.existing(actor.tenant_id, rule.manager_ids)
    errors = [
        FieldError(f"rule.{name}.{index}", f"No {what} has this id.")
        for name, values, known, what in (
            ("org_unit_ids", rule.org_unit_ids, known_units, "org unit"),
            ("role_ids", rule.role_ids, known_roles, "role"),
            ("manager_ids", rule.manager_ids, known_managers, "employee"),
        )
        for index, value in enumerate(values)
        if value not in known
    ]
    if errors:
        raise InvalidInput("The rule refers to things that do not exist.", errors)


async def delete_cohort(
    uow: UnitOfWork, actor: Actor, *, cohort_id: uuid.UUID, expected_version: int | None = None
) -> None:
    """Delete a cohort (its members stay employees). Raises Forbidden, NotFound,
    PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        cohort = await _cohort(uow, actor, cohort_id)
        check_deletable(
            "cohort", version=cohort.version, expected_version=expected_version, blocker=None
        )
        await uow.cohorts.delete(actor.tenant_id, cohort_id)
        await uow.commit()
