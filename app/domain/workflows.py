"""Workflow automation: a definition of whom a workflow is for, what triggers it and which steps
it runs, and the pure decisions the worker executes: which schedule periods are due, who a
firing opens assessments for, and where each person's loop goes after an assessment or a plan.

A workflow runs a loop per person: open an assessment (notifying and reminding the raters),
wait for it to be finalised, generate a plan, re-assess after the plan, and then either restart
(a plan from the re-assessment, and so on) or end. It ends for a person as soon as they meet
their role's requirements.
"""

import calendar
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.assessments import RaterType
from app.domain.cron import Cron, CronError
from app.domain.errors import FieldError, InvalidInput, InvalidTransition
from app.domain.events import DomainEvent, EventType
from app.domain.ids import new_id
from app.domain.values import check_key, check_name
from app.domain.views import GroupBy, Grouping

MAX_TRIGGERS = 10
MAX_STEPS = 30
MAX_RECIPIENTS = 20
MAX_DAYS = 366
MAX_EVERY = 120
DEFAULT_DUE_IN_DAYS = 14
DEFAULT_GRACE_DAYS = 7
EARLIEST_YEAR, LATEST_YEAR = 2000, 2999
CATCH_UP_WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=400))
EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]{1,255}\.[^@\s\x00-\x1f]{1,63}$")


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
    until_requirements_met: bool = True
    max_rounds: int | None = None


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
        return restart.max_rounds is None or round_number <= restart.max_rounds

    def reassessment(self) -> ScheduleReassessment | None:
        return self._step(ScheduleReassessment)

    def to_document(self) -> dict[str, Any]:
        return {
            "target": {"kind": self.target.kind.value, "ids": [str(i) for i in self.target.ids]},
            "triggers": [_trigger_document(t) for t in self.triggers],
            "steps": [_step_document(s) for s in self.steps],
        }


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
        trigger names, and since the workflow became active (no backlog)."""
        return (
            self.status is WorkflowStatus.ACTIVE
            and event.tenant_id == self.tenant_id
            and event.employee_id is not None
            and self.definition.reacts_to(event.type)
            and event.occurred_at >= self.active_since
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
    opening notice, the manager's turn, the latest reminder and the escalation. The SQL that
    queues them for thousands of assessments at once is held to this."""
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


# --- parsing and validation ---------------------------------------------------------------


def parse_definition(document: Mapping[str, Any]) -> Definition:
    """A definition from its JSON document. Raises InvalidInput listing every problem with
    its path: unknown fields and values, bad cron expressions and time zones, steps out of
    order or naming steps that do not exist, and a loop without an exit."""
    if not isinstance(document, Mapping):
        raise InvalidInput(
            "The workflow definition is not valid.", [FieldError("", "Must be an object.")]
        )
    errors: list[FieldError] = []
    reader = _Reader(errors)
    doc = reader.mapping(document, "", {"target", "triggers", "steps"})
    target = _target(reader, doc.get("target"), "target")
    triggers = tuple(
        trigger
        for index, raw in enumerate(reader.items(doc.get("triggers"), "triggers", MAX_TRIGGERS))
        if (trigger := _trigger(reader, raw, f"triggers.{index}")) is not None
    )
    steps = tuple(
        step
        for index, raw in enumerate(reader.items(doc.get("steps"), "steps", MAX_STEPS))
        if (step := _step(reader, raw, f"steps.{index}")) is not None
    )
    if not errors:
        _check_flow(steps, errors)
    if errors:
        raise InvalidInput("The workflow definition is not valid.", errors)
    return Definition(target=target, triggers=triggers, steps=steps)


@dataclass
class _Reader:
    errors: list[FieldError]
    _missing: object = field(default_factory=object)

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def mapping(self, raw: Any, path: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            self.fail(path or "body", "Must be an object.")
            return {}
        for name in raw:
            if name not in allowed:
                self.fail(_join(path, str(name)), "Unknown field.")
        return dict(raw)

    def items(self, raw: Any, path: str, most: int) -> list[Any]:
        if not isinstance(raw, list) or not raw:
            self.fail(path, "Give at least one.")
            return []
        if len(raw) > most:
            self.fail(path, f"At most {most}.")
            return []
        return raw

    def integer(self, raw: Any, path: str, low: int, high: int, default: Any = None) -> Any:
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            self.fail(path, f"Give a whole number from {low} to {high}.")
            return default
        return raw

    def choice(self, raw: Any, path: str, kind: type[StrEnum]) -> Any:
        try:
            return kind(raw)
        except ValueError:
            self.fail(path, f"Give one of: {', '.join(kind)}.")
            return None

    def text(self, raw: Any, path: str) -> str | None:
        if not isinstance(raw, str) or not raw.strip():
            self.fail(path, "Give a non-empty string.")
            return None
        return raw.strip()

    def listed(self, doc: Mapping[str, Any], name: str, path: str, default: list[str]) -> list[Any]:
        """The field's list, or the default when it is missing or null (an empty list stays
        empty: it says "none")."""
        value = doc.get(name)
        if value is None:
            return default
        if not isinstance(value, list):
            self.fail(f"{path}.{name}", "Must be a list.")
            return []
        return value

    def moment(self, raw: Any, path: str) -> datetime | None:
        if raw is None:
            return None
        try:
            parsed = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
        except ValueError:
            parsed = None
        if not isinstance(parsed, datetime) or parsed.tzinfo is None:
            self.fail(path, "Give a date-time with a UTC offset (ISO 8601).")
            return None
        if not LATEST_YEAR >= parsed.year >= EARLIEST_YEAR:
            self.fail(path, f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}.")
            return None
        return parsed.astimezone(UTC)


def _target(reader: _Reader, raw: Any, path: str) -> Target:
    if raw is None:
        reader.fail(path, "Say whom the workflow is for.")
        return Target(TargetKind.EVERYONE)
    doc = reader.mapping(raw, path, {"kind", "ids"})
    kind = reader.choice(doc.get("kind"), f"{path}.kind", TargetKind)
    ids: list[uuid.UUID] = []
    raw_ids = doc.get("ids") or []
    if not isinstance(raw_ids, list):
        reader.fail(f"{path}.ids", "Must be a list of ids.")
        raw_ids = []
    for index, value in enumerate(raw_ids):
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            reader.fail(f"{path}.ids.{index}", "Not an id.")
    if kind is TargetKind.EVERYONE and raw_ids:
        reader.fail(f"{path}.ids", "Everyone takes no ids.")
    elif kind not in (None, TargetKind.EVERYONE) and not raw_ids:
        reader.fail(f"{path}.ids", f"Name at least one {kind.replace('_', ' ')}.")
    if len(set(ids)) != len(ids):
        reader.fail(f"{path}.ids", "An id is named twice.")
    return Target(kind or TargetKind.EVERYONE, tuple(ids))


def _trigger(reader: _Reader, raw: Any, path: str) -> Trigger | None:
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind == "event":
        doc = reader.mapping(raw, path, {"type", "event"})
        event = reader.choice(doc.get("event"), f"{path}.event", EventType)
        return None if event is None else EventTrigger(event)
    if kind != "schedule":
        reader.fail(f"{path}.type", "Give one of: schedule, event.")
        return None
    doc = reader.mapping(
        raw, path, {"type", "cron", "every", "unit", "timezone", "starts_at", "ends_at"}
    )
    zone_name = doc.get("timezone", "UTC")
    try:
        ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        reader.fail(f"{path}.timezone", "Not an IANA time zone (e.g. Europe/London).")
        zone_name = None
    starts_at = reader.moment(doc.get("starts_at"), f"{path}.starts_at")
    ends_at = reader.moment(doc.get("ends_at"), f"{path}.ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        reader.fail(f"{path}.ends_at", "Must be after starts_at.")
    cron = None
    every = unit = None
    if ("cron" in doc) == ("every" in doc):
        reader.fail(path, "Give either cron, or every with a unit.")
    elif "cron" in doc:
        if "unit" in doc:
            reader.fail(f"{path}.unit", "Only with every.")
        try:
            cron = Cron.parse(str(doc["cron"]))
        except CronError as error:
            reader.fail(f"{path}.cron", str(error))
    else:
        every = reader.integer(doc.get("every"), f"{path}.every", 1, MAX_EVERY)
        unit = reader.choice(doc.get("unit"), f"{path}.unit", Unit)
        if starts_at is None:
            reader.fail(f"{path}.starts_at", "An interval counts from starts_at: give it.")
    if zone_name is None:
        return None
    return ScheduleTrigger(zone_name, cron, every, unit, starts_at, ends_at)


_STEP_FIELDS = {
    StepType.OPEN_ASSESSMENT: {"rater_types", "due_in_days", "grace_days"},
    StepType.NOTIFY: {
        "about",
        "recipients",
        "addresses",
        "remind_every_days",
        "escalate_after_days",
    },
    StepType.WAIT: {"for"},
    StepType.GENERATE_PLAN: set(),
    StepType.SCHEDULE_REASSESSMENT: {"after_days"},
    StepType.RESTART: {"until", "max_rounds"},
    StepType.END: set(),
}


def _step(reader: _Reader, raw: Any, path: str) -> Step | None:
    kind = reader.choice(
        raw.get("type") if isinstance(raw, Mapping) else None, f"{path}.type", StepType
    )
    if kind is None:
        return None
    doc = reader.mapping(raw, path, {"id", "type"} | _STEP_FIELDS[kind])
    step_id = reader.text(doc.get("id"), f"{path}.id") or ""
    if kind is StepType.OPEN_ASSESSMENT:
        rater_types = []
        given = reader.listed(doc, "rater_types", path, ["self", "manager"])
        if doc.get("rater_types") == []:
            reader.fail(f"{path}.rater_types", "Name at least one: self, manager.")
        for index, value in enumerate(given):
            rater = reader.choice(value, f"{path}.rater_types.{index}", RaterType)
            if rater in (RaterType.PEER, RaterType.SME):
                reader.fail(
                    f"{path}.rater_types.{index}",
                    "A workflow invites self and manager; add peers to each assessment.",
                )
            elif rater is not None:
                rater_types.append(rater)
        return OpenAssessment(
            step_id,
            tuple(dict.fromkeys(rater_types)),
            reader.integer(
                doc.get("due_in_days"), f"{path}.due_in_days", 1, MAX_DAYS, DEFAULT_DUE_IN_DAYS
            ),
            reader.integer(
                doc.get("grace_days"), f"{path}.grace_days", 0, MAX_DAYS, DEFAULT_GRACE_DAYS
            ),
        )
    if kind is StepType.NOTIFY:
        recipients = [
            reader.choice(value, f"{path}.recipients.{index}", Recipient)
            for index, value in enumerate(
                reader.listed(doc, "recipients", path, ["employee", "manager"])
            )
        ]
        addresses = reader.listed(doc, "addresses", path, [])
        if len(addresses) > MAX_RECIPIENTS:
            reader.fail(f"{path}.addresses", f"At most {MAX_RECIPIENTS}.")
            addresses = []
        for index, address in enumerate(addresses):
            if not isinstance(address, str) or not EMAIL.match(address):
                reader.fail(f"{path}.addresses.{index}", "Not an email address.")
        return Notify(
            step_id,
            reader.text(doc.get("about"), f"{path}.about") or "",
            tuple(dict.fromkeys(r for r in recipients if r is not None)),
            tuple(dict.fromkeys(a.lower() for a in addresses if isinstance(a, str))),
            reader.integer(doc.get("remind_every_days"), f"{path}.remind_every_days", 1, MAX_DAYS),
            reader.integer(
                doc.get("escalate_after_days"), f"{path}.escalate_after_days", 0, MAX_DAYS
            ),
        )
    if kind is StepType.WAIT:
        return Wait(step_id, reader.text(doc.get("for"), f"{path}.for") or "")
    if kind is StepType.GENERATE_PLAN:
        return GeneratePlan(step_id)
    if kind is StepType.SCHEDULE_REASSESSMENT:
        return ScheduleReassessment(
            step_id, reader.integer(doc.get("after_days"), f"{path}.after_days", 1, MAX_DAYS)
        )
    if kind is StepType.RESTART:
        until = doc.get("until")
        if until not in (None, "requirements_met"):
            reader.fail(f"{path}.until", "Give requirements_met, or leave it out.")
        return Restart(
            step_id,
            until == "requirements_met",
            reader.integer(doc.get("max_rounds"), f"{path}.max_rounds", 2, 100),
        )
    return End(step_id)


_ORDER = {
    OpenAssessment: 0,
    Notify: 1,
    Wait: 2,
    GeneratePlan: 3,
    ScheduleReassessment: 4,
    Restart: 5,
    End: 5,
}


def _check_flow(steps: Sequence[Step], errors: list[FieldError]) -> None:
    """The loop's order: open an assessment (and notify about it), wait for it, generate a
    plan, schedule the re-assessment, and restart or end; notices name an assessment step,
    a wait names one, and a restart has an exit."""
    ids: dict[str, int] = {}
    for index, step in enumerate(steps):
        if step.id in ids:
            errors.append(FieldError(f"steps.{index}.id", "Another step has this id."))
        ids.setdefault(step.id, index)
    counts = {kind: sum(isinstance(s, kind) for s in steps) for kind in _ORDER}
    if counts[OpenAssessment] != 1:
        errors.append(FieldError("steps", "Open exactly one assessment (the loop's first step)."))
    for kind in (Wait, GeneratePlan, ScheduleReassessment):
        if counts[kind] > 1:
            errors.append(FieldError("steps", f"At most one {_type_of(kind)} step."))
    if counts[Restart] + counts[End] > 1:
        errors.append(FieldError("steps", "The loop restarts or ends once, at the end."))
    last = -1
    for index, step in enumerate(steps):
        rank = _ORDER[type(step)]
        if rank < last:
            errors.append(
                FieldError(
                    f"steps.{index}.type",
                    "Out of order: open_assessment, notify, wait, generate_plan, "
                    "schedule_reassessment, then restart or end.",
                )
            )
        last = max(last, rank)
        for reference, path in _references(step, index):
            target = ids.get(reference)
            if target is None:
                errors.append(FieldError(path, f"No step has the id {reference!r}."))
            elif not isinstance(steps[target], OpenAssessment):
                errors.append(FieldError(path, "Name an open_assessment step."))
    if counts[GeneratePlan] and not counts[Wait]:
        errors.append(FieldError("steps", "Wait for the assessment before generating a plan."))
    if counts[ScheduleReassessment] and not counts[GeneratePlan]:
        errors.append(FieldError("steps", "A re-assessment follows a plan: generate one first."))
    for index, step in enumerate(steps):
        if isinstance(step, Restart):
            if not counts[ScheduleReassessment]:
                errors.append(
                    FieldError(f"steps.{index}", "Restarting needs a schedule_reassessment step.")
                )
            if not step.until_requirements_met and step.max_rounds is None:
                errors.append(
                    FieldError(
                        f"steps.{index}",
                        "The loop has no exit: give until requirements_met or max_rounds.",
                    )
                )
        if isinstance(step, Notify):
            assessment = next((s for s in steps if isinstance(s, OpenAssessment)), None)
            if (
                step.escalate_after_days is not None
                and assessment is not None
                and step.escalate_after_days > assessment.grace_days
            ):
                errors.append(
                    FieldError(
                        f"steps.{index}.escalate_after_days",
                        "The assessment expires first: at most its grace_days.",
                    )
                )
            if not step.recipients and not step.addresses:
                errors.append(FieldError(f"steps.{index}.recipients", "Name someone to notify."))


def _references(step: Step, index: int) -> list[tuple[str, str]]:
    if isinstance(step, Notify):
        return [(step.about, f"steps.{index}.about")]
    if isinstance(step, Wait):
        return [(step.for_step, f"steps.{index}.for")]
    return []


def _type_of(kind: type) -> str:
    return {v: k for k, v in _STEP_CLASSES.items()}[kind].value


_STEP_CLASSES: dict[StepType, type] = {
    StepType.OPEN_ASSESSMENT: OpenAssessment,
    StepType.NOTIFY: Notify,
    StepType.WAIT: Wait,
    StepType.GENERATE_PLAN: GeneratePlan,
    StepType.SCHEDULE_REASSESSMENT: ScheduleReassessment,
    StepType.RESTART: Restart,
    StepType.END: End,
}


def _trigger_document(trigger: Trigger) -> dict[str, Any]:
    if isinstance(trigger, EventTrigger):
        return {"type": "event", "event": trigger.event.value}
    document: dict[str, Any] = {"type": "schedule", "timezone": trigger.timezone}
    if trigger.cron is not None:
        document["cron"] = trigger.cron.expression
    else:
        document["every"] = trigger.every
        document["unit"] = trigger.unit.value if trigger.unit else None
    for name in ("starts_at", "ends_at"):
        value = getattr(trigger, name)
        document[name] = None if value is None else value.isoformat()
    return document


def _step_document(step: Step) -> dict[str, Any]:
    kind = next(k for k, v in _STEP_CLASSES.items() if isinstance(step, v))
    document: dict[str, Any] = {"id": step.id, "type": kind.value}
    if isinstance(step, OpenAssessment):
        document |= {
            "rater_types": [r.value for r in step.rater_types],
            "due_in_days": step.due_in_days,
            "grace_days": step.grace_days,
        }
    elif isinstance(step, Notify):
        document |= {
            "about": step.about,
            "recipients": [r.value for r in step.recipients],
            "addresses": list(step.addresses),
            "remind_every_days": step.remind_every_days,
            "escalate_after_days": step.escalate_after_days,
        }
    elif isinstance(step, Wait):
        document["for"] = step.for_step
    elif isinstance(step, ScheduleReassessment):
        document["after_days"] = step.after_days
    elif isinstance(step, Restart):
        document |= {
            "until": "requirements_met" if step.until_requirements_met else None,
            "max_rounds": step.max_rounds,
        }
    return document


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
