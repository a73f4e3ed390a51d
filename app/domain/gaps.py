"""Gap analysis: the reference definitions. SQL that computes gaps or roll-ups must agree
with these functions (a property test holds them together).

For one employee and capability: gap = max(required - current, 0), surplus = max(current -
required, 0); a capability never assessed has status unknown and no gap, not a gap of zero.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.domain.roles import Requirement


class GapStatus(StrEnum):
    MET = "met"
    BELOW = "below"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CapabilityGap:
    capability_id: uuid.UUID
    required_level: int
    current_level: int | None
    weight: float
    core: bool

    @property
    def status(self) -> GapStatus:
        if self.current_level is None:
            return GapStatus.UNKNOWN
        return GapStatus.MET if self.current_level >= self.required_level else GapStatus.BELOW

    @property
    def gap(self) -> int | None:
        if self.current_level is None:
            return None
        return max(self.required_level - self.current_level, 0)

    @property
    def surplus(self) -> int | None:
        if self.current_level is None:
            return None
        return max(self.current_level - self.required_level, 0)

    @property
    def weighted_gap(self) -> float | None:
        return None if self.gap is None else self.gap * self.weight


def employee_gaps(
    requirements: Sequence[Requirement], current: Mapping[uuid.UUID, int]
) -> list[CapabilityGap]:
    """Each requirement against the employee's latest finalised level (`current`)."""
    return [
        CapabilityGap(
            r.capability_id, r.required_level, current.get(r.capability_id), r.weight, r.core
        )
        for r in requirements
    ]


@dataclass(frozen=True)
class Readiness:
    score: float
    """Weight-averaged share of requirements met, 0 to 1; unknown counts as not met; 1 when
    the role requires nothing."""
    blocking: tuple[CapabilityGap, ...]
    """Requirements not (yet shown to be) met: core first, then the largest weighted gap."""


def readiness(gaps: Sequence[CapabilityGap]) -> Readiness:
    total = sum(g.weight for g in gaps)
    met = sum(g.weight for g in gaps if g.status is GapStatus.MET)
    blocking = sorted(
        (g for g in gaps if g.status is not GapStatus.MET),
        key=lambda g: (
            not g.core,
            -(g.weighted_gap if g.weighted_gap is not None else g.weight * g.required_level),
            str(g.capability_id),
        ),
    )
    # A role that requires nothing is met by anyone.
    return Readiness(score=met / total if total else 1.0, blocking=tuple(blocking))


@dataclass(frozen=True)
class RollUp:
    """One capability in one group of people."""

    capability_id: uuid.UUID
    headcount: int
    """Members whose role requires the capability."""
    assessed: int
    """Of those, members with a finalised level."""
    below: int
    met: int
    mean_gap: float | None
    """Mean gap over the assessed members."""
    weighted_gap: float | None
    """Mean of gap x requirement weight over the assessed members."""
    impact: float
    """Sum of the requirement weights over the headcount: how much the group needs it."""

    @property
    def coverage(self) -> float:
        """Share of the headcount shown to meet the level (unknown counts as not)."""
        return self.met / self.headcount if self.headcount else 0.0


@dataclass(frozen=True)
class Member:
    employee_id: uuid.UUID
    requirements: Sequence[Requirement]
    current: Mapping[uuid.UUID, int]


def roll_up(members: Iterable[Member]) -> dict[uuid.UUID, RollUp]:
    """Per capability required by anyone in the group, its statistics over the group."""
    gaps_by_capability: dict[uuid.UUID, list[CapabilityGap]] = {}
    for member in members:
        for gap in employee_gaps(member.requirements, member.current):
            gaps_by_capability.setdefault(gap.capability_id, []).append(gap)
    rolled = {}
    for capability_id, gaps in gaps_by_capability.items():
        assessed = [g for g in gaps if g.gap is not None]
        rolled[capability_id] = RollUp(
            capability_id=capability_id,
            headcount=len(gaps),
            assessed=len(assessed),
            below=sum(1 for g in assessed if g.status is GapStatus.BELOW),
            met=sum(1 for g in assessed if g.status is GapStatus.MET),
            mean_gap=sum(g.gap for g in assessed) / len(assessed) if assessed else None,
            weighted_gap=(
                sum(g.weighted_gap for g in assessed) / len(assessed) if assessed else None
            ),
            impact=sum(g.weight for g in gaps),
        )
    return rolled
