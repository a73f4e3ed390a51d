"""Gap analysis: per employee, readiness for a role, and roll-ups (heat maps)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from app.api.deps import ActorDep, UowDep
from app.api.output import Out
from app.api.problems import problem_responses
from app.domain.gaps import GapStatus
from app.domain.views import GroupBy, Grouping
from app.services import gaps

router = APIRouter(tags=["gaps"], responses=problem_responses(401, 422))
EmployeeId = Annotated[uuid.UUID, Path(description="The employee's id.")]
RoleQuery = Annotated[
    uuid.UUID | None,
    Query(
        alias="role", description="The role's id to measure against; the current one if omitted."
    ),
]


class GapOut(Out):
    capability_id: uuid.UUID
    required_level: int
    current_level: int | None = Field(description="The latest finalised level; null if never.")
    gap: int | None = Field(description="max(required - current, 0); null when unknown.")
    surplus: int | None
    status: GapStatus
    weight: float
    weighted_gap: float | None
    core: bool


class EmployeeGapsOut(BaseModel):
    employee_id: uuid.UUID
    role_id: uuid.UUID
    gaps: list[GapOut]


class ReadinessOut(EmployeeGapsOut):
    readiness: float = Field(description="Weighted share of requirements met, 0 to 1.")
    blocking: list[GapOut] = Field(description="Unmet requirements, core and largest first.")


class CellOut(Out):
    capability_id: uuid.UUID
    headcount: int = Field(description="People in the group whose role requires it.")
    assessed: int
    below: int
    met: int
    mean_gap: float | None
    weighted_gap: float | None
    impact: float = Field(description="Sum of requirement weights: how much the group needs it.")
    coverage: float = Field(description="Share of the headcount shown to meet the level.")


class GroupOut(BaseModel):
    key: str
    cells: list[CellOut]


class RollUpOut(BaseModel):
    group_by: GroupBy
    groups: list[GroupOut]


@router.get(
    "/v1/employees/{employee_id}/gaps",
    response_model=EmployeeGapsOut,
    summary="An employee's gaps against a role",
    responses=problem_responses(404),
)
async def employee_gaps(
    employee_id: EmployeeId, uow: UowDep, actor: ActorDep, role_id: RoleQuery = None
) -> EmployeeGapsOut:
    found = await gaps.gaps_of(uow, actor, employee_id=employee_id, role_id=role_id)
    return EmployeeGapsOut(
        employee_id=found.employee_id,
        role_id=found.role.id,
        gaps=[GapOut.of(gap) for gap in found.gaps],
    )


@router.get(
    "/v1/employees/{employee_id}/readiness",
    response_model=ReadinessOut,
    summary="How ready an employee is for a role (succession)",
    responses=problem_responses(404),
)
async def employee_readiness(
    employee_id: EmployeeId, uow: UowDep, actor: ActorDep, role_id: RoleQuery = None
) -> ReadinessOut:
    found, ready = await gaps.readiness_of(uow, actor, employee_id=employee_id, role_id=role_id)
    return ReadinessOut(
        employee_id=found.employee_id,
        role_id=found.role.id,
        gaps=[GapOut.of(gap) for gap in found.gaps],
        readiness=ready.score,
        blocking=[GapOut.of(gap) for gap in ready.blocking],
    )


@router.get(
    "/v1/gaps",
    response_model=RollUpOut,
    summary="Gap roll-ups: a heat map of groups x capabilities",
    description="group_by=team (ids: one manager; scope=direct|all), org_unit (ids: units, "
    "each with the units below), role (ids: roles' current holders), cohort (ids: cohorts), "
    "tenant (everyone: the organisation's capability heat map, impact against coverage). "
    "Only active employees count. Computed in one query.",
    responses=problem_responses(403, 404),
)
async def roll_up(
    uow: UowDep,
    actor: ActorDep,
    group_by: GroupBy,
    ids: Annotated[list[uuid.UUID], Query(description="The groups, by id.")] = [],  # noqa: B006
    scope: Annotated[str, Query(pattern="^(direct|all)$")] = "all",
) -> RollUpOut:
    grouping = Grouping(by=group_by, ids=tuple(ids), whole_chain=scope == "all")
    rolled = await gaps.roll_up(uow, actor, grouping=grouping)
    return RollUpOut(
        group_by=group_by,
        groups=[
            GroupOut(key=key, cells=[CellOut.of(cell) for cell in cells])
            for key, cells in sorted(rolled.items())
        ],
    )
