"""Multi-rater assessments: who rates what, the lifecycle, and how ratings combine.

Lifecycle: scheduled -> open -> awaiting_manager -> finalised, or expired / cancelled from any
state before finalised. Opening invites the raters; the employee's own (self) submission, when
self rating is required, moves the assessment to awaiting_manager (otherwise it goes there on
opening); finalising needs a submission from every required rater type and computes the
results, which are then immutable. A later assessment supersedes them.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from app.domain.errors import FieldError, Forbidden, InvalidInput, InvalidTransition
from app.domain.ids import new_id
from app.domain.roles import Requirement
from app.domain.values import NAME_FORBIDDEN, check_text

MAX_EVIDENCE_LINKS = 10
MAX_LINK_LENGTH = 2_000
MAX_PEERS = 20


class RaterType(StrEnum):
    SELF = "self"
    MANAGER = "manager"
    PEER = "peer"
    SME = "sme"


class AssessmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    AWAITING_MANAGER = "awaiting_manager"
    FINALISED = "finalised"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


UNFINISHED = (
    AssessmentStatus.SCHEDULED,
    AssessmentStatus.OPEN,
    AssessmentStatus.AWAITING_MANAGER,
)


class Purpose(StrEnum):
    CURRENT_ROLE = "current_role"
    ASPIRED_ROLE = "aspired_role"


class CombinationMethod(StrEnum):
    MANAGER_DECIDES = "manager_decides"
    WEIGHTED_MEAN = "weighted_mean"
    SME_OVERRIDES = "sme_overrides"


DEFAULT_WEIGHTS = {
    RaterType.SELF: 1.0,
    RaterType.MANAGER: 2.0,
    RaterType.PEER: 1.0,
    RaterType.SME: 2.0,
}


@dataclass(frozen=True)
class CombinationRule:
    """How a tenant turns several ratings of one capability into a result level.

    - manager_decides: the manager's rating; without one, no result (unknown).
    - weighted_mean: the mean of all ratings weighted by rater type, rounded half up to a
      whole level (2.5 -> 3); peers count once as their own mean, so many peers do not
      outvote the manager.
    - sme_overrides: a subject-matter expert's rating when there is one (the mean of several
      SMEs, rounded half up), otherwise the manager's.
    "Not observed" ratings are ignored by every method.
    """

    method: CombinationMethod = CombinationMethod.MANAGER_DECIDES
    weights: Mapping[RaterType, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def problems(self) -> list[FieldError]:
        errors = []
        for rater_type, weight in self.weights.items():
            if not 0 <= weight <= 100:
                errors.append(FieldError(f"weights.{rater_type}", "Give 0 to 100."))
        if self.method is CombinationMethod.WEIGHTED_MEAN and not any(self.weights.values()):
            errors.append(FieldError("weights", "At least one rater type needs a weight."))
        return errors

    def combine(self, levels: Mapping[RaterType, Sequence[int]]) -> int | None:
        """The result level from the observed levels by rater type, or None (unknown)."""
        manager = _rounded_mean(levels.get(RaterType.MANAGER, ()))
        if self.method is CombinationMethod.MANAGER_DECIDES:
            return manager
        if self.method is CombinationMethod.SME_OVERRIDES:
            sme = _rounded_mean(levels.get(RaterType.SME, ()))
            return sme if sme is not None else manager
        total = Decimal(0)
        weight_sum = Decimal(0)
        for rater_type, observed in levels.items():
            weight = Decimal(str(self.weights.get(rater_type, 0)))
            if observed and weight:
                total += weight * Decimal(sum(observed)) / Decimal(len(observed))
                weight_sum += weight
        if not weight_sum:
            return None
        return int((total / weight_sum).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rounded_mean(levels: Sequence[int]) -> int | None:
    if not levels:
        return None
    mean = Decimal(sum(levels)) / Decimal(len(levels))
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Item:
    """One capability the assessment covers, with what the role required when it was made."""

    capability_id: uuid.UUID
    required_level: int
    max_level: int
    weight: float = 1.0
    core: bool = False


@dataclass(frozen=True)
class Rater:
    employee_id: uuid.UUID
    type: RaterType
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Rating:
    rater_id: uuid.UUID
    capability_id: uuid.UUID
    level: int | None
    """None: not observed."""
    evidence: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    capability_id: uuid.UUID
    level: int | None
    self_level: int | None
    manager_level: int | None

    @property
    def divergence(self) -> int | None:
        """Self minus manager: positive when people rate themselves higher."""
        if self.self_level is None or self.manager_level is None:
            return None
        return self.self_level - self.manager_level


@dataclass(frozen=True)
class Assessment:
    id: uuid.UUID
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    role_id: uuid.UUID
    purpose: Purpose
    status: AssessmentStatus
    items: tuple[Item, ...]
    required_rater_types: frozenset[RaterType]
    raters: tuple[Rater, ...]
    due_date: date | None
    version: int
    created_at: datetime
    opened_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def create(
        cls,
        tenant_id: uuid.UUID,
        *,
        employee_id: uuid.UUID,
        manager_id: uuid.UUID | None,
        role_id: uuid.UUID,
        purpose: Purpose,
        requirements: Sequence[Requirement],
        max_levels: Mapping[uuid.UUID, int],
        required_rater_types: Iterable[RaterType],
        peer_ids: Sequence[uuid.UUID] = (),
        sme_ids: Sequence[uuid.UUID] = (),
        due_date: date | None,
        now: datetime,
    ) -> "Assessment":
        """A scheduled assessment over the role's requirements as they are now."""
        required = frozenset(required_rater_types)
        errors: list[FieldError] = []
        if not requirements:
            errors.append(FieldError("role_id", "The role requires no capabilities to assess."))
        if not required:
            errors.append(FieldError("required_rater_types", "Require at least one rater type."))
        if RaterType.MANAGER in required and manager_id is None:
            errors.append(
                FieldError("required_rater_types", "The employee has no manager to rate them.")
            )
        for name, ids, rater_type in (
            ("peer_ids", peer_ids, RaterType.PEER),
            ("sme_ids", sme_ids, RaterType.SME),
        ):
            if rater_type in required and not ids:
                errors.append(FieldError(name, f"Invite at least one {rater_type} rater."))
            if len(ids) > MAX_PEERS:
                errors.append(FieldError(name, f"Invite at most {MAX_PEERS}."))
            if employee_id in ids:
                errors.append(FieldError(name, "The employee rates themselves as self."))
            if manager_id is not None and manager_id in ids:
                errors.append(FieldError(name, "The manager rates as the manager."))
            if len(set(ids)) != len(ids):
                errors.append(FieldError(name, "Someone is invited twice."))
        if set(peer_ids) & set(sme_ids):
            errors.append(FieldError("sme_ids", "Someone is invited both as a peer and an SME."))
        if due_date is not None and due_date < now.date():
            errors.append(FieldError("due_date", "Must not be in the past."))
        if errors:
            raise InvalidInput("The assessment cannot be created.", errors)
        items = tuple(
            Item(r.capability_id, r.required_level, max_levels[r.capability_id], r.weight, r.core)
            for r in requirements
            if r.capability_id in max_levels
        )
        if not items:
            raise InvalidInput(
                "Nothing to assess.",
                [FieldError("role_id", "None of the role's capabilities is published.")],
            )
        raters: dict[uuid.UUID, Rater] = {employee_id: Rater(employee_id, RaterType.SELF)}
        if manager_id is not None:
            raters.setdefault(manager_id, Rater(manager_id, RaterType.MANAGER))
        for ids, rater_type in ((sme_ids, RaterType.SME), (peer_ids, RaterType.PEER)):
            for rater_id in ids:
                raters.setdefault(rater_id, Rater(rater_id, rater_type))
        return cls(
            id=new_id(),
            tenant_id=tenant_id,
            employee_id=employee_id,
            role_id=role_id,
            purpose=purpose,
            status=AssessmentStatus.SCHEDULED,
            items=items,
            required_rater_types=required,
            raters=tuple(raters.values()),
            due_date=due_date,
            version=1,
            created_at=now,
        )

    def open(self, now: datetime) -> "Assessment":
        if self.status is not AssessmentStatus.SCHEDULED:
            raise InvalidTransition(f"The assessment is {self.status}; only a scheduled one opens.")
        status = (
            AssessmentStatus.OPEN
            if RaterType.SELF in self.required_rater_types
            else AssessmentStatus.AWAITING_MANAGER
        )
        return replace(self, status=status, opened_at=now, version=self.version + 1)

    def rater(self, employee_id: uuid.UUID | None) -> Rater:
        """The invitation of this person; Forbidden for anyone not invited."""
        for rater in self.raters:
            if rater.employee_id == employee_id:
                return rater
        raise Forbidden("Only the invited raters rate this assessment.")

    def check_ratings(self, rater: Rater, ratings: Sequence[Rating]) -> None:
        """Ratings may be saved while the assessment is open to this rater, on the assessed
        capabilities, each a level of the capability's scale or not observed."""
        if rater.submitted_at is not None:
            raise InvalidTransition("These ratings were submitted and can no longer change.")
        if not self._accepts(rater.type):
            raise InvalidTransition(
                f"The assessment is {self.status}: {rater.type} ratings are closed."
            )
        items = {item.capability_id: item for item in self.items}
        errors: list[FieldError] = []
        seen: set[uuid.UUID] = set()
        for index, rating in enumerate(ratings):
            path = f"ratings.{index}"
            item = items.get(rating.capability_id)
            if item is None:
                errors.append(FieldError(f"{path}.capability_id", "Not assessed here."))
            elif rating.level is not None and not 1 <= rating.level <= item.max_level:
                errors.append(
                    FieldError(
                        f"{path}.level", f"Give 1 to {item.max_level}, or null for not observed."
                    )
                )
            if rating.capability_id in seen:
                errors.append(FieldError(f"{path}.capability_id", "Rated twice."))
            seen.add(rating.capability_id)
            check_text(rating.evidence, f"{path}.evidence", errors)
            if len(rating.links) > MAX_EVIDENCE_LINKS:
                errors.append(FieldError(f"{path}.links", f"At most {MAX_EVIDENCE_LINKS}."))
            for number, link in enumerate(rating.links):
                if len(link) > MAX_LINK_LENGTH or NAME_FORBIDDEN.search(link):
                    errors.append(
                        FieldError(
                            f"{path}.links.{number}",
                            f"At most {MAX_LINK_LENGTH} characters, no control characters.",
                        )
                    )
        if errors:
            raise InvalidInput("The ratings are not valid.", errors)

    def submitted(self, rater: Rater, rated: Iterable[uuid.UUID], now: datetime) -> "Assessment":
        """The assessment after `rater` submitted, having rated the capabilities `rated`."""
        if rater.submitted_at is not None or not self._accepts(rater.type):
            raise InvalidTransition(f"The assessment is {self.status}; nothing can be submitted.")
        missing = {item.capability_id for item in self.items} - set(rated)
        if missing:
            raise InvalidInput(
                "Rate every capability (or mark it not observed) before submitting.",
                [FieldError("ratings", f"{len(missing)} capabilities are not rated yet.")],
            )
        raters = tuple(
            replace(r, submitted_at=now) if r.employee_id == rater.employee_id else r
            for r in self.raters
        )
        status = self.status
        if rater.type is RaterType.SELF and status is AssessmentStatus.OPEN:
            status = AssessmentStatus.AWAITING_MANAGER
        return replace(self, raters=raters, status=status, version=self.version + 1)

    def finalise(
        self, rule: CombinationRule, ratings: Sequence[Rating], now: datetime
    ) -> tuple["Assessment", tuple[Result, ...]]:
        """The finalised assessment and its results. Needs a submission from every required
        rater type; only submitted ratings count."""
        if self.status is not AssessmentStatus.AWAITING_MANAGER:
            raise InvalidTransition(
                f"The assessment is {self.status}; it can be finalised once awaiting the manager."
            )
        submitted = {r.employee_id: r.type for r in self.raters if r.submitted_at is not None}
        waiting = sorted(self.required_rater_types - set(submitted.values()))
        if waiting:
            raise InvalidTransition(f"Waiting for ratings from: {', '.join(waiting)}.")
        by_capability: dict[uuid.UUID, dict[RaterType, list[int]]] = {}
        for rating in ratings:
            rater_type = submitted.get(rating.rater_id)
            if rater_type is not None and rating.level is not None:
                by_capability.setdefault(rating.capability_id, {}).setdefault(
                    rater_type, []
                ).append(rating.level)
        results = tuple(
            Result(
                capability_id=item.capability_id,
                level=rule.combine(levels := by_capability.get(item.capability_id, {})),
                self_level=_rounded_mean(levels.get(RaterType.SELF, ())),
                manager_level=_rounded_mean(levels.get(RaterType.MANAGER, ())),
            )
            for item in self.items
        )
        finalised = replace(
            self, status=AssessmentStatus.FINALISED, closed_at=now, version=self.version + 1
        )
        return finalised, results

    def cancel(self, now: datetime) -> "Assessment":
        return self._close(AssessmentStatus.CANCELLED, now)

    def expire(self, now: datetime) -> "Assessment":
        return self._close(AssessmentStatus.EXPIRED, now)

    def _close(self, status: AssessmentStatus, now: datetime) -> "Assessment":
        if self.status not in UNFINISHED:
            raise InvalidTransition(f"The assessment is already {self.status}.")
        return replace(self, status=status, closed_at=now, version=self.version + 1)

    def _accepts(self, rater_type: RaterType) -> bool:
        # A rater who already submitted is refused before this; anyone else may rate until
        # the assessment is finalised or closed.
        return self.status in (AssessmentStatus.OPEN, AssessmentStatus.AWAITING_MANAGER)
