"""GraphQL types of gap analysis, shared by the employee and roll-up fields."""

import uuid

import strawberry

from app.domain.gaps import CapabilityGap
from app.domain.gaps import GapStatus as DomainGapStatus

GapStatus = strawberry.enum(DomainGapStatus, name="GapStatus")


@strawberry.type
class Gap:
    capability_id: uuid.UUID
    required_level: int
    current_level: int | None
    gap: int | None
    surplus: int | None
    status: GapStatus
    weight: float
    weighted_gap: float | None
    core: bool

    @classmethod
    def of(cls, gap: CapabilityGap) -> "Gap":
        return cls(
            capability_id=gap.capability_id,
            required_level=gap.required_level,
            current_level=gap.current_level,
            gap=gap.gap,
            surplus=gap.surplus,
            status=gap.status,
            weight=gap.weight,
            weighted_gap=gap.weighted_gap,
            core=gap.core,
        )


@strawberry.type
class Readiness:
    role_id: uuid.UUID
    score: float
    blocking: list[Gap]
