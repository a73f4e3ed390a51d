"""Cohorts: static lists or attribute rules over employees."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import ActorDep, IfMatchDep, PageDep, UowDep
from app.api.employees import EmployeeOut, EmployeePage
from app.api.etag import set_etag
from app.api.output import Out
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.cohorts import CohortKind, CohortRule
from app.services import cohorts

router = APIRouter(
    prefix="/v1/cohorts", tags=["cohorts"], responses=problem_responses(401, 403, 422)
)
CohortId = Annotated[uuid.UUID, Path(description="The cohort's id.")]


class RuleIn(BaseModel):
    """Criteria combine with AND; the values of one criterion with OR; empty means any."""

    model_config = ConfigDict(extra="forbid")

    org_unit_ids: list[uuid.UUID] = Field(
        default_factory=list, description="In one of these units or below."
    )
    job_levels: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    role_ids: list[uuid.UUID] = Field(default_factory=list, description="Holding one of these.")
    manager_ids: list[uuid.UUID] = Field(
        default_factory=list, description="Reporting to one of these people, at any depth."
    )

    def to_domain(self) -> CohortRule:
        return CohortRule(
            org_unit_ids=tuple(self.org_unit_ids),
            job_levels=tuple(self.job_levels),
            locations=tuple(self.locations),
            role_ids=tuple(self.role_ids),
            manager_ids=tuple(self.manager_ids),
        )


class CohortContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    rule: RuleIn | None = Field(
        None, description="Omit for a static cohort whose members you list by hand."
    )


class CohortCreate(CohortContent):
    key: str


class MemberChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    add: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)
    remove: list[uuid.UUID] = Field(default_factory=list, max_length=10_000)


class RuleOut(Out):
    org_unit_ids: list[uuid.UUID]
    job_levels: list[str]
    locations: list[str]
    role_ids: list[uuid.UUID]
    manager_ids: list[uuid.UUID]


class CohortOut(Out):
    id: uuid.UUID
    key: str
    name: str
    description: str
    kind: CohortKind
    rule: RuleOut | None
    version: int
    created_at: datetime
    updated_at: datetime


class CohortPage(PageOut[CohortOut]):
    pass


@router.post(
    "",
    status_code=201,
    response_model=CohortOut,
    summary="Create a cohort",
    responses=problem_responses(409),
)
async def create_cohort(
    body: CohortCreate, uow: UowDep, actor: ActorDep, response: Response
) -> CohortOut:
    cohort = await cohorts.create_cohort(
        uow,
        actor,
        key=body.key,
        name=body.name,
        description=body.description,
        rule=None if body.rule is None else body.rule.to_domain(),
    )
    response.headers["Location"] = f"{router.prefix}/{cohort.id}"
    set_etag(response, cohort.version)
    return CohortOut.of(cohort)


@router.get("", response_model=CohortPage, summary="List cohorts")
async def list_cohorts(uow: UowDep, actor: ActorDep, page: PageDep) -> CohortPage:
    return CohortPage.of(await cohorts.list_cohorts(uow, actor, page=page), CohortOut.of)


@router.get(
    "/{cohort_id}",
    response_model=CohortOut,
    summary="Get a cohort",
    responses=problem_responses(404),
)
async def get_cohort(
    cohort_id: CohortId, uow: UowDep, actor: ActorDep, response: Response
) -> CohortOut:
    cohort = await cohorts.get_cohort(uow, actor, cohort_id=cohort_id)
    set_etag(response, cohort.version)
    return CohortOut.of(cohort)


@router.put(
    "/{cohort_id}",
    response_model=CohortOut,
    summary="Replace a cohort's texts and rule",
    responses=problem_responses(404, 412),
)
async def update_cohort(
    cohort_id: CohortId,
    body: CohortContent,
    uow: UowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> CohortOut:
    cohort = await cohorts.update_cohort(
        uow,
        actor,
        cohort_id=cohort_id,
        name=body.name,
        description=body.description,
        rule=None if body.rule is None else body.rule.to_domain(),
        expected_version=if_match,
    )
    set_etag(response, cohort.version)
    return CohortOut.of(cohort)


@router.get(
    "/{cohort_id}/members",
    response_model=EmployeePage,
    summary="The cohort's members now",
    description="For a rule cohort, computed from the rule at request time in one query.",
    responses=problem_responses(404),
)
async def list_members(
    cohort_id: CohortId, uow: UowDep, actor: ActorDep, page: PageDep
) -> EmployeePage:
    members = await cohorts.list_members(uow, actor, cohort_id=cohort_id, page=page)
    return EmployeePage.of(members, EmployeeOut.of)


@router.post(
    "/{cohort_id}/members",
    response_model=CohortOut,
    summary="Add and remove members of a static cohort",
    responses=problem_responses(404),
)
async def change_members(
    cohort_id: CohortId, body: MemberChange, uow: UowDep, actor: ActorDep
) -> CohortOut:
    cohort = await cohorts.change_members(
        uow, actor, cohort_id=cohort_id, add=body.add, remove=body.remove
    )
    return CohortOut.of(cohort)


@router.delete(
    "/{cohort_id}",
    status_code=204,
    summary="Delete a cohort (its members are not affected)",
    responses=problem_responses(404, 412),
)
async def delete_cohort(
    cohort_id: CohortId, uow: UowDep, actor: ActorDep, if_match: IfMatchDep
) -> None:
    await cohorts.delete_cohort(uow, actor, cohort_id=cohort_id, expected_version=if_match)
