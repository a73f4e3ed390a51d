"""Goals: SMART goals aligned in a tree from the organisation through teams to people, and
their progress over time.

A goal belongs to the organisation (no owner), to a team (an org unit) or to a person (an
employee); the owner is fixed when the goal is set. `parent_id` aligns a goal under the goal it
serves, which sits at the same level or higher (organisation > team > person) and never below
the goal itself, so the tree has no cycles. A measurable goal names its KPI and carries both a
baseline and a target; progress updates record the KPI's value over time, the latest being the
goal's current value.

Lifecycle: draft -> active -> achieved, missed or cancelled (cancelled from draft too). Recording
progress on a draft activates it: work has started. A closed goal (achieved, missed,
cancelled) takes no more progress and no more changes.

`progress_share` is the reference definition of how far a goal has come.
"""

import math
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from app.domain.errors import FieldError, InvalidInput, InvalidTransition
from app.domain.ids import new_id
from app.domain.values import NAME_FORBIDDEN, UNSET, Unset, check_name, check_text

KPI_MAX_LENGTH = 200
UNIT_MAX_LENGTH = 50
NOTE_MAX_LENGTH = 2_000
MAX_CAPABILITIES = 50
MAX_DEPTH = 100
"""Goals above a goal, at most: deep enough for any organisation, and the bound below which
the alignment query sees a whole chain (so a cycle cannot hide beyond it)."""
MAX_VALUE = 1e15
"""Values beyond this are typing mistakes, and lose precision as floats anyway."""


class GoalLevel(StrEnum):
    ORGANISATION = "organisation"
    TEAM = "team"
    PERSON = "person"


class GoalStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ACHIEVED = "achieved"
    MISSED = "missed"
    CANCELLED = "cancelled"


_RANK = {GoalLevel.ORGANISATION: 0, GoalLevel.TEAM: 1, GoalLevel.PERSON: 2}
"""Higher levels rank lower: a goal's parent ranks the same as the goal or lower."""
CLOSED = (GoalStatus.ACHIEVED, GoalStatus.MISSED, GoalStatus.CANCELLED)
_MOVES = {
    GoalStatus.DRAFT: {GoalStatus.ACTIVE, GoalStatus.CANCELLED},
    GoalStatus.ACTIVE: {GoalStatus.ACHIEVED, GoalStatus.MISSED, GoalStatus.CANCELLED},
}


def level_of(employee_id: uuid.UUID | None, org_unit_id: uuid.UUID | None) -> GoalLevel:
    if employee_id is not None:
        return GoalLevel.PERSON
    if org_unit_id is not None:
        return GoalLevel.TEAM
    return GoalLevel.ORGANISATION


@dataclass(frozen=True)
class Measure:
    """What a goal is measured by: the KPI, its unit, where it started and where it should be.
    All empty for a goal judged without a number."""

    kpi: str = ""
    unit: str = ""
    baseline: float | None = None
    target: float | None = None

    def validated(self) -> "Measure":
        errors: list[FieldError] = []
        kpi = _short_text(self.kpi, "kpi", KPI_MAX_LENGTH, errors)
        unit = _short_text(self.unit, "unit", UNIT_MAX_LENGTH, errors)
        for name in ("baseline", "target"):
            _check_number(getattr(self, name), name, errors)
        if (self.baseline is None) != (self.target is None):
            missing = "target" if self.target is None else "baseline"
            errors.append(FieldError(missing, "Give both a baseline and a target, or neither."))
        elif self.target is not None:
            if self.target == self.baseline:
                errors.append(FieldError("target", "The target must differ from the baseline."))
            if not kpi:
                errors.append(FieldError("kpi", "Name what a measurable goal measures."))
        if errors:
            raise InvalidInput("The goal's measure is not valid.", errors)
        return Measure(kpi, unit, self.baseline, self.target)


def progress_share(
    baseline: float | None, target: float | None, value: float | None
) -> float | None:
    """How far `value` has come from the baseline towards the target, from 0 (at or behind
    the baseline) to 1 (at or past the target); a target below the baseline counts downwards.
    None when the goal is not measurable or has no value yet."""
    if baseline is None or target is None or value is None or target == baseline:
        return None
    share = (value - baseline) / (target - baseline)
    return min(max(share, 0.0), 1.0)


@dataclass(frozen=True)
class Parent:
    """What alignment needs to know of a prospective parent goal."""

    id: uuid.UUID
    level: GoalLevel
    ancestors: tuple[uuid.UUID, ...] = ()
    """The goals above it, nearest first."""


@dataclass(frozen=True)
class Goal:
    id: uuid.UUID
    tenant_id: uuid.UUID
    employee_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    title: str
    description: str
    measure: Measure
    current_value: float | None
    due_date: date | None
    status: GoalStatus
    capability_ids: tuple[uuid.UUID, ...]
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def level(self) -> GoalLevel:
        return level_of(self.employee_id, self.org_unit_id)

    @property
    def progress(self) -> float | None:
        return progress_share(self.measure.baseline, self.measure.target, self.current_value)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    def fields(self) -> dict[str, object]:
        """The goal flat, as the APIs show it."""
        return {
            "id": self.id,
            "level": self.level,
            "employee_id": self.employee_id,
            "org_unit_id": self.org_unit_id,
            "parent_id": self.parent_id,
            "title": self.title,
            "description": self.description,
            "kpi": self.measure.kpi,
            "unit": self.measure.unit,
            "baseline": self.measure.baseline,
            "target": self.measure.target,
            "current_value": self.current_value,
            "progress": self.progress,
            "due_date": self.due_date,
            "status": self.status,
            "capability_ids": list(self.capability_ids),
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def create(
        cls,
        tenant_id: uuid.UUID,
        *,
        employee_id: uuid.UUID | None,
        org_unit_id: uuid.UUID | None,
        parent: Parent | None,
        title: str,
        description: str = "",
        measure: Measure | None = None,
        due_date: date | None = None,
        status: GoalStatus = GoalStatus.DRAFT,
        capability_ids: Sequence[uuid.UUID] = (),
        now: datetime,
    ) -> "Goal":
        """Raises InvalidInput."""
        errors: list[FieldError] = []
        if employee_id is not None and org_unit_id is not None:
            errors.append(
                FieldError("org_unit_id", "A goal belongs to a person or a team, not both.")
            )
        if status not in (GoalStatus.DRAFT, GoalStatus.ACTIVE):
            errors.append(FieldError("status", "A new goal is a draft or active."))
        goal = cls(
            id=new_id(),
            tenant_id=tenant_id,
            employee_id=employee_id,
            org_unit_id=None if employee_id is not None else org_unit_id,
            parent_id=None if parent is None else parent.id,
            title=title,
            description=description,
            measure=measure or Measure(),
            current_value=None,
            due_date=due_date,
            status=status,
            capability_ids=tuple(capability_ids),
            version=1,
            created_at=now,
            updated_at=now,
        )
        return goal._checked(parent, errors)

    def revise(
        self,
        now: datetime,
        *,
        title: str | Unset = UNSET,
        description: str | Unset = UNSET,
        measure: Measure | Unset = UNSET,
        due_date: date | Unset | None = UNSET,
        capability_ids: Sequence[uuid.UUID] | Unset = UNSET,
        parent: Parent | Unset | None = UNSET,
        status: GoalStatus | Unset = UNSET,
    ) -> "Goal":
        """The goal with the given fields changed (the others as they are); itself when
        nothing changes. `parent` describes the new parent (None: no parent). Raises
        InvalidTransition (a closed goal, a status it cannot move to), InvalidInput."""
        revised = replace(
            self,
            title=self.title if isinstance(title, Unset) else title,
            description=self.description if isinstance(description, Unset) else description,
            measure=self.measure if isinstance(measure, Unset) else measure,
            due_date=self.due_date if isinstance(due_date, Unset) else due_date,
            capability_ids=self.capability_ids
            if isinstance(capability_ids, Unset)
            else tuple(capability_ids),
            parent_id=self.parent_id
            if isinstance(parent, Unset)
            else None
            if parent is None
            else parent.id,
            status=self.status if isinstance(status, Unset) else status,
        )
        if revised == self:
            return self
        if self.closed:
            raise InvalidTransition(f"The goal is {self.status}; it can no longer change.")
        if revised.status is not self.status and revised.status not in _MOVES[self.status]:
            raise InvalidTransition(f"A {self.status} goal cannot become {revised.status}.")
        checked = revised._checked(None if isinstance(parent, Unset) else parent, [])
        if checked == self:
            return self
        return replace(checked, version=self.version + 1, updated_at=now)

    def record_progress(
        self, value: float, note: str, recorded_by: str, now: datetime
    ) -> tuple["Goal", "GoalProgress"]:
        """The goal with `value` as its current value (a draft becomes active), and the
        update to keep. Raises InvalidTransition (a closed goal), InvalidInput."""
        if self.closed:
            raise InvalidTransition(f"The goal is {self.status}; it takes no more progress.")
        errors: list[FieldError] = []
        if not self.measure.kpi:
            errors.append(FieldError("value", "The goal has no KPI to measure; give it one."))
        _check_number(value, "value", errors)
        cleaned = _free_text(note, "note", NOTE_MAX_LENGTH, errors)
        if errors:
            raise InvalidInput("The progress update is not valid.", errors)
        update = GoalProgress(new_id(), self.tenant_id, self.id, value, cleaned, recorded_by, now)
        status = GoalStatus.ACTIVE if self.status is GoalStatus.DRAFT else self.status
        moved = replace(
            self, current_value=value, status=status, version=self.version + 1, updated_at=now
        )
        return moved, update

    def _checked(self, parent: Parent | None, errors: list[FieldError]) -> "Goal":
        title = check_name(self.title, "title", errors)
        description = _free_text(self.description, "description", None, errors)
        measure = self.measure
        try:
            measure = measure.validated()
        except InvalidInput as error:
            errors.extend(error.errors)
        if len(self.capability_ids) > MAX_CAPABILITIES:
            errors.append(FieldError("capability_ids", f"At most {MAX_CAPABILITIES}."))
        seen: set[uuid.UUID] = set()
        for index, capability in enumerate(self.capability_ids):
            if capability in seen:
                errors.append(FieldError(f"capability_ids.{index}", "Listed twice."))
            seen.add(capability)
        if parent is not None:
            errors.extend(alignment_problems(self.id, self.level, parent))
        if errors:
            raise InvalidInput("The goal is not valid.", errors)
        return replace(self, title=title, description=description, measure=measure)


def alignment_problems(goal_id: uuid.UUID, level: GoalLevel, parent: Parent) -> list[FieldError]:
    """Why a goal at `level` cannot sit under `parent`: a parent below the goal's level, or
    the goal itself or one of its descendants (a cycle), a chain too deep."""
    if goal_id == parent.id or goal_id in parent.ancestors:
        return [FieldError("parent_id", "A goal cannot be aligned under itself.")]
    if len(parent.ancestors) >= MAX_DEPTH:
        return [FieldError("parent_id", f"Goals align at most {MAX_DEPTH} deep.")]
    if _RANK[parent.level] > _RANK[level]:
        return [
            FieldError(
                "parent_id", f"A {level.value} goal aligns under a goal at its level or above."
            )
        ]
    return []


def alignment(goals: Mapping[uuid.UUID, "Goal"], goal_id: uuid.UUID) -> list[uuid.UUID]:
    """The goals above `goal_id`, nearest first, following parent links through `goals` (a
    link to a goal not there ends the chain): the reference for the alignment query."""
    chain: list[uuid.UUID] = []
    seen = {goal_id}
    current = goals.get(goal_id)
    while current is not None and current.parent_id is not None:
        if current.parent_id in seen or current.parent_id not in goals:
            break
        chain.append(current.parent_id)
        seen.add(current.parent_id)
        current = goals[current.parent_id]
    return chain


@dataclass(frozen=True)
class GoalProgress:
    """One progress update: the KPI's value at a moment, and what the person said about it."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    goal_id: uuid.UUID
    value: float
    note: str
    recorded_by: str
    """The credential that recorded it (`api_key:<id>`, or the token's subject)."""
    recorded_at: datetime


@dataclass(frozen=True)
class GoalFilter:
    employee_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    level: GoalLevel | None = None
    status: GoalStatus | None = None
    people_visible_to: uuid.UUID | None = None
    """Of personal goals, only this person's and, when `managing`, those of people below them
    (organisation and team goals are everyone's to see)."""
    managing: bool = False
    no_personal: bool = False
    """Leave personal goals out (a credential that speaks for nobody sees no one's)."""


def unknown_capabilities(
    capability_ids: Sequence[uuid.UUID], known: Collection[uuid.UUID]
) -> list[FieldError]:
    return [
        FieldError(f"capability_ids.{index}", "No capability has this id.")
        for index, capability in enumerate(capability_ids)
        if capability not in known
    ]


def _check_number(value: float | None, field: str, errors: list[FieldError]) -> None:
    if value is not None and (not math.isfinite(value) or abs(value) > MAX_VALUE):
        errors.append(FieldError(field, f"Give a number between -{MAX_VALUE:g} and {MAX_VALUE:g}."))


def _short_text(value: str, field: str, limit: int, errors: list[FieldError]) -> str:
    cleaned = value.strip()
    if len(cleaned) > limit:
        errors.append(FieldError(field, f"Give at most {limit} characters."))
    elif NAME_FORBIDDEN.search(cleaned):
        errors.append(FieldError(field, "Control characters are not allowed."))
    return cleaned


def _free_text(value: str, field: str, limit: int | None, errors: list[FieldError]) -> str:
    before = len(errors)
    cleaned = check_text(value, field, errors)
    if limit is not None and len(errors) == before and len(cleaned) > limit:
        errors.append(FieldError(field, f"Give at most {limit} characters."))
    return cleaned
