"""Employees, one at a time and in bulk, and bulk role mapping."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IdempotencyKeyDep, IfMatchDep, PageDep, UowDep
from app.api.etag import set_etag
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.bulk import MAX_BULK_ROWS, BulkResult, RowStatus
from app.domain.people import Employee, EmployeeStatus, Profile
from app.domain.views import EmployeeFilter
from app.services import employees
from app.services.employees import EmployeeChanges, EmployeeRow, RoleAssignmentRow

router = APIRouter(tags=["employees"], responses=problem_responses(401, 422))
EmployeeId = Annotated[uuid.UUID, Path(description="The employee's id.")]


class EmployeeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(description="The HRIS identifier, unique in the tenant.")
    name: str
    email: str | None = None
    org_unit_id: uuid.UUID | None = None
    job_title: str | None = None
    job_level: str | None = None
    location: str | None = None
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    hire_date: date | None = None
    manager_id: uuid.UUID | None = None
    current_role_id: uuid.UUID | None = None
    aspired_role_ids: list[uuid.UUID] = Field(default_factory=list)


class EmployeePatch(BaseModel):
    """Only the fields sent change; `null` clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = None
    name: str | None = None
    email: str | None = None
    org_unit_id: uuid.UUID | None = None
    job_title: str | None = None
    job_level: str | None = None
    location: str | None = None
    status: EmployeeStatus | None = None
    hire_date: date | None = None
    manager_id: uuid.UUID | None = None
    current_role_id: uuid.UUID | None = None
    aspired_role_ids: list[uuid.UUID] | None = None

    def to_changes(self) -> EmployeeChanges:
        changes: dict[str, object] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is None and name in ("external_id", "name"):
                value = ""  # the domain refuses an empty one, with the field's path
            elif value is None and name == "aspired_role_ids":
                value = ()
            elif value is None and name == "status":
                continue
            changes[name] = value
        return EmployeeChanges(**changes)


class EmployeeOut(BaseModel):
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
    manager_external_id: str | None = Field(
        description="The manager's external id as the HRIS last sent it; while no employee "
        "has it yet, manager_id stays null and is filled in when they arrive."
    )
    current_role_id: uuid.UUID | None
    role_effective_date: date | None
    aspired_role_ids: list[uuid.UUID]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, employee: Employee) -> "EmployeeOut":
        return cls(
            id=employee.id,
            **{name: getattr(employee.profile, name) for name in Profile.__dataclass_fields__},
            manager_id=employee.manager_id,
            manager_external_id=employee.manager_external_id,
            current_role_id=employee.current_role_id,
            role_effective_date=employee.role_effective_date,
            aspired_role_ids=list(employee.aspired_role_ids),
            version=employee.version,
            created_at=employee.created_at,
            updated_at=employee.updated_at,
        )


class EmployeePage(PageOut[EmployeeOut]):
    pass


class EmployeeRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str
    name: str
    email: str | None = None
    org_unit_key: str | None = Field(None, description="The org unit's key.")
    job_title: str | None = None
    job_level: str | None = None
    location: str | None = None
    status: EmployeeStatus | None = Field(
        None, description="Omit to keep the stored status (a leaver stays one); new: active."
    )
    hire_date: date | None = None
    manager_external_id: str | None = Field(
        None, description="The manager's external id; linked as soon as they exist."
    )


class EmployeeBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[EmployeeRowIn] = Field(max_length=MAX_BULK_ROWS)


class RoleAssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: uuid.UUID | None = None
    employee_external_id: str | None = None
    role_key: str
    effective_date: date | None = Field(None, description="Defaults to today.")


class RoleAssignmentBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[RoleAssignmentIn] = Field(max_length=MAX_BULK_ROWS)


class RowErrorOut(BaseModel):
    field: str
    message: str


class RowOut(BaseModel):
    index: int = Field(description="The row's position in the request, from 0.")
    status: RowStatus
    id: uuid.UUID | None = Field(description="The employee the row applied to.")
    reference: str | None = Field(description="How the row named the employee.")
    errors: list[RowErrorOut]


class BulkOut(BaseModel):
    created: int
    updated: int
    applied: int
    unchanged: int
    failed: int
    rows: list[RowOut]

    @classmethod
    def of(cls, result: BulkResult) -> "BulkOut":
        # One validation of the whole document: a model per row costs more than the upsert.
        return cls.model_validate(
            {
                "created": result.count(RowStatus.CREATED),
                "updated": result.count(RowStatus.UPDATED),
                "applied": result.count(RowStatus.APPLIED),
                "unchanged": result.count(RowStatus.UNCHANGED),
                "failed": result.count(RowStatus.ERROR),
                **result.to_json(),
            }
        )


@router.post(
    "/v1/employees",
    status_code=201,
    response_model=EmployeeOut,
    summary="Create an employee",
    responses=problem_responses(403, 409),
)
async def create_employee(
    body: EmployeeCreate, uow: UowDep, actor: ActorDep, response: Response
) -> EmployeeOut:
    employee = await employees.create_employee(
        uow,
        actor,
        profile=Profile(
            **body.model_dump(exclude={"manager_id", "current_role_id", "aspired_role_ids"})
        ),
        manager_id=body.manager_id,
        current_role_id=body.current_role_id,
        aspired_role_ids=body.aspired_role_ids,
    )
    response.headers["Location"] = f"/v1/employees/{employee.id}"
    set_etag(response, employee.version)
    return EmployeeOut.of(employee)


@router.get(
    "/v1/employees",
    response_model=EmployeePage,
    summary="List employees",
    description="hr_admin and integrations see everyone; a manager sees themselves and their "
    "reporting line; an employee sees themselves.",
)
async def list_employees(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    org_unit_id: Annotated[
        uuid.UUID | None, Query(description="In this unit or any unit below it.")
    ] = None,
    manager_id: Annotated[uuid.UUID | None, Query(description="Direct reports of.")] = None,
    role_id: uuid.UUID | None = None,
    status: EmployeeStatus | None = None,
    external_id: str | None = None,
) -> EmployeePage:
    criteria = EmployeeFilter(
        org_unit_id=org_unit_id,
        manager_id=manager_id,
        role_id=role_id,
        status=status,
        external_id=external_id,
    )
    found = await employees.list_employees(uow, actor, page=page, criteria=criteria)
    return EmployeePage.of(found, EmployeeOut.of)


@router.get(
    "/v1/employees/{employee_id}",
    response_model=EmployeeOut,
    summary="Get an employee",
    responses=problem_responses(404),
)
async def get_employee(
    employee_id: EmployeeId, uow: UowDep, actor: ActorDep, response: Response
) -> EmployeeOut:
    employee = await employees.get_employee(uow, actor, employee_id=employee_id)
    set_etag(response, employee.version)
    return EmployeeOut.of(employee)


@router.patch(
    "/v1/employees/{employee_id}",
    response_model=EmployeeOut,
    summary="Change an employee",
    responses=problem_responses(403, 404, 409, 412),
)
async def update_employee(
    employee_id: EmployeeId,
    body: EmployeePatch,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> EmployeeOut:
    employee = await employees.update_employee(
        uow, actor, employee_id=employee_id, changes=body.to_changes(), expected_version=if_match
    )
    set_etag(response, employee.version)
    return EmployeeOut.of(employee)


@router.post(
    "/v1/employees:bulk",
    response_model=BulkOut,
    summary="Create or update up to 10,000 employees by external id",
    description="All valid rows are applied in one transaction; each row reports created, "
    "updated, unchanged or error. An external id twice in one batch refuses the whole batch. "
    "Send an Idempotency-Key to make retries safe.",
    responses=problem_responses(403),
)
async def upsert_employees(
    body: EmployeeBatch, uow: UowDep, actor: ActorDep, idempotency_key: IdempotencyKeyDep
) -> BulkOut:
    rows = [EmployeeRow(**row.__dict__) for row in body.rows]
    return BulkOut.of(
        await employees.upsert_employees(uow, actor, rows=rows, idempotency_key=idempotency_key)
    )


@router.post(
    "/v1/role-assignments:bulk",
    response_model=BulkOut,
    summary="Map up to 10,000 employees to roles",
    description="Each row names the employee (id or external id) and the role key; each "
    "reports applied, unchanged or error. Valid rows are applied in one transaction even when "
    "others are bad. Send an Idempotency-Key to make retries safe.",
    tags=["roles"],
    responses=problem_responses(403),
)
async def assign_roles(
    body: RoleAssignmentBatch, uow: UowDep, actor: ActorDep, idempotency_key: IdempotencyKeyDep
) -> BulkOut:
    rows = [RoleAssignmentRow(**row.__dict__) for row in body.rows]
    return BulkOut.of(
        await employees.assign_roles(uow, actor, rows=rows, idempotency_key=idempotency_key)
    )
