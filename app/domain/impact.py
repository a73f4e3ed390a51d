"""Learning impact: whether the development plans moved capability, and what people thought of
the learning (training evaluation: a reaction survey, 1 to 5, per item).

A plan counts once it is completed and its re-assessment finalised. The gaps it set out to
close are those it recorded when it was generated: the capabilities its items were chosen
for, and those it reported left open (no content, over budget), each at the level the plan's
assessment required. Each is compared with the re-assessment: the level change (when both
assessments rated it), closed or not (the re-assessment at or above the required level),
and the days from the plan's creation to the re-assessment's close. Grouped:

- per capability: the gaps in it;
- per org unit: the gaps of the people in it now (people without a unit are left out);
- per learning item: each completion in a counted plan, with the gaps of that plan the item
  was chosen for, and the completers' ratings. An item whose completions close nothing is
  what "only gets completed" looks like; one chosen for no gap (a prerequisite) has no
  share closed at all.

What the plan recorded is used rather than the catalogue now, so editing an item later does
not rewrite its past impact.

`learning_impact` is the definition; the SQL behind the report is held to it by a test.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.domain.errors import FieldError, InvalidInput
from app.domain.values import check_text

MIN_RATING, MAX_RATING = 1, 5
COMMENT_MAX_LENGTH = 2_000


class ImpactBy(StrEnum):
    LEARNING_ITEM = "learning_item"
    CAPABILITY = "capability"
    ORG_UNIT = "org_unit"


@dataclass(frozen=True)
class GapOutcome:
    """One gap a plan set out to close, and what its re-assessment found."""

    capability_id: uuid.UUID
    required_level: int
    before: int | None
    """The level the plan's assessment found; None when it was not rated."""
    after: int | None
    """The level the re-assessment found; None when it was not rated."""

    @property
    def closed(self) -> bool:
        return self.after is not None and self.after >= self.required_level

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class ClosedPlan:
    """A completed plan whose re-assessment is finalised."""

    id: uuid.UUID
    org_unit_id: uuid.UUID | None
    """The employee's org unit now."""
    days: float
    """From the plan's creation to the re-assessment's close."""
    gaps: tuple[GapOutcome, ...]
    completed: Mapping[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)
    """The learning items completed in the plan, each with the capabilities it was chosen
    for."""
    ratings: Mapping[uuid.UUID, int] = field(default_factory=dict)
    """The employee's rating of completed items they rated."""


@dataclass(frozen=True)
class Impact:
    """One line of the report: a learning item, a capability or an org unit."""

    id: uuid.UUID
    """The learning item's, capability's or org unit's."""
    plans: int
    """Counted plans with gaps in the group; per learning item, its completions."""
    gaps: int
    reassessed: int
    """Gaps the re-assessment rated."""
    closed: int
    mean_level_change: float | None
    """The mean level change over gaps rated by both assessments."""
    mean_days_to_close: float | None
    """The mean days to close over the gaps closed."""
    ratings: int | None = None
    """Per learning item: the completions rated (None for other groupings)."""
    mean_rating: float | None = None

    @property
    def share_closed(self) -> float | None:
        """None without gaps: nothing was there to close."""
        return self.closed / self.gaps if self.gaps else None


@dataclass(frozen=True)
class ImpactLine:
    """An Impact with what names its learning item, capability or org unit."""

    impact: Impact
    key: str | None
    """The capability's or org unit's key, the learning item's external id."""
    name: str | None
    """The capability's or org unit's name, the learning item's title."""
    kind: str | None = None
    """The learning item's kind."""

    def fields(self) -> dict[str, object]:
        """The line flat, as the APIs show it."""
        i = self.impact
        return {
            "id": i.id,
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "plans": i.plans,
            "gaps": i.gaps,
            "reassessed": i.reassessed,
            "closed": i.closed,
            "share_closed": i.share_closed,
            "mean_level_change": i.mean_level_change,
            "mean_days_to_close": i.mean_days_to_close,
            "ratings": i.ratings,
            "mean_rating": i.mean_rating,
        }


@dataclass
class _Tally:
    plans: set[uuid.UUID] = field(default_factory=set)
    gaps: int = 0
    reassessed: int = 0
    closed: int = 0
    changes: list[int] = field(default_factory=list)
    days: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def add(self, plan: ClosedPlan, gap: GapOutcome) -> None:
        self.gaps += 1
        self.reassessed += gap.after is not None
        if gap.change is not None:
            self.changes.append(gap.change)
        if gap.closed:
            self.closed += 1
            self.days.append(plan.days)

    def impact(self, key: uuid.UUID, by: ImpactBy) -> Impact:
        rated = by is ImpactBy.LEARNING_ITEM
        return Impact(
            id=key,
            plans=len(self.plans),
            gaps=self.gaps,
            reassessed=self.reassessed,
            closed=self.closed,
            mean_level_change=_mean(self.changes),
            mean_days_to_close=_mean(self.days),
            ratings=len(self.ratings) if rated else None,
            mean_rating=_mean(self.ratings),
        )


def learning_impact(plans: Iterable[ClosedPlan], by: ImpactBy) -> list[Impact]:
    """The report's lines in key order; per capability and org unit only groups with gaps."""
    tallies: dict[uuid.UUID, _Tally] = {}
    for plan in plans:
        if by is ImpactBy.LEARNING_ITEM:
            for item, chosen_for in plan.completed.items():
                tally = tallies.setdefault(item, _Tally())
                tally.plans.add(plan.id)
                if item in plan.ratings:
                    tally.ratings.append(plan.ratings[item])
                for gap in plan.gaps:
                    if gap.capability_id in chosen_for:
                        tally.add(plan, gap)
            continue
        for gap in plan.gaps:
            key = gap.capability_id if by is ImpactBy.CAPABILITY else plan.org_unit_id
            if key is None:
                continue
            tally = tallies.setdefault(key, _Tally())
            tally.plans.add(plan.id)
            tally.add(plan, gap)
    return [tallies[key].impact(key, by) for key in sorted(tallies)]


def _mean(values: list[int] | list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Feedback:
    """The employee's reaction to a learning item they completed in a plan."""

    tenant_id: uuid.UUID
    plan_id: uuid.UUID
    learning_item_id: uuid.UUID
    rating: int
    comment: str
    given_at: datetime

    @classmethod
    def of(
        cls,
        tenant_id: uuid.UUID,
        *,
        plan_id: uuid.UUID,
        learning_item_id: uuid.UUID,
        rating: int,
        comment: str = "",
        now: datetime,
    ) -> "Feedback":
        """Raises InvalidInput naming the rating and the comment."""
        errors: list[FieldError] = []
        if not MIN_RATING <= rating <= MAX_RATING:
            errors.append(FieldError("rating", f"Give {MIN_RATING} to {MAX_RATING}."))
        before = len(errors)
        cleaned = check_text(comment, "comment", errors)
        if len(errors) == before and len(cleaned) > COMMENT_MAX_LENGTH:
            errors.append(FieldError("comment", f"Give at most {COMMENT_MAX_LENGTH} characters."))
        if errors:
            raise InvalidInput("The feedback was not recorded.", errors)
        return cls(tenant_id, plan_id, learning_item_id, rating, cleaned, now)
