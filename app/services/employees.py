"""Employee use cases, one at a time and in bulk.

Who sees whom: hr_admin and integrations see everyone; a manager sees themselves and their
whole reporting line below; an employee sees themselves. Others' ids answer NotFound, as if
they did not exist. hr_admin and integrations write.
"""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from app.domain.bulk import BulkResult, RowResult, RowStatus, check_batch_size
from app.domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from app.domain.events import DomainEvent, EventType
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.people import Employee, EmployeeStatus, Profile, find_cycles
from app.domain.ports import UnitOfWork
from app.domain.values import KEY_PATTERN, UNSET, Unset, check_reference, checked_filter
from app.domain.views import EmployeeFilter, EmployeeUpsert, RoleAssignment
from app.services import utcnow
from app.services.guards import changes_nothing, check_version, remember_response, replayed_response

WRITERS = (Role.HR_ADMIN, Role.INTEGRATION)


@dataclass(frozen=True)
class EmployeeChanges:
    """A partial update: fields left UNSET keep their value; None clears an optional one."""

    external_id: str | Unset = UNSET
    name: str | Unset = UNSET
    email: str | Unset | None = UNSET
    org_unit_id: uuid.UUID | Unset | None = UNSET
    job_title: str | Unset | None = UNSET
    job_level: str | Unset | None = UNSET
    location: str | Unset | None = UNSET
    status: EmployeeStatus | Unset = UNSET
    hire_date: date | Unset | None = UNSET
    manager_id: uuid.UUID | Unset | None = UNSET
    current_role_id: uuid.UUID | Unset | None = UNSET
    aspired_role_ids: Sequence[uuid.UUID] | Unset = UNSET


@dataclass(frozen=True)
class EmployeeRow:
    """One row of a bulk upsert, as an HRIS sends it: references by key and external id."""

    external_id: str
    name: str
    email: str | None = None
    org_unit_key: str | None = None
    job_title: str | None = None
    job_level: str | None = None
    location: str | None = None
    status: EmployeeStatus | None = None
    """None keeps the stored status (a leaver stays one); a new employee is active."""
    hire_date: date | None = None
    manager_external_id: str | None = None


@dataclass(frozen=True)
class RoleAssignmentRow:
    role_key: str
    employee_id: uuid.UUID | None = None
    employee_external_id: str | None = None
    effective_date: date | None = None


@dataclass
class _Rows:
    """Per-row errors collected while a batch is checked."""

    errors: dict[int, list[FieldError]] = field(default_factory=dict)

    def fail(self, index: int, field_name: str, message: str) -> None:
        self.errors.setdefault(index, []).append(FieldError(field_name, message))

    def result(self, index: int, reference: str | None) -> RowResult:
        return RowResult(index, RowStatus.ERROR, None, reference, tuple(self.errors[index]))


async def create_employee(
    uow: UnitOfWork,
    actor: Actor,
    *,
    profile: Profile,
    manager_id: uuid.UUID | None = None,
    current_role_id: uuid.UUID | None = None,
    aspired_role_ids: Sequence[uuid.UUID] = (),
) -> Employee:
    """Raises Forbidden, InvalidInput (bad field, unknown reference), Conflict (external id)."""
    actor.require_any(*WRITERS)
    employee = Employee.create(
        actor.tenant_id,
        profile=profile,
        manager_id=manager_id,
        current_role_id=current_role_id,
        aspired_role_ids=aspired_role_ids,
        now=utcnow(),
    )
    async with uow:
        await uow.employees.lock_reporting_lines(actor.tenant_id)
        await _check_references(uow, actor, employee)
        if await uow.employees.ids_by_external_ids(actor.tenant_id, [profile.external_id]):
            raise Conflict(f"An employee with external id {profile.external_id} exists already.")
        await uow.employees.add(employee)
        await _link_waiting_reports(uow, actor, employee)
        await uow.events.record([_created(employee.tenant_id, employee.id, employee.created_at)])
        await uow.commit()
    return employee


async def get_employee(uow: UnitOfWork, actor: Actor, *, employee_id: uuid.UUID) -> Employee:
    """Raises NotFound (also for employees the caller may not see)."""
    async with uow:
        employee = await visible_employee(uow, actor, employee_id)
    return employee


async def list_employees(
    uow: UnitOfWork, actor: Actor, *, page: PageRequest, criteria: EmployeeFilter
) -> Page[Employee]:
    """The employees matching `criteria` among those the caller may see."""
    criteria = replace(criteria, external_id=checked_filter(criteria.external_id, "external_id"))
    async with uow:
        return await uow.employees.list(actor.tenant_id, page, visible_filter(actor, criteria))


async def update_employee(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_id: uuid.UUID,
    changes: EmployeeChanges,
    expected_version: int | None = None,
) -> Employee:
    """Apply a partial update. Raises Forbidden, NotFound, InvalidInput (a bad field, an
    unknown reference, a reporting cycle), Conflict (external id taken), PreconditionFailed."""
    actor.require_any(*WRITERS)
    async with uow:
        await uow.employees.lock_reporting_lines(actor.tenant_id)
        employee = await uow.employees.get(actor.tenant_id, employee_id)
        if employee is None:
            raise NotFound("Employee", employee_id)
        check_version("employee", employee.version, expected_version)
        profile = replace(
            employee.profile,
            **{
                name: value
                for name in (
                    "external_id",
                    "name",
                    "email",
                    "org_unit_id",
                    "job_title",
                    "job_level",
                    "location",
                    "status",
                    "hire_date",
                )
                if not isinstance(value := getattr(changes, name), Unset)
            },
        )
        manager_id = _kept(changes.manager_id, employee.manager_id)
        chain = await uow.employees.chain_up(actor.tenant_id, manager_id) if manager_id else []
        revised = employee.revise(
            profile=profile,
            manager_id=manager_id,
            managers_above_new_manager=[manager_id, *chain] if manager_id else [],
            current_role_id=_kept(changes.current_role_id, employee.current_role_id),
            aspired_role_ids=_kept(changes.aspired_role_ids, employee.aspired_role_ids),
            now=utcnow(),
        )
        await _check_references(uow, actor, revised)
        if profile.external_id != employee.profile.external_id and (
            await uow.employees.ids_by_external_ids(actor.tenant_id, [revised.profile.external_id])
        ):
            raise Conflict(f"An employee with external id {profile.external_id} exists already.")
        if changes_nothing(employee, revised):
            return employee
        await uow.employees.save(revised, previous_version=employee.version)
        await _link_waiting_reports(uow, actor, revised)
        if revised.current_role_id != employee.current_role_id:
            await uow.events.record(
                [
                    _role_changed(
                        revised.tenant_id,
                        revised.id,
                        employee.current_role_id,
                        revised.current_role_id,
                        revised.updated_at,
                    )
                ]
            )
        await uow.commit()
    return revised


async def upsert_employees(
    uow: UnitOfWork,
    actor: Actor,
    *,
    rows: Sequence[EmployeeRow],
    idempotency_key: str | None = None,
) -> BulkResult:
    """Create or update employees by external id, all valid rows in one transaction and one
    statement. Rows that are invalid, name an unknown org unit, or would close a reporting
    cycle are reported and skipped; a manager not yet known is linked when they arrive.
    Raises Forbidden, InvalidInput for the batch as a whole (size, an external id twice),
    IdempotencyKeyReused."""
    actor.require_any(*WRITERS)
    check_batch_size(len(rows))
    _refuse_duplicates([row.external_id.strip() for row in rows], "external_id")
    async with uow:
        await uow.employees.lock_reporting_lines(actor.tenant_id)
        replay = await replayed_response(
            uow, actor, idempotency_key=idempotency_key, endpoint="employees:bulk", payload=rows
        )
        if replay is not None:
            return BulkResult.from_json(replay)
        result = await write_rows(uow, actor, rows)
        await remember_response(
            uow, actor, idempotency_key=idempotency_key, response=result.to_json()
        )
        await uow.commit()
    return result


async def write_rows(uow: UnitOfWork, actor: Actor, rows: Sequence[EmployeeRow]) -> BulkResult:
    """Inside an open unit of work that holds the reporting lines: upsert the valid rows in
    one statement and report each row; the caller commits."""
    checked = _Rows()
    profiles: dict[int, Profile] = {}
    unit_ids = await uow.org_units.ids_by_keys(
        actor.tenant_id,
        {
            row.org_unit_key
            for row in rows
            if row.org_unit_key and KEY_PATTERN.match(row.org_unit_key)
        },
    )
    stored = await uow.employees.standing_by_external_ids(
        actor.tenant_id, {row.external_id.strip() for row in rows}
    )
    for index, row in enumerate(rows):
        known = stored.get(row.external_id.strip())
        status = row.status or (EmployeeStatus.ACTIVE if known is None else known[0])
        profile = _profile_of(row, unit_ids.get(row.org_unit_key or ""), status)
        problems = profile.problems()
        if row.org_unit_key and row.org_unit_key not in unit_ids:
            problems.append(FieldError("org_unit_key", "No org unit has this key."))
        if row.manager_external_id:
            check_reference(row.manager_external_id, "manager_external_id", problems)
        for problem in problems:
            checked.fail(index, problem.field, problem.message)
        profiles[index] = profile.cleaned()
    await _refuse_cycles(uow, actor, rows, profiles, checked, stored)
    valid = [i for i in range(len(rows)) if i not in checked.errors]
    outcomes = await uow.employees.upsert(
        actor.tenant_id,
        [EmployeeUpsert(profiles[i], _blank_to_none(rows[i].manager_external_id)) for i in valid],
        utcnow(),
    )
    result = BulkResult(
        tuple(
            checked.result(i, rows[i].external_id)
            if i in checked.errors
            else RowResult(
                i,
                outcomes[profiles[i].external_id].status,
                str(outcomes[profiles[i].external_id].id),
                profiles[i].external_id,
            )
            for i in range(len(rows))
        )
    )
    now = utcnow()
    await uow.events.record(
        [
            _created(actor.tenant_id, outcome.id, now)
            for outcome in outcomes.values()
            if outcome.status is RowStatus.CREATED
        ]
    )
    return result


async def assign_roles(
    uow: UnitOfWork,
    actor: Actor,
    *,
    rows: Sequence[RoleAssignmentRow],
    idempotency_key: str | None = None,
) -> BulkResult:
    """Map employees to roles in bulk: each row is applied, unchanged (already so), or an
    error (unknown employee or role, the employee in two rows). Valid rows are applied in one
    transaction. Raises Forbidden, InvalidInput (batch size), IdempotencyKeyReused."""
    actor.require_any(*WRITERS)
    check_batch_size(len(rows))
    async with uow:
        replay = await replayed_response(
            uow,
            actor,
            idempotency_key=idempotency_key,
            endpoint="role-assignments:bulk",
            payload=rows,
        )
        if replay is not None:
            return BulkResult.from_json(replay)
        checked = _Rows()
        for index, row in enumerate(rows):
            references: list[FieldError] = []
            check_reference(row.employee_external_id or "", "employee_external_id", references)
            for problem in references:
                checked.fail(index, problem.field, problem.message)
        usable = [r for i, r in enumerate(rows) if i not in checked.errors]
        by_external = await uow.employees.ids_by_external_ids(
            actor.tenant_id, {r.employee_external_id for r in usable if r.employee_external_id}
        )
        known_ids = await uow.employees.existing(
            actor.tenant_id, {r.employee_id for r in usable if r.employee_id}
        )
        role_ids = await uow.roles.ids_by_keys(
            actor.tenant_id, {r.role_key for r in usable if KEY_PATTERN.match(r.role_key)}
        )
        employee_of: dict[int, uuid.UUID] = {}
        for index, row in enumerate(rows):
            if index in checked.errors:
                continue
            if (row.employee_id is None) == (row.employee_external_id is None):
                checked.fail(index, "employee_id", "Give employee_id or employee_external_id.")
            elif row.employee_id is not None:
                if row.employee_id in known_ids:
                    employee_of[index] = row.employee_id
                else:
                    checked.fail(index, "employee_id", "No employee has this id.")
            elif row.employee_external_id in by_external:
                employee_of[index] = by_external[row.employee_external_id]
            else:
                checked.fail(index, "employee_external_id", "No employee has this external id.")
            if row.role_key not in role_ids:
                checked.fail(index, "role_key", "No role has this key.")
        seen: dict[uuid.UUID, list[int]] = {}
        for index, employee in employee_of.items():
            seen.setdefault(employee, []).append(index)
        for indexes in seen.values():
            if len(indexes) > 1:
                for index in indexes:
                    checked.fail(index, "employee_id", "The employee appears in several rows.")
        valid = [i for i in range(len(rows)) if i not in checked.errors]
        now = utcnow()
        assignments = [
            RoleAssignment(employee_of[i], role_ids[rows[i].role_key], rows[i].effective_date)
            for i in valid
        ]
        changed = await uow.employees.assign_roles(actor.tenant_id, assignments, now)
        await uow.events.record(
            [
                _role_changed(
                    actor.tenant_id, a.employee_id, changed[a.employee_id], a.role_id, now
                )
                for a in assignments
                if a.employee_id in changed and changed[a.employee_id] != a.role_id
            ]
        )
        result = BulkResult(
            tuple(
                checked.result(i, _reference(rows[i]))
                if i in checked.errors
                else RowResult(
                    i,
                    RowStatus.APPLIED if employee_of[i] in changed else RowStatus.UNCHANGED,
                    str(employee_of[i]),
                    _reference(rows[i]),
                )
                for i in range(len(rows))
            )
        )
        await remember_response(
            uow, actor, idempotency_key=idempotency_key, response=result.to_json()
        )
        await uow.commit()
    return result


def _created(tenant_id: uuid.UUID, employee_id: uuid.UUID, now: datetime) -> DomainEvent:
    return DomainEvent.of(tenant_id, EventType.EMPLOYEE_CREATED, now, employee_id=employee_id)


def _role_changed(
    tenant_id: uuid.UUID,
    employee_id: uuid.UUID,
    before: uuid.UUID | None,
    after: uuid.UUID | None,
    now: datetime,
) -> DomainEvent:
    return DomainEvent.of(
        tenant_id,
        EventType.ROLE_CHANGED,
        now,
        employee_id=employee_id,
        data={
            "previous_role_id": None if before is None else str(before),
            "role_id": None if after is None else str(after),
        },
    )


async def _link_waiting_reports(uow: UnitOfWork, actor: Actor, employee: Employee) -> None:
    """Link people an HRIS sync said report to this employee's external id; refuse (and so
    roll back) when that closes a reporting cycle through them."""
    await uow.employees.link_pending_managers(actor.tenant_id)
    if employee.id in await uow.employees.chain_up(actor.tenant_id, employee.id):
        raise InvalidInput(
            "The reporting line would form a cycle.",
            [FieldError("external_id", "People waiting for this manager are above them.")],
        )


def visible_filter(actor: Actor, criteria: EmployeeFilter) -> EmployeeFilter:
    """`criteria` narrowed to the employees the actor may see."""
    if actor.has_any(Role.HR_ADMIN, Role.INTEGRATION):
        return criteria
    if actor.employee_id is None:
        # A manager or employee credential that speaks for nobody sees nobody.
        return replace(criteria, only_id=uuid.UUID(int=0))
    if actor.has_any(Role.MANAGER):
        return replace(criteria, visible_to_manager=actor.employee_id)
    return replace(criteria, only_id=actor.employee_id)


async def visible_employees(
    uow: UnitOfWork, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Employee]:
    """Inside an open unit of work: those of `ids` the actor may see, in one query."""
    if not ids:
        return {}
    criteria = replace(visible_filter(actor, EmployeeFilter()), ids=tuple(set(ids)))
    page = await uow.employees.list(actor.tenant_id, PageRequest(limit=len(ids)), criteria)
    return {employee.id: employee for employee in page.items}


async def visible_employee(uow: UnitOfWork, actor: Actor, employee_id: uuid.UUID) -> Employee:
    """Inside an open unit of work: the employee if the actor may see them, else NotFound."""
    employee = await uow.employees.get(actor.tenant_id, employee_id)
    if employee is None or not await _may_see(uow, actor, employee):
        raise NotFound("Employee", employee_id)
    return employee


async def led_employee(
    uow: UnitOfWork, actor: Actor, employee_id: uuid.UUID, *, refusal: str
) -> Employee:
    """Inside an open unit of work: the employee, if the actor is hr_admin, the employee or a
    manager above them; NotFound when the actor may not see them, else Forbidden(`refusal`)."""
    employee = await visible_employee(uow, actor, employee_id)
    if actor.has_any(Role.HR_ADMIN) or actor.employee_id == employee_id:
        return employee
    if (
        actor.has_any(Role.MANAGER)
        and actor.employee_id is not None
        and actor.employee_id in await uow.employees.chain_up(actor.tenant_id, employee_id)
    ):
        return employee
    raise Forbidden(refusal)


async def _may_see(uow: UnitOfWork, actor: Actor, employee: Employee) -> bool:
    if actor.has_any(Role.HR_ADMIN, Role.INTEGRATION) or employee.id == actor.employee_id:
        return True
    if actor.has_any(Role.MANAGER) and actor.employee_id is not None:
        return actor.employee_id in await uow.employees.chain_up(actor.tenant_id, employee.id)
    return False


async def _check_references(uow: UnitOfWork, actor: Actor, employee: Employee) -> None:
    errors: list[FieldError] = []
    unit = employee.profile.org_unit_id
    if unit is not None and not await uow.org_units.existing(actor.tenant_id, [unit]):
        errors.append(FieldError("org_unit_id", "No org unit has this id."))
    manager = employee.manager_id
    if manager is not None and not await uow.employees.existing(actor.tenant_id, [manager]):
        errors.append(FieldError("manager_id", "No employee has this id."))
    wanted = {employee.current_role_id, *employee.aspired_role_ids} - {None}
    known = await uow.roles.existing(actor.tenant_id, wanted)
    if employee.current_role_id is not None and employee.current_role_id not in known:
        errors.append(FieldError("current_role_id", "No role has this id."))
    for index, role in enumerate(employee.aspired_role_ids):
        if role not in known:
            errors.append(FieldError(f"aspired_role_ids.{index}", "No role has this id."))
    if errors:
        raise InvalidInput("The employee refers to things that do not exist.", errors)


async def _refuse_cycles(
    uow: UnitOfWork,
    actor: Actor,
    rows: Sequence[EmployeeRow],
    profiles: dict[int, Profile],
    checked: _Rows,
    stored: Mapping[str, tuple[EmployeeStatus, str | None]],
) -> None:
    """Mark rows whose manager reference would close a reporting cycle. The stored lines
    have none, so a cycle runs through a row whose manager is new: only the chains above
    those rows' managers are read."""
    proposed = {
        profiles[i].external_id: _blank_to_none(rows[i].manager_external_id)
        for i in range(len(rows))
        if i not in checked.errors
    }
    moved = {
        person: manager
        for person, manager in proposed.items()
        if manager is not None and (person not in stored or stored[person][1] != manager)
    }
    if not moved:
        return
    referenced = set(moved.values()) | set(moved)
    links = await uow.employees.reporting_links_above(actor.tenant_id, referenced)
    on_cycle = find_cycles(links | proposed)
    for index, profile in profiles.items():
        if profile.external_id in on_cycle and index not in checked.errors:
            checked.fail(index, "manager_external_id", "This reporting line would form a cycle.")


def _refuse_duplicates(values: list[str], field_name: str) -> None:
    first_seen: dict[str, int] = {}
    errors = []
    for index, value in enumerate(values):
        if value in first_seen:
            errors.append(
                FieldError(f"rows.{index}.{field_name}", f"Repeats row {first_seen[value]}.")
            )
        first_seen.setdefault(value, index)
    if errors:
        raise InvalidInput(
            f"Each {field_name} may appear once per batch; nothing was written.", errors
        )


def _profile_of(row: EmployeeRow, org_unit_id: uuid.UUID | None, status: EmployeeStatus) -> Profile:
    return Profile(
        external_id=row.external_id,
        name=row.name,
        email=row.email,
        org_unit_id=org_unit_id,
        job_title=row.job_title,
        job_level=row.job_level,
        location=row.location,
        status=status,
        hire_date=row.hire_date,
    )


def _kept(value, current):
    return current if isinstance(value, Unset) else value


def _reference(row: RoleAssignmentRow) -> str:
    return row.employee_external_id or str(row.employee_id)


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value else None
