"""Workforce reports: the reference definitions. The SQL behind the reports must agree with
these functions (a property test holds them together).

Both reports are about a population of active employees: the whole tenant, or the part of it
a filter (an org unit and the units below it) or the caller's reach (a manager: themselves and
everyone below them) leaves.

Capability maturity, per capability that the current role of anyone in the population
requires: of the people whose role requires it (headcount), how many have a current level
(assessed) and how many are at or above the level their role requires (proficient). A level
never assessed counts as not proficient, as coverage does in app.domain.gaps. A role counts
as proficient in a capability when at least half of its holders in the population are.

Succession bench, per role that someone in the population holds or aspires to: the current
holders, and the candidates - people who aspire to the role and do not hold it - with their
readiness (app.domain.gaps.readiness against the role's requirements) and its band.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.domain.gaps import GapStatus, employee_gaps, readiness
from app.domain.roles import Requirement, RoleProfile

READY_NOW = 0.9
"""A candidate whose readiness is at least this could take the role now."""
READY_SOON = 0.6
"""At least this (and below READY_NOW): ready after some development."""


class Band(StrEnum):
    READY_NOW = "ready_now"
    READY_SOON = "ready_soon"
    DEVELOPING = "developing"


def band_of(score: float) -> Band:
    if score >= READY_NOW:
        return Band.READY_NOW
    if score >= READY_SOON:
        return Band.READY_SOON
    return Band.DEVELOPING


@dataclass(frozen=True)
class Population:
    """Which active employees a report is about."""

    org_unit_id: uuid.UUID | None = None
    """Only people in this unit or a unit below it."""
    visible_to_manager: uuid.UUID | None = None
    """Only this manager and everyone below them in the reporting line."""


@dataclass(frozen=True)
class Holder:
    """Someone in the population with a current role."""

    employee_id: uuid.UUID
    role_id: uuid.UUID
    requirements: Sequence[Requirement]
    current: Mapping[uuid.UUID, int]


@dataclass(frozen=True)
class CapabilityMaturity:
    capability_id: uuid.UUID
    headcount: int
    """People whose role requires the capability."""
    assessed: int
    """Of those, people with a current level in it."""
    proficient: int
    """Of those, people at or above the level their role requires."""
    roles: int
    """Distinct roles requiring it that someone in the population holds."""
    roles_proficient: int
    """Of those, roles where at least half of the holders are proficient."""
    people_by_level: tuple[tuple[int, int], ...]
    """(level, people) for each current level someone assessed holds, lowest first."""

    @property
    def share_proficient(self) -> float:
        """Proficient over headcount: unknown counts as not proficient."""
        return self.proficient / self.headcount if self.headcount else 0.0

    @property
    def share_roles_proficient(self) -> float:
        return self.roles_proficient / self.roles if self.roles else 0.0

    def distribution(self, max_level: int | None) -> tuple[int, ...]:
        """People at each level from 1 to the scale's top (or the highest level held, if
        higher): the histogram with its empty levels."""
        counts = dict(self.people_by_level)
        top = max([max_level or 0, *counts])
        return tuple(counts.get(level, 0) for level in range(1, top + 1))


@dataclass(frozen=True)
class MaturityLine:
    """A capability's maturity with what a reader needs to recognise it."""

    maturity: CapabilityMaturity
    capability_key: str | None
    """None when the capability's framework has no published version any more."""
    capability_name: str | None
    max_level: int | None
    """The top level of the capability's scale."""

    @property
    def distribution(self) -> tuple[int, ...]:
        return self.maturity.distribution(self.max_level)


def role_is_proficient(holders: int, proficient: int) -> bool:
    return holders > 0 and 2 * proficient >= holders


def capability_maturity(holders: Iterable[Holder]) -> dict[uuid.UUID, CapabilityMaturity]:
    """Per capability required by the role of anyone in `holders`, its maturity over them."""
    # capability -> role -> [holders, assessed, proficient]
    tallies: dict[uuid.UUID, dict[uuid.UUID, list[int]]] = {}
    levels: dict[uuid.UUID, dict[int, int]] = {}
    for holder in holders:
        for gap in employee_gaps(holder.requirements, holder.current):
            tally = tallies.setdefault(gap.capability_id, {}).setdefault(holder.role_id, [0, 0, 0])
            tally[0] += 1
            if gap.current_level is not None:
                tally[1] += 1
                by_level = levels.setdefault(gap.capability_id, {})
                by_level[gap.current_level] = by_level.get(gap.current_level, 0) + 1
            if gap.status is GapStatus.MET:
                tally[2] += 1
    return {
        capability_id: CapabilityMaturity(
            capability_id=capability_id,
            headcount=sum(t[0] for t in by_role.values()),
            assessed=sum(t[1] for t in by_role.values()),
            proficient=sum(t[2] for t in by_role.values()),
            roles=len(by_role),
            roles_proficient=sum(1 for t in by_role.values() if role_is_proficient(t[0], t[2])),
            people_by_level=tuple(sorted(levels.get(capability_id, {}).items())),
        )
        for capability_id, by_role in tallies.items()
    }


@dataclass(frozen=True)
class Person:
    """Someone in the population, as the succession bench sees them."""

    employee_id: uuid.UUID
    name: str
    external_id: str
    current_role_id: uuid.UUID | None
    aspired_role_ids: Sequence[uuid.UUID]
    current: Mapping[uuid.UUID, int]


@dataclass(frozen=True)
class Candidate:
    employee_id: uuid.UUID
    name: str
    external_id: str
    readiness: float
    """app.domain.gaps.readiness against the role: weighted share of requirements met."""
    requirements: int
    requirements_met: int

    @property
    def band(self) -> Band:
        return band_of(self.readiness)


def ranked(candidates: Iterable[Candidate]) -> tuple[Candidate, ...]:
    """Readiest first; ties by name, then id, so the order is stable."""
    return tuple(sorted(candidates, key=lambda c: (-c.readiness, c.name, str(c.employee_id))))


@dataclass(frozen=True)
class Bench:
    role_id: uuid.UUID
    role_key: str
    role_name: str
    holders: int
    """People in the population holding the role now."""
    candidates: tuple[Candidate, ...]
    """Readiest first (see `ranked`)."""

    def in_band(self, band: Band) -> int:
        return sum(1 for c in self.candidates if c.band is band)


def candidate(person: Person, role: RoleProfile) -> Candidate:
    gaps = employee_gaps(role.requirements, person.current)
    return Candidate(
        employee_id=person.employee_id,
        name=person.name,
        external_id=person.external_id,
        readiness=readiness(gaps).score,
        requirements=len(gaps),
        requirements_met=sum(1 for g in gaps if g.status is GapStatus.MET),
    )


def succession_bench(
    people: Iterable[Person], roles: Mapping[uuid.UUID, RoleProfile]
) -> dict[uuid.UUID, Bench]:
    """Per role someone in `people` holds or aspires to (and `roles` knows), its bench."""
    holders: dict[uuid.UUID, int] = {}
    candidates: dict[uuid.UUID, list[Candidate]] = {}
    for person in people:
        if person.current_role_id in roles:
            holders[person.current_role_id] = holders.get(person.current_role_id, 0) + 1
        for role_id in dict.fromkeys(person.aspired_role_ids):
            if role_id in roles and role_id != person.current_role_id:
                candidates.setdefault(role_id, []).append(candidate(person, roles[role_id]))
    return {
        role_id: Bench(
            role_id=role_id,
            role_key=roles[role_id].key,
            role_name=roles[role_id].name,
            holders=holders.get(role_id, 0),
            candidates=ranked(candidates.get(role_id, ())),
        )
        for role_id in holders.keys() | candidates.keys()
    }
