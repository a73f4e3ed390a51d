"""Workflow automation: a definition of whom a workflow is for, what triggers it and which steps
it runs, and the pure decisions the worker executes: which schedule periods are due, who a
firing opens assessments for, and where each person's loop goes after an assessment or a plan.

A workflow runs a loop per person: open an assessment (notifying and reminding the raters),
wait for it to be finalised, generate a plan, re-assess after the plan, and then either restart
(a plan from the re-assessment, and so on) or end. It ends for a person as soon as they meet
their role's requirements.
"""

import calendar
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.assessments import RaterType
from app.domain.cron import Cron
from app.domain.errors import FieldError, InvalidInput, InvalidTransition
from app.domain.events import DomainEvent, EventType
from app.domain.ids import new_id
from app.domain.values import check_key, check_name
from app.domain.views import GroupBy, Grouping

DEFAULT_DUE_IN_DAYS = 14
DEFAULT_GRACE_DAYS = 7
CATCH_UP_WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=400))


class TargetKind(StrEnum):
    EVERYONE = "everyone"
    COHORT = "cohort"
    ORG_UNIT = "org_unit"
    ROLE = "role"


class StepType(StrEnum):
    OPEN_ASSESSMENT = "open_assessment"
    NOTIFY = "notify"
    WAIT = "wait"
    GENERATE_PLAN = "generate_plan"
    SCHEDULE_REASSESSMENT = "schedule_reassessment"
    RESTART = "restart"
    END = "end"


class Recipient(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"


class WorkflowStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class Unit(StrEnum):
    DAYS = "days"
    MONTHS = "months"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    ids: tuple[uuid.UUID, ...] = ()

    def grouping(self) -> Grouping:
        by = {
            TargetKind.EVERYONE: GroupBy.TENANT,
            TargetKind.COHORT: GroupBy.COHORT,
            TargetKind.ORG_UNIT: GroupBy.ORG_UNIT,
            TargetKind.ROLE: GroupBy.ROLE,
        }[self.kind]
        return Grouping(by, self.ids)


@dataclass(frozen=True)
class ScheduleTrigger:
    """Fires at the times a cron expression names, or every N days or months from `starts_at`,
    in wall-clock time of `timezone`, between `starts_at` and `ends_at`."""

    timezone: str
    cron: Cron | None = None
    every: int | None = None
    unit: Unit | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing strictly after `moment`, or None when the schedule has ended."""
        if self.starts_at is not None and moment < self.starts_at:
            moment = self.starts_at - timedelta(microseconds=1)
        if self.cron is not None:
            found = self.cron.next_after(moment, self.zone)
        else:
            found = self._next_interval(moment)
        if found is None or (self.ends_at is not None and found > self.ends_at):
            return None
        return found

    def latest_due(self, now: datetime, not_before: datetime) -> datetime | None:
        """The most recent firing in (not_before, now], looking back at most 400 days, if
        any. Missed periods are not fired one by one: a worker back after a month's outage
        opens one cycle, not four weekly ones."""
        for window in CATCH_UP_WINDOWS:
            start = max(not_before, now - window)
            found = self.next_after(start)
            if found is None or found > now:
                if start == not_before:
                    return None
                continue
            latest = found
            while (following := self.next_after(latest)) is not None and following <= now:
                latest = following
            return latest
        return None

    def _next_interval(self, moment: datetime) -> datetime | None:
        assert self.every is not None and self.starts_at is not None
        anchor = self.starts_at.astimezone(self.zone)
        local = moment.astimezone(self.zone)
        if self.unit is Unit.DAYS:
            elapsed = (local.date() - anchor.date()).days
            count = max(elapsed // self.every - 1, 0)
        else:
            elapsed = (local.year - anchor.year) * 12 + local.month - anchor.month
            count = max(elapsed // self.every - 1, 0)
        while True:
            candidate = self._nth(anchor, count)
            if candidate > moment:
                return candidate
            count += 1

    def _nth(self, anchor: datetime, count: int) -> datetime:
        assert self.every is not None
        if self.unit is Unit.DAYS:
            day = anchor.date() + timedelta(days=count * self.every)
        else:
            months = anchor.month - 1 + count * self.every
            year, month = anchor.year + months // 12, months % 12 + 1
            day = date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))
        return datetime.combine(day, anchor.time(), tzinfo=self.zone).astimezone(UTC)


@dataclass(frozen=True)
class EventTrigger:
    event: EventType


Trigger = ScheduleTrigger | EventTrigger


@dataclass(frozen=True)
class OpenAssessment:
    id: str
    rater_types: tuple[RaterType, ...] = (RaterType.SELF, RaterType.MANAGER)
    due_in_days: int = DEFAULT_DUE_IN_DAYS
    grace_days: int = DEFAULT_GRACE_DAYS
    """Days past the due date before an unfinished assessment expires: time for escalation."""


@dataclass(frozen=True)
class Notify:
    """Tell the raters of an assessment: the employee when it opens, the manager when it is
    theirs to rate, custom addresses when it opens; remind whoever it waits on every N days,
    and tell the manager's manager once it is M days overdue."""

    id: str
    about: str
    recipients: tuple[Recipient, ...] = (Recipient.EMPLOYEE, Recipient.MANAGER)
    addresses: tuple[str, ...] = ()
    remind_every_days: int | None = None
    escalate_after_days: int | None = None


@dataclass(frozen=True)
class Wait:
    id: str
    for_step: str


@dataclass(frozen=True)
class GeneratePlan:
    id: str


@dataclass(frozen=True)
class ScheduleReassessment:
    id: str
    after_days: int | None = None
    """Days after the plan completes that the re-assessment is due (the tenant's plan policy
    when not given); it opens `due_in_days` of its assessment step before that."""


@dataclass(frozen=True)
class Restart:
    id: str
    until_requirements_met: bool = False
    """Documents the exit: the loop ends for a person once they meet the requirements (with
    no gap left there is nothing to plan), whether or not this is said."""
    max_rounds: int | None = None
    """The most assessments a person's loop runs, the first one included."""


@dataclass(frozen=True)
class End:
    id: str


Step = OpenAssessment | Notify | Wait | GeneratePlan | ScheduleReassessment | Restart | End


@dataclass(frozen=True)
class Definition:
    target: Target
    triggers: tuple[Trigger, ...]
    steps: tuple[Step, ...]

    @property
    def assessment_step(self) -> OpenAssessment:
        return next(s for s in self.steps if isinstance(s, OpenAssessment))

    @property
    def notify_steps(self) -> tuple[Notify, ...]:
        return tuple(s for s in self.steps if isinstance(s, Notify))

    @property
    def schedules(self) -> tuple[tuple[int, ScheduleTrigger], ...]:
        return tuple((i, t) for i, t in enumerate(self.triggers) if isinstance(t, ScheduleTrigger))

    def reacts_to(self, event: EventType) -> bool:
        return any(isinstance(t, EventTrigger) and t.event is event for t in self.triggers)

    def _step(self, kind: type) -> Any:
        return next((s for s in self.steps if isinstance(s, kind)), None)

    def plans_after(self, round_number: int) -> bool:
        """Whether the assessment of this round, once finalised with gaps left, gets a plan.
        Round 1 is the assessment the workflow opened; each re-assessment starts the next."""
        if self._step(GeneratePlan) is None:
            return False
        if round_number == 1:
            return True
        restart: Restart | None = self._step(Restart)
        if restart is None:
            return False
        return restart.max_rounds is None or round_number < restart.max_rounds

    def reassessment(self) -> ScheduleReassessment | None:
        return self._step(ScheduleReassessment)


@dataclass(frozen=True)
class Workflow:
    id: uuid.UUID
    tenant_id: uuid.UUID
    key: str
    name: str
    definition: Definition
    status: WorkflowStatus
    active_since: datetime
    """Schedule periods before this are never fired: not before the workflow was defined, and
    not the ones missed while it was paused."""
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def identity_problems(key: str, name: str) -> list[FieldError]:
        errors: list[FieldError] = []
        check_key(key, "key", errors)
        check_name(name, "name", errors)
        return errors

    @classmethod
    def create(
        cls, tenant_id: uuid.UUID, *, key: str, name: str, definition: Definition, now: datetime
    ) -> "Workflow":
        errors: list[FieldError] = []
        key = check_key(key, "key", errors)
        name = check_name(name, "name", errors)
        if errors:
            raise InvalidInput("The workflow is not valid.", errors)
        return cls(
            id=new_id(),
            tenant_id=tenant_id,
            key=key,
            name=name,
            definition=definition,
            status=WorkflowStatus.ACTIVE,
            active_since=now,
            version=1,
            created_at=now,
            updated_at=now,
        )

    def redefined(self, *, name: str, definition: Definition, now: datetime) -> "Workflow":
        errors: list[FieldError] = []
        name = check_name(name, "name", errors)
        if errors:
            raise InvalidInput("The workflow is not valid.", errors)
        return replace(
            self,
            name=name,
            definition=definition,
            active_since=now,
            version=self.version + 1,
            updated_at=now,
        )

    def paused(self, now: datetime) -> "Workflow":
        if self.status is WorkflowStatus.PAUSED:
            raise InvalidTransition("The workflow is already paused.")
        return replace(self, status=WorkflowStatus.PAUSED, version=self.version + 1, updated_at=now)

    def resumed(self, now: datetime) -> "Workflow":
        if self.status is WorkflowStatus.ACTIVE:
            raise InvalidTransition("The workflow is already active.")
        return replace(
            self,
            status=WorkflowStatus.ACTIVE,
            active_since=now,
            version=self.version + 1,
            updated_at=now,
        )

    def due_firings(self, now: datetime, last_fired: Mapping[int, datetime]) -> list["Firing"]:
        """The schedule periods to fire now: per schedule trigger, its latest firing since
        the workflow became active and since the period last fired, if any."""
        if self.status is not WorkflowStatus.ACTIVE:
            return []
        due = []
        for index, trigger in self.definition.schedules:
            since = max(self.active_since, last_fired.get(index, self.active_since))
            period = trigger.latest_due(now, since)
            if period is not None:
                due.append(Firing(self.id, f"schedule:{index}", period.isoformat()))
        return due

    def fires_on(self, event: DomainEvent) -> bool:
        """Whether the event fires this workflow: of its tenant, about someone, of a type a
        trigger names, since the workflow became active (no backlog), and not from its own
        loop (its assessment finalised would otherwise open the next, without end)."""
        return (
            self.status is WorkflowStatus.ACTIVE
            and event.tenant_id == self.tenant_id
            and event.employee_id is not None
            and self.definition.reacts_to(event.type)
            and event.occurred_at >= self.active_since
            and event.data.get("workflow_id") != str(self.id)
        )

    def next_firings(self, after: datetime, count: int) -> list[datetime]:
        """The next `count` schedule times after `after`, across the schedule triggers."""
        found: list[datetime] = []
        for _, trigger in self.definition.schedules:
            moment = max(after, self.active_since)
            for _ in range(count):
                following = trigger.next_after(moment)
                if following is None:
                    break
                found.append(following)
                moment = following
        return sorted(set(found))[:count]


@dataclass(frozen=True)
class Firing:
    """One firing of a workflow: a schedule period, or an event. The run key is unique per
    workflow, which is what makes a firing happen once however many workers try it."""

    workflow_id: uuid.UUID
    trigger: str
    period: str

    @property
    def run_key(self) -> str:
        return f"{self.trigger}@{self.period}"


@dataclass(frozen=True)
class WorkflowRun:
    id: uuid.UUID
    tenant_id: uuid.UUID
    workflow_id: uuid.UUID
    trigger: str
    period: str
    fired_at: datetime
    opened: int = 0
    employee_id: uuid.UUID | None = None
    """The person an event firing was for; None for a schedule firing (the whole target)."""

    @classmethod
    def of(
        cls,
        tenant_id: uuid.UUID,
        firing: Firing,
        now: datetime,
        employee_id: uuid.UUID | None = None,
    ) -> "WorkflowRun":
        return cls(
            new_id(),
            tenant_id,
            firing.workflow_id,
            firing.trigger,
            firing.period,
            now,
            employee_id=employee_id,
        )


@dataclass(frozen=True)
class Opening:
    """What firings open: an assessment of each targeted person against their current role,
    due `due_in_days` after today in the workflow's first time zone."""

    run_ids: tuple[uuid.UUID, ...]
    workflow_id: uuid.UUID
    rater_types: frozenset[RaterType]
    due_date: date
    now: datetime
    per_person: bool = False
    """False: one schedule run, for everyone the target holds. True: event runs, each for
    its own person (if the target holds them)."""


def opening(
    workflow: Workflow, runs: Sequence[WorkflowRun], now: datetime, *, per_person: bool = False
) -> Opening:
    step = workflow.definition.assessment_step
    return Opening(
        run_ids=tuple(run.id for run in runs),
        workflow_id=workflow.id,
        rater_types=frozenset(step.rater_types),
        due_date=local_today(workflow, now) + timedelta(days=step.due_in_days),
        now=now,
        per_person=per_person,
    )


EARLIEST_YEAR, LATEST_YEAR = 2000, 2999


def checked_moment(moment: datetime) -> str | None:
    """Why a time cannot be a workflow's (no UTC offset, or outside the years schedules are
    computed for), or None."""
    if moment.tzinfo is None:
        return "Give the time with its UTC offset (ISO 8601)."
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        return f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}."
    return None


def workflow_zone(workflow: Workflow) -> tzinfo:
    """The workflow's time zone for dates: its first schedule's, else UTC."""
    zones = [t.zone for _, t in workflow.definition.schedules]
    return zones[0] if zones else UTC


def local_today(workflow: Workflow, now: datetime) -> date:
    return now.astimezone(workflow_zone(workflow)).date()


@dataclass(frozen=True)
class Notice:
    """One message about a workflow assessment; (assessment, kind, sequence, recipient) is
    unique, so deciding the same notices twice sends each once."""

    kind: str
    sequence: int
    recipient: str
    """employee, manager, skip_manager (the manager's manager), or an email address."""


@dataclass(frozen=True)
class AssessmentFacts:
    status: str
    opened_on: date
    due_date: date | None
    has_manager: bool
    has_skip_manager: bool
    waits_on_employee: bool
    turn_began_on: date | None = None
    """When it became the manager's turn (the self-assessment was submitted), if it has."""


def notices_due(step: Notify, facts: AssessmentFacts, today: date) -> list[Notice]:
    """The notices an unfinished workflow assessment should have had by `today`: the
    opening notice, the manager's turn, the latest reminder and the escalation. Queued with
    a unique key, so deciding them again queues nothing new."""
    notices = []
    employee_first = facts.waits_on_employee
    if Recipient.EMPLOYEE in step.recipients and employee_first:
        notices.append(Notice("assessment_opened", 0, Recipient.EMPLOYEE.value))
    notices.extend(Notice("assessment_opened", 0, address) for address in step.addresses)
    manager_turn = facts.status == "awaiting_manager"
    if Recipient.MANAGER in step.recipients and manager_turn and facts.has_manager:
        notices.append(Notice("manager_turn", 0, Recipient.MANAGER.value))
    if step.remind_every_days is not None:
        waiting_on = Recipient.EMPLOYEE if facts.status == "open" else Recipient.MANAGER
        since = facts.opened_on
        if waiting_on is Recipient.MANAGER and facts.turn_began_on is not None:
            since = facts.turn_began_on
        count = (today - since).days // step.remind_every_days
        reachable = waiting_on is Recipient.EMPLOYEE or facts.has_manager
        if count >= 1 and waiting_on in step.recipients and reachable:
            notices.append(Notice("reminder", count, waiting_on.value))
    if (
        step.escalate_after_days is not None
        and facts.due_date is not None
        and (today - facts.due_date).days >= step.escalate_after_days
        and facts.has_skip_manager
    ):
        notices.append(Notice("escalation", 0, "skip_manager"))
    return notices
