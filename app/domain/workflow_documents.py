"""Workflow definitions as JSON documents: parsed, with every problem reported at its path,
into the domain's Definition, and written back out."""

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.assessments import RaterType
from app.domain.cron import Cron, CronError
from app.domain.errors import FieldError, InvalidInput
from app.domain.events import EventType
from app.domain.workflows import (
    DEFAULT_DUE_IN_DAYS,
    DEFAULT_GRACE_DAYS,
    Definition,
    End,
    EventTrigger,
    GeneratePlan,
    Notify,
    OpenAssessment,
    Recipient,
    Restart,
    ScheduleReassessment,
    ScheduleTrigger,
    Step,
    StepType,
    Target,
    TargetKind,
    Trigger,
    Unit,
    Wait,
    checked_moment,
)

MAX_TRIGGERS = 10
MAX_STEPS = 30
MAX_RECIPIENTS = 20
MAX_DAYS = 366
MAX_EVERY = 120
EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]{1,255}\.[^@\s\x00-\x1f]{1,63}$")


def document_of(definition: Definition) -> dict[str, Any]:
    """The definition as the JSON document `parse_definition` reads back to it."""
    return {
        "target": {
            "kind": definition.target.kind.value,
            "ids": [str(i) for i in definition.target.ids],
        },
        "triggers": [_trigger_document(t) for t in definition.triggers],
        "steps": [_step_document(s) for s in definition.steps],
    }


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
        if not isinstance(parsed, datetime):
            self.fail(path, "Give a date-time with a UTC offset (ISO 8601).")
            return None
        problem = checked_moment(parsed)
        if problem:
            self.fail(path, problem)
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
        if cron is not None and _fires_too_often(cron):
            reader.fail(f"{path}.cron", "Fire at most once an hour: each firing opens a cycle.")
            cron = None
    else:
        every = reader.integer(doc.get("every"), f"{path}.every", 1, MAX_EVERY)
        unit = reader.choice(doc.get("unit"), f"{path}.unit", Unit)
        if doc.get("starts_at") is None:
            reader.fail(f"{path}.starts_at", "An interval counts from starts_at: give it.")
    if zone_name is None:
        return None
    return ScheduleTrigger(zone_name, cron, every, unit, starts_at, ends_at)


MIN_GAP = timedelta(hours=1)


def _fires_too_often(cron: Cron) -> bool:
    """Whether two firings come closer than MIN_GAP, over a sample of the first ones."""
    moment = datetime(2001, 1, 1, tzinfo=UTC)
    for _ in range(60):
        following = cron.next_after(moment, UTC)
        second = None if following is None else cron.next_after(following, UTC)
        if following is None or second is None:
            return False
        if second - following < MIN_GAP:
            return True
        moment = following
    return False


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
            if not isinstance(address, str) or len(address) > 254 or not EMAIL.match(address):
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
