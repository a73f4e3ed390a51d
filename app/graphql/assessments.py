"""GraphQL for assessments, the combination rule, gaps, readiness and roll-ups."""

import uuid
from datetime import date, datetime

import strawberry

from app.domain.assessments import Assessment as DomainAssessment
from app.domain.assessments import AssessmentStatus as DomainAssessmentStatus
from app.domain.assessments import CombinationMethod as DomainCombinationMethod
from app.domain.assessments import CombinationRule
from app.domain.assessments import Purpose as DomainPurpose
from app.domain.assessments import RaterType as DomainRaterType
from app.domain.assessments import Rating as DomainRating
from app.domain.assessments import Result as DomainResult
from app.domain.views import GroupBy as DomainGroupBy
from app.domain.views import Grouping
from app.graphql.catalogue import Capability, Role
from app.graphql.context import Info
from app.graphql.pagination import Connection, page_request
from app.graphql.people import Employee
from app.services import assessments, gaps

RaterType = strawberry.enum(DomainRaterType, name="RaterType")
AssessmentStatus = strawberry.enum(DomainAssessmentStatus, name="AssessmentStatus")
Purpose = strawberry.enum(DomainPurpose, name="AssessmentPurpose")
CombinationMethod = strawberry.enum(DomainCombinationMethod, name="CombinationMethod")
GroupBy = strawberry.enum(DomainGroupBy, name="GroupBy")


@strawberry.type
class RaterWeight:
    rater_type: RaterType
    weight: float


@strawberry.type
class AssessmentPolicy:
    method: CombinationMethod
    weights: list[RaterWeight]
    version: int

    @classmethod
    def of(cls, rule: CombinationRule, version: int) -> "AssessmentPolicy":
        return cls(
            method=rule.method,
            weights=[RaterWeight(rater_type=t, weight=w) for t, w in rule.weights.items()],
            version=version,
        )


@strawberry.type
class AssessmentItem:
    capability_id: uuid.UUID
    required_level: int
    max_level: int
    weight: float
    core: bool

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        found = await info.context.loaders.capability.load(self.capability_id)
        return None if found is None else Capability.of(found)


@strawberry.type
class AssessmentRater:
    employee_id: uuid.UUID
    type: RaterType
    submitted_at: datetime | None


@strawberry.type
class AssessmentResult:
    capability_id: uuid.UUID
    level: int | None
    self_level: int | None
    manager_level: int | None
    divergence: int | None

    @classmethod
    def of(cls, result: DomainResult) -> "AssessmentResult":
        return cls(
            capability_id=result.capability_id,
            level=result.level,
            self_level=result.self_level,
            manager_level=result.manager_level,
            divergence=result.divergence,
        )


@strawberry.type
class Assessment:
    id: uuid.UUID
    employee_id: uuid.UUID
    role_id: uuid.UUID
    purpose: Purpose
    status: AssessmentStatus
    items: list[AssessmentItem]
    required_rater_types: list[RaterType]
    raters: list[AssessmentRater]
    due_date: date | None
    version: int
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, assessment: DomainAssessment) -> "Assessment":
        return cls(
            id=assessment.id,
            employee_id=assessment.employee_id,
            role_id=assessment.role_id,
            purpose=assessment.purpose,
            status=assessment.status,
            items=[AssessmentItem(**vars(item)) for item in assessment.items],
            required_rater_types=sorted(assessment.required_rater_types),
            raters=[AssessmentRater(**vars(rater)) for rater in assessment.raters],
            due_date=assessment.due_date,
            version=assessment.version,
            created_at=assessment.created_at,
            opened_at=assessment.opened_at,
            closed_at=assessment.closed_at,
        )

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        found = await info.context.loaders.employee.load(self.employee_id)
        return None if found is None else Employee.of(found)

    @strawberry.field
    async def role(self, info: Info) -> Role | None:
        found = await info.context.loaders.role.load(self.role_id)
        return None if found is None else Role.of(found)

    @strawberry.field(description="Empty until finalised.")
    async def results(self, info: Info) -> list[AssessmentResult]:
        found = await info.context.loaders.results.load(self.id)
        return [AssessmentResult.of(result) for result in found or []]


@strawberry.type
class RollUpCell:
    capability_id: uuid.UUID
    headcount: int
    assessed: int
    below: int
    met: int
    mean_gap: float | None
    weighted_gap: float | None
    impact: float
    coverage: float


@strawberry.type
class RollUpGroup:
    key: str
    cells: list[RollUpCell]


@strawberry.type
class MyRating:
    capability_id: uuid.UUID
    level: int | None
    evidence: str
    links: list[str]


@strawberry.input
class RatingInput:
    capability_id: uuid.UUID
    level: int | None
    evidence: str = ""
    links: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class AssessmentInput:
    employee_id: uuid.UUID
    role_id: uuid.UUID | None = None
    required_rater_types: list[RaterType] = strawberry.field(
        default_factory=lambda: [DomainRaterType.SELF, DomainRaterType.MANAGER]
    )
    peer_ids: list[uuid.UUID] = strawberry.field(default_factory=list)
    sme_ids: list[uuid.UUID] = strawberry.field(default_factory=list)
    due_date: date | None = None
    open: bool = True


@strawberry.input
class RaterWeightInput:
    rater_type: RaterType
    weight: float


@strawberry.type
class AssessmentQuery:
    @strawberry.field
    async def assessment_policy(self, info: Info) -> AssessmentPolicy:
        context = info.context
        rule, version = await assessments.get_policy(context.uow(), context.actor)
        return AssessmentPolicy.of(rule, version)

    @strawberry.field(description="Assessments the viewer may see.")
    async def assessments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        employee_id: uuid.UUID | None = None,
        status: AssessmentStatus | None = None,
    ) -> Connection[Assessment]:
        context = info.context
        page = await assessments.list_assessments(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            employee_id=employee_id,
            status=status,
        )
        return Connection.of(page, Assessment.of)

    @strawberry.field
    async def assessment(self, info: Info, id: uuid.UUID) -> Assessment:
        context = info.context
        found = await assessments.get_assessment(context.uow(), context.actor, assessment_id=id)
        return Assessment.of(found)

    @strawberry.field(description="The viewer's own ratings of an assessment, drafts included.")
    async def my_ratings(self, info: Info, assessment_id: uuid.UUID) -> list[MyRating]:
        context = info.context
        found = await assessments.my_ratings(
            context.uow(), context.actor, assessment_id=assessment_id
        )
        return [
            MyRating(
                capability_id=r.capability_id,
                level=r.level,
                evidence=r.evidence,
                links=list(r.links),
            )
            for r in found
        ]

    @strawberry.field(description="Roll-ups per group and capability (a heat map).")
    async def gaps(
        self,
        info: Info,
        group_by: GroupBy,
        ids: list[uuid.UUID] | None = None,
        whole_chain: bool = True,
    ) -> list[RollUpGroup]:
        context = info.context
        grouping = Grouping(by=group_by, ids=tuple(ids or ()), whole_chain=whole_chain)
        rolled = await gaps.roll_up(context.uow(), context.actor, grouping=grouping)
        return [
            RollUpGroup(
                key=key,
                cells=[
                    RollUpCell(
                        capability_id=c.capability_id,
                        headcount=c.headcount,
                        assessed=c.assessed,
                        below=c.below,
                        met=c.met,
                        mean_gap=c.mean_gap,
                        weighted_gap=c.weighted_gap,
                        impact=c.impact,
                        coverage=c.coverage,
                    )
                    for c in cells
                ],
            )
            for key, cells in sorted(rolled.items())
        ]


@strawberry.type
class AssessmentMutation:
    @strawberry.mutation(description="Choose how ratings combine (hr_admin).")
    async def set_assessment_policy(
        self,
        info: Info,
        method: CombinationMethod,
        weights: list[RaterWeightInput] | None = None,
        expected_version: int | None = None,
    ) -> AssessmentPolicy:
        context = info.context
        rule = CombinationRule(method)
        if weights is not None:
            rule = CombinationRule(method, {w.rater_type: w.weight for w in weights})
        stored, version = await assessments.set_policy(
            context.uow(), context.actor, rule=rule, expected_version=expected_version
        )
        return AssessmentPolicy.of(stored, version)

    @strawberry.mutation
    async def create_assessment(self, info: Info, input: AssessmentInput) -> Assessment:
        context = info.context
        created = await assessments.create_assessment(
            context.uow(),
            context.actor,
            employee_id=input.employee_id,
            role_id=input.role_id,
            required_rater_types=input.required_rater_types,
            peer_ids=input.peer_ids,
            sme_ids=input.sme_ids,
            due_date=input.due_date,
            open_now=input.open,
        )
        return Assessment.of(created)

    @strawberry.mutation
    async def open_assessment(self, info: Info, id: uuid.UUID) -> Assessment:
        context = info.context
        opened = await assessments.open_assessment(context.uow(), context.actor, assessment_id=id)
        return Assessment.of(opened)

    @strawberry.mutation
    async def cancel_assessment(self, info: Info, id: uuid.UUID) -> Assessment:
        context = info.context
        cancelled = await assessments.cancel_assessment(
            context.uow(), context.actor, assessment_id=id
        )
        return Assessment.of(cancelled)

    @strawberry.mutation(description="Save, and with submit hand in, the viewer's ratings.")
    async def rate(
        self,
        info: Info,
        assessment_id: uuid.UUID,
        ratings: list[RatingInput],
        submit: bool = False,
    ) -> Assessment:
        context = info.context
        rated = await assessments.rate(
            context.uow(),
            context.actor,
            assessment_id=assessment_id,
            ratings=[
                DomainRating(uuid.UUID(int=0), r.capability_id, r.level, r.evidence, tuple(r.links))
                for r in ratings
            ],
            submit=submit,
        )
        return Assessment.of(rated)

    @strawberry.mutation(description="Combine the submitted ratings into results.")
    async def finalise_assessment(self, info: Info, id: uuid.UUID) -> Assessment:
        context = info.context
        finalised, _ = await assessments.finalise_assessment(
            context.uow(), context.actor, assessment_id=id
        )
        return Assessment.of(finalised)
