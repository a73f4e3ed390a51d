"""Workforce reports: capability maturity, the succession bench and learning impact, as JSON
pages or CSV."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from app.api.csv_body import CSV_MEDIA_TYPE, CSV_RESPONSE_CONTENT, CsvResponse, attachment
from app.api.deps import ActorDep, PageDep, UowDep
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.impact import ImpactBy, ImpactLine
from app.domain.workforce import READY_NOW, READY_SOON, Band, Bench, Candidate, MaturityLine
from app.domain.workforce_csv import (
    BENCH_COLUMNS,
    IMPACT_COLUMNS,
    MATURITY_COLUMNS,
    bench_csv,
    impact_csv,
    maturity_csv,
)
from app.services import impact, workforce

router = APIRouter(tags=["reports"], responses=problem_responses(401, 403, 404, 422))

OrgUnitQuery = Annotated[
    uuid.UUID | None,
    Query(description="Only people in this org unit or a unit below it."),
]
FormatQuery = Annotated[
    Literal["json", "csv"] | None,
    Query(
        description="`csv` for the whole report as CSV (as `Accept: text/csv` asks); "
        "JSON pages otherwise."
    ),
]
ACCESS = (
    "hr_admin and integrations read the whole tenant; a manager reads the report over "
    "themselves and everyone below them in the reporting line; others get 403. "
)
EXPORT = (
    "JSON is paginated (`limit`, `cursor`). With `Accept: text/csv` or `?format=csv` the "
    "answer is every row as CSV (pagination ignored), one header row, columns: "
)


class LevelCountOut(BaseModel):
    level: int
    people: int


class MaturityOut(BaseModel):
    capability_id: uuid.UUID
    capability_key: str | None = Field(description="Null if no published version has it.")
    capability_name: str | None
    headcount: int = Field(description="Active people whose current role requires it.")
    assessed: int = Field(description="Of those, people with a current level in it.")
    proficient: int = Field(description="Of those, people at or above their role's level.")
    share_proficient: float = Field(description="proficient / headcount; unknown is not.")
    roles: int = Field(description="Roles requiring it held by someone counted.")
    roles_proficient: int = Field(description="Roles with at least half the holders proficient.")
    share_roles_proficient: float
    levels: list[LevelCountOut] = Field(
        description="Assessed people per level, from 1 to the scale's top."
    )

    @classmethod
    def of(cls, line: MaturityLine) -> "MaturityOut":
        m = line.maturity
        return cls(
            capability_id=m.capability_id,
            capability_key=line.capability_key,
            capability_name=line.capability_name,
            headcount=m.headcount,
            assessed=m.assessed,
            proficient=m.proficient,
            share_proficient=m.share_proficient,
            roles=m.roles,
            roles_proficient=m.roles_proficient,
            share_roles_proficient=m.share_roles_proficient,
            levels=[
                LevelCountOut(level=level, people=people)
                for level, people in enumerate(line.distribution, start=1)
            ],
        )


class MaturityPage(PageOut[MaturityOut]):
    pass


class CandidateOut(BaseModel):
    employee_id: uuid.UUID
    external_id: str
    name: str
    readiness: float = Field(description="Weighted share of the role's requirements met, 0-1.")
    band: Band
    requirements: int
    requirements_met: int

    @classmethod
    def of(cls, candidate: Candidate) -> "CandidateOut":
        return cls(
            employee_id=candidate.employee_id,
            external_id=candidate.external_id,
            name=candidate.name,
            readiness=candidate.readiness,
            band=candidate.band,
            requirements=candidate.requirements,
            requirements_met=candidate.requirements_met,
        )


class BenchOut(BaseModel):
    role_id: uuid.UUID
    role_key: str
    role_name: str
    holders: int = Field(description="Active people holding the role now.")
    ready_now: int
    ready_soon: int
    developing: int
    candidates: list[CandidateOut] = Field(description="Readiest first, then by name.")

    @classmethod
    def of(cls, bench: Bench) -> "BenchOut":
        return cls(
            role_id=bench.role_id,
            role_key=bench.role_key,
            role_name=bench.role_name,
            holders=bench.holders,
            ready_now=bench.in_band(Band.READY_NOW),
            ready_soon=bench.in_band(Band.READY_SOON),
            developing=bench.in_band(Band.DEVELOPING),
            candidates=[CandidateOut.of(c) for c in bench.candidates],
        )


class BenchPage(PageOut[BenchOut]):
    pass


class ImpactOut(BaseModel):
    id: uuid.UUID = Field(description="The learning item's, capability's or org unit's id.")
    key: str | None = Field(
        description="The capability's or org unit's key, the learning item's external id."
    )
    name: str | None = Field(description="Its name; a learning item's title.")
    kind: str | None = Field(description="A learning item's kind.")
    plans: int = Field(
        description="Counted plans with gaps in it; per learning item, its completions in them."
    )
    gaps: int = Field(
        description="Gaps the plans set out to close: what their items were chosen for and "
        "what they reported open."
    )
    reassessed: int = Field(description="Of those, gaps the re-assessment rated.")
    closed: int = Field(description="Of those, gaps now at or above the required level.")
    share_closed: float | None = Field(description="closed / gaps; null without gaps.")
    mean_level_change: float | None = Field(
        description="Re-assessed level minus the level before, over gaps rated in both."
    )
    mean_days_to_close: float | None = Field(
        description="Days from the plan's creation to the re-assessment, over gaps closed."
    )
    ratings: int | None = Field(
        description="Per learning item: completions rated (1-5); null on other lines."
    )
    mean_rating: float | None

    @classmethod
    def of(cls, line: ImpactLine) -> "ImpactOut":
        return cls(**line.fields())


class ImpactPage(PageOut[ImpactOut]):
    pass


def _wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accepted = {
        part.split(";", 1)[0].strip().lower()
        for part in request.headers.get("accept", "").split(",")
    }
    return CSV_MEDIA_TYPE in accepted and "application/json" not in accepted


def _csv(text: str, stem: str) -> CsvResponse:
    response = CsvResponse(text)
    attachment(response, stem)
    return response


@router.get(
    "/v1/reports/capability-maturity",
    response_model=MaturityPage,
    summary="Capability maturity: per capability, the share of people and roles proficient",
    description="Per capability the current role of an active employee requires, in id "
    "order: headcount, assessed, proficient (at or above the level their role requires; "
    "never assessed counts as not), roles and roles where at least half the holders are "
    "proficient, and assessed people per level. "
    + ACCESS
    + EXPORT
    + ", ".join(MATURITY_COLUMNS)
    + " (`people_by_level` reads `1:0 2:3 3:1`).",
    responses={200: {"content": CSV_RESPONSE_CONTENT}},
)
async def capability_maturity(
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    org_unit_id: OrgUnitQuery = None,
    framework_id: Annotated[
        uuid.UUID | None, Query(description="Only this framework's capabilities.")
    ] = None,
    format: FormatQuery = None,
) -> MaturityPage | CsvResponse:
    export = _wants_csv(request, format)
    found = await workforce.capability_maturity(
        uow,
        actor,
        page=None if export else page,
        org_unit_id=org_unit_id,
        framework_id=framework_id,
    )
    if export:
        return _csv(maturity_csv(found.items), "capability-maturity")
    return MaturityPage.of(found, MaturityOut.of)


@router.get(
    "/v1/reports/succession-bench",
    response_model=BenchPage,
    summary="Succession bench: per role, its holders and candidates by readiness",
    description="Per role an active employee holds or aspires to, in id order: the holders, "
    "and the candidates (active people who aspire to the role and do not hold it) readiest "
    f"first, each in a band: ready_now (readiness >= {READY_NOW}), ready_soon (>= "
    f"{READY_SOON}), developing. "
    + ACCESS
    + EXPORT
    + ", ".join(BENCH_COLUMNS)
    + " (one row per candidate; a role without candidates has one row, the candidate "
    "columns empty).",
    responses={200: {"content": CSV_RESPONSE_CONTENT}},
)
async def succession_bench(
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    org_unit_id: OrgUnitQuery = None,
    role_id: Annotated[uuid.UUID | None, Query(description="Only this role.")] = None,
    format: FormatQuery = None,
) -> BenchPage | CsvResponse:
    export = _wants_csv(request, format)
    found = await workforce.succession_bench(
        uow, actor, page=None if export else page, org_unit_id=org_unit_id, role_id=role_id
    )
    if export:
        return _csv(bench_csv(found.items), "succession-bench")
    return BenchPage.of(found, BenchOut.of)


@router.get(
    "/v1/reports/learning-impact",
    response_model=ImpactPage,
    summary="Learning impact: which learning moves capability, and which only gets completed",
    description="Over the completed plans of active people whose re-assessment is finalised: "
    "each gap the plan set out to close (as recorded when it was generated: the capabilities "
    "its items were chosen for and those it reported open, at the level its assessment "
    "required) against what the re-assessment found. `by=capability` groups the gaps per "
    "capability, `by=org_unit` per the person's org unit now (people without one left out), "
    "`by=learning_item` (the default) per item completed in those plans, with the gaps it "
    "was chosen for and the ratings completers gave it (PUT .../items/{learning_item_id}/"
    "feedback); `kind`, `ratings` and `mean_rating` are null on other lines. In id order. "
    + ACCESS
    + EXPORT
    + ", ".join(IMPACT_COLUMNS)
    + ".",
    responses={200: {"content": CSV_RESPONSE_CONTENT}},
)
async def learning_impact(
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    by: Annotated[ImpactBy, Query(description="What each line is about.")] = (
        ImpactBy.LEARNING_ITEM
    ),
    org_unit_id: OrgUnitQuery = None,
    format: FormatQuery = None,
) -> ImpactPage | CsvResponse:
    export = _wants_csv(request, format)
    found = await impact.learning_impact(
        uow, actor, by=by, page=None if export else page, org_unit_id=org_unit_id
    )
    if export:
        return _csv(impact_csv(found.items), f"learning-impact-by-{by.value.replace('_', '-')}")
    return ImpactPage.of(found, ImpactOut.of)
