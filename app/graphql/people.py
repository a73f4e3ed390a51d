"""GraphQL for org units, employees (single and bulk), role mapping and cohorts."""

import uuid
from datetime import date, datetime

import strawberry

from app.domain.bulk import BulkResult as DomainBulkResult
from app.domain.bulk import RowStatus as DomainRowStatus
from app.domain.cohorts import Cohort as DomainCohort
from app.domain.cohorts import CohortKind as DomainCohortKind
from app.domain.cohorts import CohortRule
from app.domain.gaps import readiness
from app.domain.people import Employee as DomainEmployee
from app.domain.people import EmployeeStatus as DomainEmployeeStatus
from app.domain.people import OrgUnit as DomainOrgUnit
from app.domain.people import Profile
from app.domain.values import UNSET
from app.domain.views import EmployeeFilter
from app.graphql.catalogue import Role
from app.graphql.context import Info
from app.graphql.gap_types import Gap, Readiness
from app.graphql.pagination import Connection, page_request
from app.services import cohorts, employees, org_units
from app.services.employees import EmployeeChanges, EmployeeRow, RoleAssignmentRow

EmployeeStatus = strawberry.enum(DomainEmployeeStatus, name="EmployeeStatus")
CohortKind = strawberry.enum(DomainCohortKind, name="CohortKind")
RowStatus = strawberry.enum(DomainRowStatus, name="RowStatus")


@strawberry.type
class OrgUnit:
    id: uuid.UUID
    key: str
    name: str
    parent_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, unit: DomainOrgUnit) -> "OrgUnit":
        return cls(
            id=unit.id,
            key=unit.key,
            name=unit.name,
            parent_id=unit.parent_id,
            version=unit.version,
            created_at=unit.created_at,
            updated_at=unit.updated_at,
        )

    @strawberry.field
    async def parent(self, info: Info) -> "OrgUnit | None":
        if self.parent_id is None:
            return None
        found = await info.context.loaders.org_unit.load(self.parent_id)
        return None if found is None else OrgUnit.of(found)


@strawberry.type
class Employee:
    id: uuid.UUID
    external_id: str
    name: str
    email: str | None
    org_unit_id: uuid.UUID | None
    job_title: str | None
    job_level: str | None
    location: str | None
    status: EmployeeStatus
    hire_date: date | None
    manager_id: uuid.UUID | None
    manager_external_id: str | None
    current_role_id: uuid.UUID | None
    role_effective_date: date | None
    aspired_role_ids: list[uuid.UUID]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, employee: DomainEmployee) -> "Employee":
        return cls(
            id=employee.id,
            **vars(employee.profile),
            manager_id=employee.manager_id,
            manager_external_id=employee.manager_external_id,
            current_role_id=employee.current_role_id,
            role_effective_date=employee.role_effective_date,
            aspired_role_ids=list(employee.aspired_role_ids),
            version=employee.version,
            created_at=employee.created_at,
            updated_at=employee.updated_at,
        )

    @strawberry.field(description="Null when there is none or the viewer may not see them.")
    async def manager(self, info: Info) -> "Employee | None":
        if self.manager_id is None:
            return None
        found = await info.context.loaders.employee.load(self.manager_id)
        return None if found is None else Employee.of(found)

    @strawberry.field
    async def org_unit(self, info: Info) -> OrgUnit | None:
        if self.org_unit_id is None:
            return None
        found = await info.context.loaders.org_unit.load(self.org_unit_id)
        return None if found is None else OrgUnit.of(found)

    @strawberry.field
    async def current_role(self, info: Info) -> Role | None:
        if self.current_role_id is None:
            return None
        found = await info.context.loaders.role.load(self.current_role_id)
        return None if found is None else Role.of(found)

    @strawberry.field
    async def aspired_roles(self, info: Info) -> list[Role]:
        found = await info.context.loaders.role.load_many(self.aspired_role_ids)
        return [Role.of(role) for role in found if role is not None]

    @strawberry.field(description="Gaps against a role (the current one by default).")
    async def gaps(self, info: Info, role_id: uuid.UUID | None = None) -> list[Gap]:
        found = await info.context.loaders.gaps.load((self.id, role_id))
        return [] if found is None else [Gap.of(gap) for gap in found.gaps]

    @strawberry.field(description="Readiness for a role (the current one by default).")
    async def readiness(self, info: Info, role_id: uuid.UUID | None = None) -> Readiness | None:
        found = await info.context.loaders.gaps.load((self.id, role_id))
        if found is None:
            return None
        ready = readiness(found.gaps)
        return Readiness(
            role_id=found.role.id, score=ready.score, blocking=[Gap.of(g) for g in ready.blocking]
        )


@strawberry.type
class CohortRuleType:
    org_unit_ids: list[uuid.UUID]
    job_levels: list[str]
    locations: list[str]
    role_ids: list[uuid.UUID]
    manager_ids: list[uuid.UUID]


@strawberry.type
class Cohort:
    id: uuid.UUID
    key: str
    name: str
    description: str
    kind: CohortKind
    rule: CohortRuleType | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, cohort: DomainCohort) -> "Cohort":
        rule = cohort.rule
        return cls(
            id=cohort.id,
            key=cohort.key,
            name=cohort.name,
            description=cohort.description,
            kind=cohort.kind,
            rule=None
            if rule is None
            else CohortRuleType(
                org_unit_ids=list(rule.org_unit_ids),
                job_levels=list(rule.job_levels),
                locations=list(rule.locations),
                role_ids=list(rule.role_ids),
                manager_ids=list(rule.manager_ids),
            ),
            version=cohort.version,
            created_at=cohort.created_at,
            updated_at=cohort.updated_at,
        )

    @strawberry.field(description="The members now (a rule is evaluated at request time).")
    async def members(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Employee]:
        context = info.context
        page = await cohorts.list_members(
            context.uow(), context.actor, cohort_id=self.id, page=page_request(first, after)
        )
        return Connection.of(page, Employee.of)


@strawberry.type
class RowError:
    field: str
    message: str


@strawberry.type
class BulkRow:
    index: int
    status: RowStatus
    id: uuid.UUID | None
    reference: str | None
    errors: list[RowError]


@strawberry.type
class BulkResult:
    created: int
    updated: int
    applied: int
    unchanged: int
    failed: int
    rows: list[BulkRow]

    @classmethod
    def of(cls, result: DomainBulkResult) -> "BulkResult":
        return cls(
            created=result.count(DomainRowStatus.CREATED),
            updated=result.count(DomainRowStatus.UPDATED),
            applied=result.count(DomainRowStatus.APPLIED),
            unchanged=result.count(DomainRowStatus.UNCHANGED),
            failed=result.count(DomainRowStatus.ERROR),
            rows=[
                BulkRow(
                    index=row.index,
                    status=row.status,
                    id=None if row.id is None else uuid.UUID(row.id),
                    reference=row.reference,
                    errors=[RowError(field=e.field, message=e.message) for e in row.errors],
                )
                for row in result.rows
            ],
        )


@strawberry.input
class EmployeeFilterInput:
    org_unit_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    role_id: uuid.UUID | None = None
    status: EmployeeStatus | None = None
    external_id: str | None = None


@strawberry.input
class EmployeeInput:
    external_id: str
    name: str
    email: str | None = None
    org_unit_id: uuid.UUID | None = None
    job_title: str | None = None
    job_level: str | None = None
    location: str | None = None
    status: EmployeeStatus = DomainEmployeeStatus.ACTIVE
    hire_date: date | None = None
    manager_id: uuid.UUID | None = None
    current_role_id: uuid.UUID | None = None
    aspired_role_ids: list[uuid.UUID] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; null clears an optional one.")
class EmployeeChangesInput:
    external_id: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    org_unit_id: uuid.UUID | None = strawberry.UNSET
    job_title: str | None = strawberry.UNSET
    job_level: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    status: EmployeeStatus | None = strawberry.UNSET
    hire_date: date | None = strawberry.UNSET
    manager_id: uuid.UUID | None = strawberry.UNSET
    current_role_id: uuid.UUID | None = strawberry.UNSET
    aspired_role_ids: list[uuid.UUID] | None = strawberry.UNSET

    def to_changes(self) -> EmployeeChanges:
        changes: dict[str, object] = {}
        for name in EmployeeChanges.__dataclass_fields__:
            value = getattr(self, name)
            if value is strawberry.UNSET:
                continue
            if value is None and name in ("external_id", "name"):
                value = ""  # the domain refuses an empty one, with the field's path
            elif value is None and name == "aspired_role_ids":
                value = ()
            elif value is None and name == "status":
                continue
            changes[name] = value
        return EmployeeChanges(**changes)


@strawberry.input
class EmployeeRowInput:
    external_id: str
    name: str
    email: str | None = None
    org_unit_key: str | None = None
    job_title: str | None = None
    job_level: str | None = None
    location: str | None = None
    status: EmployeeStatus | None = strawberry.field(
        default=None, description="Omit to keep the stored status; new employees are active."
    )
    hire_date: date | None = None
    manager_external_id: str | None = None


@strawberry.input
class RoleAssignmentInput:
    role_key: str
    employee_id: uuid.UUID | None = None
    employee_external_id: str | None = None
    effective_date: date | None = None


@strawberry.input
class CohortRuleInput:
    org_unit_ids: list[uuid.UUID] = strawberry.field(default_factory=list)
    job_levels: list[str] = strawberry.field(default_factory=list)
    locations: list[str] = strawberry.field(default_factory=list)
    role_ids: list[uuid.UUID] = strawberry.field(default_factory=list)
    manager_ids: list[uuid.UUID] = strawberry.field(default_factory=list)

    def to_domain(self) -> CohortRule:
        return CohortRule(
            org_unit_ids=tuple(self.org_unit_ids),
            job_levels=tuple(self.job_levels),
            locations=tuple(self.locations),
            role_ids=tuple(self.role_ids),
            manager_ids=tuple(self.manager_ids),
        )


@strawberry.type
class PeopleQuery:
    @strawberry.field
    async def org_units(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        parent_id: uuid.UUID | None = None,
    ) -> Connection[OrgUnit]:
        context = info.context
        page = await org_units.list_org_units(
            context.uow(), context.actor, page=page_request(first, after), parent_id=parent_id
        )
        return Connection.of(page, OrgUnit.of)

    @strawberry.field
    async def org_unit(self, info: Info, id: uuid.UUID) -> OrgUnit:
        context = info.context
        return OrgUnit.of(await org_units.get_org_unit(context.uow(), context.actor, unit_id=id))

    @strawberry.field(description="Employees the viewer may see, filtered.")
    async def employees(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: EmployeeFilterInput | None = None,
    ) -> Connection[Employee]:
        context = info.context
        given = filter or EmployeeFilterInput()
        criteria = EmployeeFilter(
            org_unit_id=given.org_unit_id,
            manager_id=given.manager_id,
            role_id=given.role_id,
            status=given.status,
            external_id=given.external_id,
        )
        page = await employees.list_employees(
            context.uow(), context.actor, page=page_request(first, after), criteria=criteria
        )
        return Connection.of(page, Employee.of)

    @strawberry.field
    async def employee(self, info: Info, id: uuid.UUID) -> Employee:
        context = info.context
        found = await employees.get_employee(context.uow(), context.actor, employee_id=id)
        return Employee.of(found)

    @strawberry.field
    async def cohorts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Cohort]:
        context = info.context
        page = await cohorts.list_cohorts(
            context.uow(), context.actor, page=page_request(first, after)
        )
        return Connection.of(page, Cohort.of)

    @strawberry.field
    async def cohort(self, info: Info, id: uuid.UUID) -> Cohort:
        context = info.context
        return Cohort.of(await cohorts.get_cohort(context.uow(), context.actor, cohort_id=id))


@strawberry.type
class PeopleMutation:
    @strawberry.mutation
    async def create_org_unit(
        self, info: Info, key: str, name: str, parent_id: uuid.UUID | None = None
    ) -> OrgUnit:
        context = info.context
        unit = await org_units.create_org_unit(
            context.uow(), context.actor, key=key, name=name, parent_id=parent_id
        )
        return OrgUnit.of(unit)

    @strawberry.mutation(description="Rename or move an org unit.")
    async def update_org_unit(
        self,
        info: Info,
        id: uuid.UUID,
        name: str | None = strawberry.UNSET,
        parent_id: uuid.UUID | None = strawberry.UNSET,
        expected_version: int | None = None,
    ) -> OrgUnit:
        context = info.context
        unit = await org_units.update_org_unit(
            context.uow(),
            context.actor,
            unit_id=id,
            name=UNSET if name is strawberry.UNSET else (name or ""),
            parent_id=UNSET if parent_id is strawberry.UNSET else parent_id,
            expected_version=expected_version,
        )
        return OrgUnit.of(unit)

    @strawberry.mutation
    async def create_employee(self, info: Info, input: EmployeeInput) -> Employee:
        context = info.context
        employee = await employees.create_employee(
            context.uow(),
            context.actor,
            profile=Profile(
                external_id=input.external_id,
                name=input.name,
                email=input.email,
                org_unit_id=input.org_unit_id,
                job_title=input.job_title,
                job_level=input.job_level,
                location=input.location,
                status=input.status,
                hire_date=input.hire_date,
            ),
            manager_id=input.manager_id,
            current_role_id=input.current_role_id,
            aspired_role_ids=input.aspired_role_ids,
        )
        return Employee.of(employee)

    @strawberry.mutation
    async def update_employee(
        self,
        info: Info,
        id: uuid.UUID,
        changes: EmployeeChangesInput,
        expected_version: int | None = None,
    ) -> Employee:
        context = info.context
        employee = await employees.update_employee(
            context.uow(),
            context.actor,
            employee_id=id,
            changes=changes.to_changes(),
            expected_version=expected_version,
        )
        return Employee.of(employee)

    @strawberry.mutation(description="Create or update up to 10,000 employees by external id.")
    async def upsert_employees(
        self, info: Info, rows: list[EmployeeRowInput], idempotency_key: str | None = None
    ) -> BulkResult:
        context = info.context
        result = await employees.upsert_employees(
            context.uow(),
            context.actor,
            rows=[EmployeeRow(**vars(row)) for row in rows],
            idempotency_key=idempotency_key,
        )
        return BulkResult.of(result)

    @strawberry.mutation(description="Map up to 10,000 employees to roles.")
    async def assign_roles(
        self, info: Info, rows: list[RoleAssignmentInput], idempotency_key: str | None = None
    ) -> BulkResult:
        context = info.context
        result = await employees.assign_roles(
            context.uow(),
            context.actor,
            rows=[RoleAssignmentRow(**vars(row)) for row in rows],
            idempotency_key=idempotency_key,
        )
        return BulkResult.of(result)

    @strawberry.mutation(description="A rule cohort when a rule is given, else a static one.")
    async def create_cohort(
        self,
        info: Info,
        key: str,
        name: str,
        description: str = "",
        rule: CohortRuleInput | None = None,
    ) -> Cohort:
        context = info.context
        cohort = await cohorts.create_cohort(
            context.uow(),
            context.actor,
            key=key,
            name=name,
            description=description,
            rule=None if rule is None else rule.to_domain(),
        )
        return Cohort.of(cohort)

    @strawberry.mutation
    async def update_cohort(
        self,
        info: Info,
        id: uuid.UUID,
        name: str,
        description: str = "",
        rule: CohortRuleInput | None = None,
        expected_version: int | None = None,
    ) -> Cohort:
        context = info.context
        cohort = await cohorts.update_cohort(
            context.uow(),
            context.actor,
            cohort_id=id,
            name=name,
            description=description,
            rule=None if rule is None else rule.to_domain(),
            expected_version=expected_version,
        )
        return Cohort.of(cohort)

    @strawberry.mutation(description="Add and remove members of a static cohort.")
    async def change_cohort_members(
        self,
        info: Info,
        id: uuid.UUID,
        add: list[uuid.UUID] | None = None,
        remove: list[uuid.UUID] | None = None,
    ) -> Cohort:
        context = info.context
        cohort = await cohorts.change_members(
            context.uow(), context.actor, cohort_id=id, add=add or [], remove=remove or []
        )
        return Cohort.of(cohort)

    @strawberry.mutation(description="Delete an empty org unit; returns its id.")
    async def delete_org_unit(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> uuid.UUID:
        context = info.context
        await org_units.delete_org_unit(
            context.uow(), context.actor, unit_id=id, expected_version=expected_version
        )
        return id

    @strawberry.mutation(description="Delete a cohort; returns its id.")
    async def delete_cohort(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> uuid.UUID:
        context = info.context
        await cohorts.delete_cohort(
            context.uow(), context.actor, cohort_id=id, expected_version=expected_version
        )
        return id
