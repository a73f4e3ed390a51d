"""GraphQL for the workforce reports: capability maturity, the succession bench and learning
impact."""

import uuid

import strawberry

from app.domain.impact import ImpactBy, ImpactLine
from app.domain.workforce import Band, MaturityLine
from app.domain.workforce import Bench as DomainBench
from app.domain.workforce import Candidate as DomainCandidate
from app.graphql.catalogue import Capability, Role
from app.graphql.context import Info
from app.graphql.learning import LearningItem
from app.graphql.pagination import Connection, page_request
from app.graphql.people import Employee, OrgUnit
from app.services import impact, workforce

ReadinessBand = strawberry.enum(Band, name="ReadinessBand")
LearningImpactBy = strawberry.enum(ImpactBy, name="LearningImpactBy")


@strawberry.type
class CapabilityMaturity:
    capability_id: uuid.UUID
    capability_key: str | None
    capability_name: str | None
    headcount: int = strawberry.field(description="Active people whose role requires it.")
    assessed: int
    proficient: int = strawberry.field(description="At or above their role's required level.")
    share_proficient: float = strawberry.field(description="Unknown counts as not proficient.")
    roles: int
    roles_proficient: int = strawberry.field(
        description="Roles with at least half of the holders proficient."
    )
    share_roles_proficient: float
    people_by_level: list[int] = strawberry.field(
        description="Assessed people at each level, the first entry being level 1."
    )

    @classmethod
    def of(cls, line: MaturityLine) -> "CapabilityMaturity":
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
            people_by_level=list(line.distribution),
        )

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        found = await info.context.loaders.capability.load(self.capability_id)
        return None if found is None else Capability.of(found)


@strawberry.type
class SuccessionCandidate:
    employee_id: uuid.UUID
    external_id: str
    name: str
    readiness: float = strawberry.field(description="Weighted share of requirements met, 0-1.")
    band: ReadinessBand
    requirements: int
    requirements_met: int

    @classmethod
    def of(cls, candidate: DomainCandidate) -> "SuccessionCandidate":
        return cls(
            employee_id=candidate.employee_id,
            external_id=candidate.external_id,
            name=candidate.name,
            readiness=candidate.readiness,
            band=candidate.band,
            requirements=candidate.requirements,
            requirements_met=candidate.requirements_met,
        )

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        found = await info.context.loaders.employee.load(self.employee_id)
        return None if found is None else Employee.of(found)


@strawberry.type
class RoleBench:
    role_id: uuid.UUID
    role_key: str
    role_name: str
    holders: int = strawberry.field(description="Active people holding the role now.")
    ready_now: int
    ready_soon: int
    developing: int
    candidates: list[SuccessionCandidate] = strawberry.field(
        description="Readiest first, then by name."
    )

    @classmethod
    def of(cls, bench: DomainBench) -> "RoleBench":
        return cls(
            role_id=bench.role_id,
            role_key=bench.role_key,
            role_name=bench.role_name,
            holders=bench.holders,
            ready_now=bench.in_band(Band.READY_NOW),
            ready_soon=bench.in_band(Band.READY_SOON),
            developing=bench.in_band(Band.DEVELOPING),
            candidates=[SuccessionCandidate.of(c) for c in bench.candidates],
        )

    @strawberry.field
    async def role(self, info: Info) -> Role | None:
        found = await info.context.loaders.role.load(self.role_id)
        return None if found is None else Role.of(found)


@strawberry.type
class LearningImpact:
    id: uuid.UUID = strawberry.field(description="The learning item's, capability's or unit's.")
    by: LearningImpactBy
    key: str | None = strawberry.field(description="A key; a learning item's external id.")
    name: str | None = strawberry.field(description="A name; a learning item's title.")
    kind: str | None = strawberry.field(description="A learning item's kind.")
    plans: int = strawberry.field(
        description="Counted plans with gaps in it; per learning item, its completions in them."
    )
    gaps: int
    reassessed: int
    closed: int
    share_closed: float | None = strawberry.field(description="Null without gaps.")
    mean_level_change: float | None
    mean_days_to_close: float | None
    ratings: int | None = strawberry.field(description="Per learning item; null otherwise.")
    mean_rating: float | None

    @classmethod
    def of(cls, line: ImpactLine, by: ImpactBy) -> "LearningImpact":
        return cls(by=by, **line.fields())

    @strawberry.field
    async def learning_item(self, info: Info) -> LearningItem | None:
        if self.by is not ImpactBy.LEARNING_ITEM:
            return None
        found = await info.context.loaders.learning_item.load(self.id)
        return None if found is None else LearningItem.of(found)

    @strawberry.field
    async def capability(self, info: Info) -> Capability | None:
        if self.by is not ImpactBy.CAPABILITY:
            return None
        found = await info.context.loaders.capability.load(self.id)
        return None if found is None else Capability.of(found)

    @strawberry.field
    async def org_unit(self, info: Info) -> OrgUnit | None:
        if self.by is not ImpactBy.ORG_UNIT:
            return None
        found = await info.context.loaders.org_unit.load(self.id)
        return None if found is None else OrgUnit.of(found)


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="Per capability the population's roles require: the share of people and "
        "roles proficient (hr_admin, integrations; a manager over their reporting line)."
    )
    async def capability_maturity(
        self,
        info: Info,
        org_unit_id: uuid.UUID | None = None,
        framework_id: uuid.UUID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CapabilityMaturity]:
        context = info.context
        found = await workforce.capability_maturity(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            org_unit_id=org_unit_id,
            framework_id=framework_id,
        )
        return Connection.of(found, CapabilityMaturity.of)

    @strawberry.field(
        description="Per role held or aspired to: holders and candidates by readiness "
        "(hr_admin, integrations; a manager over their reporting line)."
    )
    async def succession_bench(
        self,
        info: Info,
        org_unit_id: uuid.UUID | None = None,
        role_id: uuid.UUID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RoleBench]:
        context = info.context
        found = await workforce.succession_bench(
            context.uow(),
            context.actor,
            page=page_request(first, after),
            org_unit_id=org_unit_id,
            role_id=role_id,
        )
        return Connection.of(found, RoleBench.of)

    @strawberry.field(
        description="Which learning moves capability: per learning item (default), capability "
        "or org unit, the gaps completed plans set out to close and what the re-assessment "
        "found (hr_admin, integrations; a manager over their reporting line)."
    )
    async def learning_impact(
        self,
        info: Info,
        by: LearningImpactBy = ImpactBy.LEARNING_ITEM,
        org_unit_id: uuid.UUID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LearningImpact]:
        context = info.context
        found = await impact.learning_impact(
            context.uow(),
            context.actor,
            by=by,
            page=page_request(first, after),
            org_unit_id=org_unit_id,
        )
        return Connection.of(found, lambda line: LearningImpact.of(line, by))
