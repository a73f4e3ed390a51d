"""Provisioning use cases: an identity provider creates, replaces, patches, finds and
deactivates accounts (employees) and groups (static cohorts).

Every employee is an account and every static cohort a group, whether a provider made it or
not, so a provider connected late finds the people an HRIS sync already created. A write goes
through the same upsert as the HRIS bulk sync (cycles refused, a manager not yet known linked
when they arrive) and is audited. hr_admin and integration credentials may call these.
"""

import re
import secrets
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from app.domain.audit import AuditEntry, Channel
from app.domain.bulk import RowStatus
from app.domain.cohorts import Cohort
from app.domain.directory import (
    Account,
    Condition,
    DirectoryGroup,
    DirectoryUser,
    GroupAccount,
    ProvisionedGroup,
    ProvisionedUser,
    changed_fields,
    check_condition,
    members_change,
)
from app.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from app.domain.identity import Actor, Role
from app.domain.pagination import PageRequest
from app.domain.people import Employee, EmployeeStatus
from app.domain.ports import UnitOfWork
from app.domain.views import EmployeeFilter
from app.services import utcnow
from app.services.employees import EmployeeRow, write_rows

WRITERS = (Role.HR_ADMIN, Role.INTEGRATION)
MAX_COUNT = 200
"""The most resources one search returns (ServiceProviderConfig filter.maxResults)."""
GROUP_DESCRIPTION = "Provisioned by the identity provider."
# Where the profile's fields stand in a provider's vocabulary, for the errors it gets back.
ACCOUNT_FIELDS = {
    "external_id": "employeeNumber",
    "name": "displayName",
    "email": "emails",
    "job_title": "title",
    "org_unit_key": "department",
    "manager_external_id": "manager",
}

T = TypeVar("T")


@dataclass(frozen=True)
class Window(Generic[T]):
    """One page of a search: how many match in all, and those from `start_index` (1-based)."""

    total: int
    start_index: int
    items: list[T]


async def get_user(uow: UnitOfWork, actor: Actor, *, employee_id: uuid.UUID) -> DirectoryUser:
    """Raises Forbidden, NotFound."""
    actor.require_any(*WRITERS)
    async with uow:
        return await _user(uow, actor, employee_id)


async def search_users(
    uow: UnitOfWork,
    actor: Actor,
    *,
    condition: Condition | None,
    start_index: int = 1,
    count: int = MAX_COUNT,
) -> Window[DirectoryUser]:
    """The accounts matching `condition`, oldest first. Raises Forbidden, InvalidInput."""
    start_index, count = _search_bounds(actor, condition, start_index, count)
    async with uow:
        total, ids = await uow.directory.search_users(
            actor.tenant_id, condition, offset=start_index - 1, limit=count
        )
        return Window(total, start_index, await _users(uow, actor, ids))


async def provision_user(uow: UnitOfWork, actor: Actor, *, account: Account) -> DirectoryUser:
    """Create the account's employee, or take over the employee that already has its
    external id (an HRIS sync may have created them) if no account holds them yet.
    Raises Forbidden, InvalidInput, Conflict (the user name or the employee is taken)."""
    actor.require_any(*WRITERS)
    account = account.checked()
    async with uow:
        await uow.employees.lock_reporting_lines(actor.tenant_id)
        existing = await uow.employees.ids_by_external_ids(actor.tenant_id, [account.person_key])
        before = None
        if existing:
            before = await _user(uow, actor, existing[account.person_key])
            if before.identity is not None:
                raise Conflict(
                    f"Employee {account.person_key} already has an account "
                    f"({before.identity.account.user_name})."
                )
        user = await _write(uow, actor, before, account, action="user.created")
        await uow.commit()
    return user


async def replace_user(
    uow: UnitOfWork, actor: Actor, *, employee_id: uuid.UUID, account: Account
) -> DirectoryUser:
    """Make the employee what the account says. Raises Forbidden, NotFound, InvalidInput,
    Conflict (the user name or the employee number belongs to someone else)."""
    return await update_user(uow, actor, employee_id=employee_id, change=lambda _: account)


async def update_user(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_id: uuid.UUID,
    change: Callable[[Account], Account],
    action: str = "user.updated",
) -> DirectoryUser:
    """Apply `change` (a PATCH, say) to the account as it stands, inside the transaction, so
    no concurrent write is lost. `change` may raise InvalidInput. Raises as replace_user."""
    actor.require_any(*WRITERS)
    async with uow:
        await uow.employees.lock_reporting_lines(actor.tenant_id)
        before = await _user(uow, actor, employee_id)
        account = change(before.account()).checked()
        user = await _write(uow, actor, before, account, action=action)
        await uow.commit()
    return user


async def deactivate_user(uow: UnitOfWork, actor: Actor, *, employee_id: uuid.UUID) -> None:
    """Mark the employee inactive: leavers are kept, never deleted. Raises Forbidden,
    NotFound."""
    await update_user(
        uow,
        actor,
        employee_id=employee_id,
        change=lambda account: replace(account, active=False),
        action="user.deactivated",
    )


async def get_group(uow: UnitOfWork, actor: Actor, *, cohort_id: uuid.UUID) -> DirectoryGroup:
    """Raises Forbidden, NotFound (also for rule cohorts, which are not groups)."""
    actor.require_any(*WRITERS)
    async with uow:
        return await _group(uow, actor, cohort_id)


async def search_groups(
    uow: UnitOfWork,
    actor: Actor,
    *,
    condition: Condition | None,
    start_index: int = 1,
    count: int = MAX_COUNT,
) -> Window[DirectoryGroup]:
    """The static cohorts matching `condition`, oldest first. Raises Forbidden, InvalidInput."""
    start_index, count = _search_bounds(actor, condition, start_index, count)
    async with uow:
        total, ids = await uow.directory.search_groups(
            actor.tenant_id, condition, offset=start_index - 1, limit=count
        )
        return Window(total, start_index, await _groups(uow, actor, ids))


async def provision_group(uow: UnitOfWork, actor: Actor, *, group: GroupAccount) -> DirectoryGroup:
    """Create a static cohort with the group's members. Raises Forbidden, InvalidInput (an
    unknown member)."""
    actor.require_any(*WRITERS)
    group = group.checked()
    now = utcnow()
    cohort = Cohort.create(
        actor.tenant_id,
        key=_group_key(group.display_name),
        name=group.display_name,
        description=GROUP_DESCRIPTION,
        rule=None,
        now=now,
    )
    async with uow:
        await _check_members(uow, actor, group.member_ids)
        await uow.cohorts.add(cohort)
        await uow.cohorts.add_members(cohort, group.member_ids)
        await uow.directory.add_group(
            ProvisionedGroup(
                actor.tenant_id, cohort.id, group.external_id, group.document, 1, now, now
            )
        )
        created = DirectoryGroup(cohort, None, tuple(sorted(group.member_ids)))
        await _audit(uow, actor, "group.created", "cohort", cohort.id, None, created.account())
        await uow.commit()
    return await get_group(uow, actor, cohort_id=cohort.id)


async def update_group(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cohort_id: uuid.UUID,
    change: Callable[[GroupAccount], GroupAccount],
) -> DirectoryGroup:
    """Apply `change` (a replacement or a PATCH) to the group as it stands: rename the cohort,
    add and remove members. Raises Forbidden, NotFound, InvalidInput."""
    actor.require_any(*WRITERS)
    now = utcnow()
    async with uow:
        before = await _group(uow, actor, cohort_id)
        group = change(before.account()).checked()
        await _check_members(uow, actor, group.member_ids)
        cohort = before.cohort
        if group.display_name != cohort.name:
            renamed = cohort.revise(
                name=group.display_name, description=cohort.description, rule=None, now=now
            )
            await uow.cohorts.save(renamed, previous_version=cohort.version)
        added, removed = members_change(before.member_ids, group.member_ids)
        await uow.cohorts.add_members(cohort, added)
        await uow.cohorts.remove_members(cohort, removed)
        stored = before.identity
        if stored is None:
            await uow.directory.add_group(
                ProvisionedGroup(
                    actor.tenant_id, cohort_id, group.external_id, group.document, 1, now, now
                )
            )
        elif (stored.external_id, dict(stored.document)) != (group.external_id, group.document):
            await uow.directory.save_group(
                replace(
                    stored,
                    external_id=group.external_id,
                    document=group.document,
                    version=stored.version + 1,
                    updated_at=now,
                ),
                previous_version=stored.version,
            )
        await _audit(uow, actor, "group.updated", "cohort", cohort_id, before.account(), group)
        await uow.commit()
    return await get_group(uow, actor, cohort_id=cohort_id)


async def delete_group(uow: UnitOfWork, actor: Actor, *, cohort_id: uuid.UUID) -> None:
    """Delete the static cohort (its members stay employees). Raises Forbidden, NotFound."""
    actor.require_any(*WRITERS)
    async with uow:
        before = await _group(uow, actor, cohort_id)
        await uow.cohorts.delete(actor.tenant_id, cohort_id)
        await _audit(uow, actor, "group.deleted", "cohort", cohort_id, before.account(), None)
        await uow.commit()


def _search_bounds(
    actor: Actor, condition: Condition | None, start_index: int, count: int
) -> tuple[int, int]:
    """Check the caller and the condition; clamp the window as RFC 7644 3.4.2.4 says (a
    start below 1 is 1, a negative count 0, a large one the maximum)."""
    actor.require_any(*WRITERS)
    if condition is not None:
        check_condition(condition)
    return max(start_index, 1), min(max(count, 0), MAX_COUNT)


async def _write(
    uow: UnitOfWork, actor: Actor, before: DirectoryUser | None, account: Account, *, action: str
) -> DirectoryUser:
    """Store the account over `before` (None: a new employee) and audit what changed."""
    holder = await uow.directory.employee_with_user_name(actor.tenant_id, account.user_name)
    if holder is not None and (before is None or holder != before.employee.id):
        raise Conflict(f"The userName {account.user_name} belongs to another user.")
    employee = None if before is None else before.employee
    if employee is not None and employee.profile.external_id != account.person_key:
        await _rename(uow, actor, employee, account.person_key)
    row = await _row(uow, actor, employee, account)
    (result,) = (await write_rows(uow, actor, [row])).rows
    if result.status is RowStatus.ERROR:
        raise InvalidInput(
            "The user cannot be stored.",
            [FieldError(ACCOUNT_FIELDS.get(e.field, e.field), e.message) for e in result.errors],
        )
    employee_id = uuid.UUID(str(result.id))
    now = utcnow()
    if before is None or before.identity is None:
        await uow.directory.add_identity(
            ProvisionedUser(actor.tenant_id, employee_id, account, 1, now, now)
        )
    else:
        revised = before.identity.revised(account, now)
        if revised is not before.identity:
            await uow.directory.save_identity(revised, previous_version=before.identity.version)
    after = await _user(uow, actor, employee_id)
    await _audit(
        uow,
        actor,
        action,
        "employee",
        employee_id,
        None if before is None else before.account(),
        after.account(),
    )
    return after


async def _row(
    uow: UnitOfWork, actor: Actor, employee: Employee | None, account: Account
) -> EmployeeRow:
    """The HRIS row for the account: what the provider owns from the account, the rest (job
    level, location, hire date; the org unit unless the department names one) kept."""
    profile = None if employee is None else employee.profile
    units = await uow.directory.unit_keys(actor.tenant_id, [account.department or ""])
    unit_key = units.get(account.department or "")
    if unit_key is None and profile is not None and profile.org_unit_id is not None:
        unit = await uow.org_units.get(actor.tenant_id, profile.org_unit_id)
        unit_key = None if unit is None else unit.key
    return EmployeeRow(
        external_id=account.person_key,
        name=account.person_name,
        email=account.email,
        org_unit_key=unit_key,
        job_title=account.title,
        job_level=None if profile is None else profile.job_level,
        location=None if profile is None else profile.location,
        status=EmployeeStatus.ACTIVE if account.active else EmployeeStatus.INACTIVE,
        hire_date=None if profile is None else profile.hire_date,
        manager_external_id=await _manager_key(uow, actor, account.manager),
    )


async def _manager_key(uow: UnitOfWork, actor: Actor, manager: str | None) -> str | None:
    """The manager's external id: `manager` names an account by id, or (a manager the
    provider has not sent yet) by the external id they will arrive with."""
    if manager is None:
        return None
    try:
        manager_id = uuid.UUID(manager)
    except ValueError:
        return manager
    found = await uow.employees.get(actor.tenant_id, manager_id)
    return manager if found is None else found.profile.external_id


async def _rename(uow: UnitOfWork, actor: Actor, employee: Employee, external_id: str) -> None:
    if await uow.employees.ids_by_external_ids(actor.tenant_id, [external_id]):
        raise Conflict(f"The employeeNumber {external_id} belongs to another user.")
    renamed = replace(
        employee,
        profile=replace(employee.profile, external_id=external_id),
        version=employee.version + 1,
        updated_at=utcnow(),
    )
    await uow.employees.save(renamed, previous_version=employee.version)


async def _user(uow: UnitOfWork, actor: Actor, employee_id: uuid.UUID) -> DirectoryUser:
    users = await _users(uow, actor, [employee_id])
    if not users:
        raise NotFound("User", employee_id)
    return users[0]


async def _users(
    uow: UnitOfWork, actor: Actor, employee_ids: list[uuid.UUID]
) -> list[DirectoryUser]:
    """The accounts of these employees, in this order, in three queries."""
    if not employee_ids:
        return []
    page = await uow.employees.list(
        actor.tenant_id,
        PageRequest(limit=len(employee_ids)),
        EmployeeFilter(ids=tuple(employee_ids)),
    )
    by_id = {employee.id: employee for employee in page.items}
    identities = await uow.directory.identities(actor.tenant_id, by_id)
    unit_ids = {e.profile.org_unit_id for e in by_id.values()} - {None}
    units = {u.id: u.name for u in await uow.org_units.get_many(actor.tenant_id, unit_ids)}
    return [
        DirectoryUser(employee, identities.get(i), units.get(employee.profile.org_unit_id))
        for i in employee_ids
        if (employee := by_id.get(i)) is not None
    ]


async def _group(uow: UnitOfWork, actor: Actor, cohort_id: uuid.UUID) -> DirectoryGroup:
    groups = await _groups(uow, actor, [cohort_id])
    if not groups:
        raise NotFound("Group", cohort_id)
    return groups[0]


async def _groups(
    uow: UnitOfWork, actor: Actor, cohort_ids: list[uuid.UUID]
) -> list[DirectoryGroup]:
    if not cohort_ids:
        return []
    found = {
        c.id: c for c in await uow.cohorts.get_many(actor.tenant_id, cohort_ids) if c.rule is None
    }
    identities = await uow.directory.groups(actor.tenant_id, found)
    members = await uow.directory.member_ids(actor.tenant_id, found)
    return [
        DirectoryGroup(found[i], identities.get(i), tuple(members[i]))
        for i in cohort_ids
        if i in found
    ]


async def _check_members(uow: UnitOfWork, actor: Actor, member_ids: Collection[uuid.UUID]) -> None:
    members = list(member_ids)
    known = await uow.employees.existing(actor.tenant_id, members)
    unknown = [i for i, member in enumerate(members) if member not in known]
    if unknown:
        raise InvalidInput(
            "Some members are not users.",
            [FieldError(f"members.{i}.value", "No user has this id.") for i in unknown],
        )


def _group_key(display_name: str) -> str:
    """A cohort key for the group: its name made key-safe, with a random tail so that two
    groups of one name, or a renamed group's old name, never clash."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", display_name).strip("-._")[:80] or "group"
    return f"{stem}-{secrets.token_hex(4)}"


async def _audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: uuid.UUID,
    before: Account | GroupAccount | None,
    after: Account | GroupAccount | None,
) -> None:
    """Record what changed, if anything; a group's members as who was added and removed."""
    changes: dict[str, object] = dict(
        changed_fields(
            {} if before is None else before.summary(), {} if after is None else after.summary()
        )
    )
    if isinstance(before, GroupAccount | None) and isinstance(after, GroupAccount | None):
        added, removed = members_change(
            () if before is None else before.member_ids, () if after is None else after.member_ids
        )
        if added or removed:
            changes["members"] = {
                "added": sorted(map(str, added)),
                "removed": sorted(map(str, removed)),
            }
    if not changes:
        return
    await uow.audit.record(
        [
            AuditEntry.of(
                actor,
                channel=Channel.SCIM,
                action=action,
                target_type=target_type,
                target_id=target_id,
                changes=changes,
                now=utcnow(),
            )
        ]
    )
