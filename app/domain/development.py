"""Development plans as they are run: generated from an assessment, then worked through.

Plan lifecycle: draft -> active -> completed, or cancelled from draft or active. A plan is
completed when its last item is completed or waived; completing schedules the re-assessment
that closes the loop. An employee has at most one open (draft or active) plan: a newer
assessment replaces a draft nobody started, never an active plan.

Item lifecycle: assigned -> in_progress -> completed, or waived (by a lead) before completed.
Reporting progress on a draft plan activates it: the person has started. A completion may
carry the id the reporting system gave it; the same id reported again changes nothing.

Training needs analysis (`training_needs`) is the reference definition; the SQL that computes
it for a group must agree (a property test holds them together).
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.errors import Conflict, FieldError, InvalidInput, InvalidTransition, NotFound
from app.domain.gaps import CapabilityGap, GapStatus
from app.domain.ids import new_id
from app.domain.plans import Budget, OpenGap, PlanProposal, Reason
from app.domain.values import check_reference

MAX_DAYS = 3_650


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_PLAN = (PlanStatus.DRAFT, PlanStatus.ACTIVE)


class ItemStatus(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WAIVED = "waived"


DONE = (ItemStatus.COMPLETED, ItemStatus.WAIVED)


@dataclass(frozen=True)
class PlanPolicy:
    """A tenant's settings for plans."""

    generate_on_finalise: bool = True
    """Generate a plan when an assessment is finalised."""
    start_active: bool = False
    """Generated plans start active instead of as drafts for the manager to review."""
    due_in_days: int = 90
    reassess_after_days: int = 14
    """The re-assessment is due this many days after the plan is completed."""
    budget: Budget = field(default_factory=Budget)

    def problems(self) -> list[FieldError]:
        errors = []
        for name in ("due_in_days", "reassess_after_days"):
            if not 1 <= getattr(self, name) <= MAX_DAYS:
                errors.append(FieldError(name, f"Give 1 to {MAX_DAYS} days."))
        return errors + budget_problems(self.budget)


def budget_problems(budget: Budget, path: str = "budget") -> list[FieldError]:
    errors = []
    if budget.minutes is not None and budget.minutes < 0:
        errors.append(FieldError(f"{path}.minutes", "Give 0 or more."))
    if budget.cost is not None and budget.cost < 0:
        errors.append(FieldError(f"{path}.cost", "Give 0 or more."))
    return errors


@dataclass(frozen=True)
class PlanItem:
    learning_item_id: uuid.UUID
    reason: Reason
    capability_ids: tuple[uuid.UUID, ...]
    status: ItemStatus = ItemStatus.ASSIGNED
    due_date: date | None = None
    completed_at: datetime | None = None
    completion_id: str | None = None
    """The id the reporting system (an LMS, an xAPI statement) gave the completion."""


@dataclass(frozen=True)
class Plan:
    id: uuid.UUID
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    role_id: uuid.UUID
    assessment_id: uuid.UUID
    """The assessment whose gaps the plan closes."""
    status: PlanStatus
    items: tuple[PlanItem, ...]
    open_gaps: tuple[OpenGap, ...]
    """Gaps the plan leaves open, and why (content missing, or the budget)."""
    minutes: int
    cost: float
    due_date: date
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    reassessment_id: uuid.UUID | None = None
    """The re-assessment scheduled when the plan was completed."""

    @classmethod
    def generate(
        cls,
        tenant_id: uuid.UUID,
        *,
        employee_id: uuid.UUID,
        role_id: uuid.UUID,
        assessment_id: uuid.UUID,
        proposal: PlanProposal,
        policy: PlanPolicy,
        now: datetime,
    ) -> "Plan":
        due = now.date() + timedelta(days=policy.due_in_days)
        return cls(
            id=new_id(),
            tenant_id=tenant_id,
            employee_id=employee_id,
            role_id=role_id,
            assessment_id=assessment_id,
            status=PlanStatus.ACTIVE if policy.start_active else PlanStatus.DRAFT,
            items=tuple(
                PlanItem(c.offer_id, c.reason, c.capability_ids, due_date=due)
                for c in proposal.choices
            ),
            open_gaps=proposal.open_gaps,
            minutes=proposal.minutes,
            cost=proposal.cost,
            due_date=due,
            version=1,
            created_at=now,
            updated_at=now,
        )

    @property
    def progress(self) -> int:
        """Percent of the items not waived that are completed (100 when all are waived)."""
        counted = [i for i in self.items if i.status is not ItemStatus.WAIVED]
        if not counted:
            return 100
        return 100 * sum(i.status is ItemStatus.COMPLETED for i in counted) // len(counted)

    def activate(self, now: datetime) -> "Plan":
        if self.status is not PlanStatus.DRAFT:
            raise InvalidTransition(f"A {self.status} plan cannot be activated.")
        return self._changed(now, status=PlanStatus.ACTIVE)

    def cancel(self, now: datetime) -> "Plan":
        if self.status not in OPEN_PLAN:
            raise InvalidTransition(f"A {self.status} plan cannot be cancelled.")
        return self._changed(now, status=PlanStatus.CANCELLED, closed_at=now)

    def reschedule(self, due_date: date, now: datetime) -> "Plan":
        self._require_open()
        return self._changed(now, due_date=due_date)

    def update_item(
        self,
        learning_item_id: uuid.UUID,
        now: datetime,
        *,
        status: ItemStatus | None = None,
        due_date: date | None = None,
        completion_id: str | None = None,
        completed_at: datetime | None = None,
    ) -> "Plan":
        """The plan with one item moved on (and the plan completed when it was the last).
        Moving an item to the status it has changes nothing, so reports can be repeated.
        Raises NotFound (no such item), InvalidInput (a blank or bad completion id),
        InvalidTransition,
        Conflict (a completion id that contradicts the one recorded)."""
        self._require_open()
        index = self._index(learning_item_id)
        item = self.items[index]
        if completion_id is not None:
            completion_id = _check_completion_id(completion_id)
        if status is not None and status is not item.status:
            item = _moved(item, status, completion_id, completed_at or now)
        elif status is ItemStatus.COMPLETED and completion_id is not None:
            if item.completion_id is None:
                item = replace(item, completion_id=completion_id)
            elif item.completion_id != completion_id:
                raise Conflict(
                    f"The item was completed under completion id {item.completion_id}, "
                    f"not {completion_id}."
                )
        if due_date is not None:
            item = replace(item, due_date=due_date)
        if item == self.items[index]:
            return self
        items = (*self.items[:index], item, *self.items[index + 1 :])
        if all(i.status in DONE for i in items):
            return self._changed(now, items=items, status=PlanStatus.COMPLETED, closed_at=now)
        started = self.status is PlanStatus.DRAFT and item.status is not self.items[index].status
        return self._changed(now, items=items, status=PlanStatus.ACTIVE if started else self.status)

    def scheduled_reassessment(self, reassessment_id: uuid.UUID) -> "Plan":
        return replace(self, reassessment_id=reassessment_id)

    def _index(self, learning_item_id: uuid.UUID) -> int:
        for index, item in enumerate(self.items):
            if item.learning_item_id == learning_item_id:
                return index
        raise NotFound("Plan item", learning_item_id)

    def _require_open(self) -> None:
        if self.status not in OPEN_PLAN:
            raise InvalidTransition(f"The plan is {self.status}; it can no longer change.")

    def _changed(self, now: datetime, **changes: object) -> "Plan":
        return replace(self, version=self.version + 1, updated_at=now, **changes)


def _moved(item: PlanItem, status: ItemStatus, completion_id: str | None, at: datetime) -> PlanItem:
    allowed = {
        ItemStatus.ASSIGNED: {ItemStatus.IN_PROGRESS, ItemStatus.COMPLETED, ItemStatus.WAIVED},
        ItemStatus.IN_PROGRESS: {ItemStatus.COMPLETED, ItemStatus.WAIVED, ItemStatus.ASSIGNED},
        ItemStatus.WAIVED: {ItemStatus.ASSIGNED},
        ItemStatus.COMPLETED: set(),
    }
    if status not in allowed[item.status]:
        raise InvalidTransition(f"A {item.status} item cannot become {status}.")
    if status is ItemStatus.COMPLETED:
        return replace(item, status=status, completed_at=at, completion_id=completion_id)
    return replace(item, status=status)


def _check_completion_id(value: str) -> str:
    errors: list[FieldError] = []
    checked = check_reference(value, "completion_id", errors)
    if not checked:
        errors.append(FieldError("completion_id", "Give the completion's id."))
    if errors:
        raise InvalidInput("The completion id is not valid.", errors)
    return checked


class Outcome(StrEnum):
    """What generating a plan did for one employee."""

    CREATED = "created"
    NOT_ASSESSED = "not_assessed"
    """No finalised assessment to start from."""
    NO_GAPS = "no_gaps"
    NO_CONTENT = "no_content"
    """Gaps, but nothing in the catalogue (within the budget) moves them: see open_gaps."""
    HAS_ACTIVE_PLAN = "has_active_plan"
    UP_TO_DATE = "up_to_date"
    """The latest assessment has its plan already (open or completed)."""
    NOT_FOUND = "not_found"
    """No active employee the caller may plan for has this id."""


@dataclass(frozen=True)
class Candidate:
    """What generation knows of one employee: their latest finalised assessment and open
    plan, if any."""

    employee_id: uuid.UUID
    assessment_id: uuid.UUID | None = None
    role_id: uuid.UUID | None = None
    open_plan: Plan | None = None
    planned: bool = False
    """A plan that was not cancelled came from that assessment already."""


def outcome_before_proposal(candidate: Candidate) -> Outcome | None:
    """Why no plan is proposed for the candidate, or None to go on and propose one. One
    assessment gives one plan: after it is completed, the next comes from the re-assessment."""
    if candidate.assessment_id is None or candidate.role_id is None:
        return Outcome.NOT_ASSESSED
    if candidate.planned:
        return Outcome.UP_TO_DATE
    plan = candidate.open_plan
    if plan is not None and plan.status is PlanStatus.ACTIVE:
        return Outcome.HAS_ACTIVE_PLAN
    return None


def outcome_of(gaps: Sequence[CapabilityGap], proposal: PlanProposal) -> Outcome:
    if proposal.choices:
        return Outcome.CREATED
    if any(g.status is GapStatus.BELOW for g in gaps):
        return Outcome.NO_CONTENT
    return Outcome.NO_GAPS


@dataclass(frozen=True)
class Need:
    """Training demand for one capability in one group of people."""

    capability_id: uuid.UUID
    people_below: int
    """Assessed members below the required level."""
    levels_short: int
    """Sum over them of required - current: the demand."""
    weighted_demand: float
    """The same, each gap times the requirement's weight."""
    people_uncovered: int
    """Of those below, people the catalogue cannot take all the way: content to buy or build."""
    levels_uncovered: int
    """Levels the catalogue cannot teach, summed over people."""
    unassessed: int
    """Members whose role requires the capability but who have no level yet."""


@dataclass(frozen=True)
class NeedInput:
    capability_id: uuid.UUID
    required_level: int
    weight: float
    current_level: int | None


def training_needs(
    needs: Iterable[NeedInput], reach: Mapping[tuple[uuid.UUID, int], int]
) -> dict[uuid.UUID, Need]:
    """Per capability required in the group: demand, and what the catalogue cannot cover.
    `needs`: one per member and required capability; `reach` as from `catalogue_reach`."""
    found: dict[uuid.UUID, Need] = {}
    for need in needs:
        capability = need.capability_id
        total = found.get(capability) or Need(capability, 0, 0, 0.0, 0, 0, 0)
        level = need.current_level
        if level is None:
            total = replace(total, unassessed=total.unassessed + 1)
        elif level < need.required_level:
            short = need.required_level - level
            reached = min(max(reach.get((capability, level), level), level), need.required_level)
            uncovered = need.required_level - reached
            total = replace(
                total,
                people_below=total.people_below + 1,
                levels_short=total.levels_short + short,
                weighted_demand=total.weighted_demand + short * need.weight,
                people_uncovered=total.people_uncovered + (uncovered > 0),
                levels_uncovered=total.levels_uncovered + uncovered,
            )
        found[capability] = total
    return found


def sorted_by_demand(needs: Iterable[Need]) -> list[Need]:
    return sorted(needs, key=lambda n: (-n.weighted_demand, -n.levels_short, str(n.capability_id)))
