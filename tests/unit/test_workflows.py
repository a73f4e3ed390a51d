"""Workflow definitions, schedules and the pure decisions the worker executes: which periods
are due, which rounds get a plan and which notices an assessment should have had."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.assessments import RaterType
from app.domain.cron import Cron
from app.domain.errors import FieldError, InvalidInput, InvalidTransition
from app.domain.events import DomainEvent, EventType
from app.domain.workflow_documents import document_of, parse_definition
from app.domain.workflows import (
    AssessmentFacts,
    Definition,
    End,
    EventTrigger,
    GeneratePlan,
    Notice,
    Notify,
    OpenAssessment,
    Recipient,
    Restart,
    ScheduleReassessment,
    ScheduleTrigger,
    Target,
    TargetKind,
    Unit,
    Wait,
    Workflow,
    WorkflowStatus,
    notices_due,
)

TENANT = uuid.UUID("00000000-0000-4000-8000-000000000001")
COHORT = uuid.UUID("00000000-0000-4000-8000-0000000000c0")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def loop_document() -> dict:
    """The full loop: every trigger kind and every step but end."""
    return {
        "target": {"kind": "cohort", "ids": [str(COHORT)]},
        "triggers": [
            {"type": "schedule", "cron": "0 9 1 * *", "timezone": "Europe/Paris"},
            {
                "type": "schedule",
                "every": 3,
                "unit": "months",
                "starts_at": "2026-01-31T09:00:00+00:00",
                "timezone": "UTC",
            },
            {"type": "event", "event": "employee_created"},
        ],
        "steps": [
            {
                "id": "assess",
                "type": "open_assessment",
                "rater_types": ["self", "manager"],
                "due_in_days": 14,
                "grace_days": 7,
            },
            {
                "id": "tell",
                "type": "notify",
                "about": "assess",
                "recipients": ["employee", "manager"],
                "addresses": ["HR@Example.com"],
                "remind_every_days": 3,
                "escalate_after_days": 5,
            },
            {"id": "wait", "type": "wait", "for": "assess"},
            {"id": "plan", "type": "generate_plan"},
            {"id": "again", "type": "schedule_reassessment", "after_days": 30},
            {"id": "loop", "type": "restart", "until": "requirements_met", "max_rounds": 4},
        ],
    }


def definition_of(steps: list[dict], triggers: list[dict] | None = None) -> Definition:
    return parse_definition(
        {
            "target": {"kind": "everyone"},
            "triggers": triggers or [{"type": "schedule", "cron": "0 9 * * *"}],
            "steps": steps,
        }
    )


def workflow_of(triggers: list[dict], now: datetime) -> Workflow:
    definition = definition_of([{"id": "assess", "type": "open_assessment"}], triggers)
    return Workflow.create(TENANT, key="review", name="Review", definition=definition, now=now)


def problems(document: dict) -> list[FieldError]:
    with pytest.raises(InvalidInput) as caught:
        parse_definition(document)
    return caught.value.errors


# --- parsing --------------------------------------------------------------------------------


def test_a_full_loop_parses():
    definition = parse_definition(loop_document())

    assert definition.target == Target(TargetKind.COHORT, (COHORT,))
    monthly, quarterly, event = definition.triggers
    assert monthly == ScheduleTrigger("Europe/Paris", cron=Cron.parse("0 9 1 * *"))
    assert quarterly == ScheduleTrigger(
        "UTC", every=3, unit=Unit.MONTHS, starts_at=at(2026, 1, 31, 9)
    )
    assert event == EventTrigger(EventType.EMPLOYEE_CREATED)
    assert definition.steps == (
        OpenAssessment("assess", (RaterType.SELF, RaterType.MANAGER), 14, 7),
        Notify(
            "tell",
            "assess",
            (Recipient.EMPLOYEE, Recipient.MANAGER),
            ("hr@example.com",),
            remind_every_days=3,
            escalate_after_days=5,
        ),
        Wait("wait", "assess"),
        GeneratePlan("plan"),
        ScheduleReassessment("again", 30),
        Restart("loop", until_requirements_met=True, max_rounds=4),
    )
    assert definition.assessment_step.id == "assess"
    assert [step.id for step in definition.notify_steps] == ["tell"]
    assert [index for index, _ in definition.schedules] == [0, 1]
    assert definition.reassessment() == ScheduleReassessment("again", 30)
    assert definition.reacts_to(EventType.EMPLOYEE_CREATED)
    assert not definition.reacts_to(EventType.ROLE_CHANGED)


def test_defaults_fill_what_a_document_leaves_out():
    definition = definition_of(
        [
            {"id": "assess", "type": "open_assessment"},
            {"id": "tell", "type": "notify", "about": "assess"},
            {"id": "stop", "type": "end"},
        ]
    )
    assert definition.triggers == (ScheduleTrigger("UTC", cron=Cron.parse("0 9 * * *")),)
    assert definition.steps == (
        OpenAssessment("assess", (RaterType.SELF, RaterType.MANAGER), 14, 7),
        Notify("tell", "assess", (Recipient.EMPLOYEE, Recipient.MANAGER)),
        End("stop"),
    )


@pytest.mark.parametrize(
    "document",
    [
        loop_document(),
        {
            "target": {"kind": "everyone"},
            "triggers": [
                {
                    "type": "schedule",
                    "every": 10,
                    "unit": "days",
                    "timezone": "America/New_York",
                    "starts_at": "2026-03-01T09:30:00-05:00",
                    "ends_at": "2027-03-01T00:00:00+00:00",
                },
                {"type": "event", "event": "plan_overdue"},
            ],
            "steps": [
                {"id": "a", "type": "open_assessment", "rater_types": ["manager"]},
                {"id": "n", "type": "notify", "about": "a", "recipients": ["manager"]},
                {"id": "w", "type": "wait", "for": "a"},
                {"id": "p", "type": "generate_plan"},
                {"id": "s", "type": "schedule_reassessment"},
                {"id": "r", "type": "restart", "max_rounds": 3},
            ],
        },
        {
            "target": {"kind": "role", "ids": [str(uuid.uuid4()), str(uuid.uuid4())]},
            "triggers": [{"type": "event", "event": "role_changed"}],
            "steps": [{"id": "a", "type": "open_assessment"}, {"id": "e", "type": "end"}],
        },
    ],
)
def test_to_document_round_trips(document):
    definition = parse_definition(document)
    stored = json.loads(json.dumps(document_of(definition)))
    assert parse_definition(stored) == definition


def _without(path: str):
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        holder = document
        for part in parents:
            holder = holder[int(part)] if isinstance(holder, list) else holder[part]
        del holder[int(last) if isinstance(holder, list) else last]

    return change


def _set(path: str, value):
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        holder = document
        for part in parents:
            holder = holder[int(part)] if isinstance(holder, list) else holder[part]
        holder[int(last) if isinstance(holder, list) else last] = value

    return change


def _swap(first: int, second: int):
    def change(document: dict) -> None:
        steps = document["steps"]
        steps[first], steps[second] = steps[second], steps[first]

    return change


def _insert(index: int, step: dict):
    return lambda document: document["steps"].insert(index, step)


INVALID = {
    "unknown top-level field": (_set("name", "x"), "name", "Unknown field."),
    "missing triggers": (_without("triggers"), "triggers", "Give at least one."),
    "no triggers": (_set("triggers", []), "triggers", "Give at least one."),
    "missing steps": (_without("steps"), "steps", "Give at least one."),
    "unknown trigger type": (
        _set("triggers.0", {"type": "webhook"}),
        "triggers.0.type",
        "Give one of: schedule, event.",
    ),
    "unknown event": (_set("triggers.2.event", "birthday"), "triggers.2.event", "Give one of"),
    "bad cron": (
        _set("triggers.0.cron", "0 9 32 * *"),
        "triggers.0.cron",
        "The day of month must be within 1-31, low to high: '32'.",
    ),
    "cron that never fires": (
        _set("triggers.0.cron", "0 9 30 2 *"),
        "triggers.0.cron",
        "The expression names no date that exists.",
    ),
    "bad timezone": (
        _set("triggers.0.timezone", "Mars/Olympus_Mons"),
        "triggers.0.timezone",
        "Not an IANA time zone",
    ),
    "ends_at before starts_at": (
        _set("triggers.1.ends_at", "2025-12-31T00:00:00+00:00"),
        "triggers.1.ends_at",
        "Must be after starts_at.",
    ),
    "starts_at without an offset": (
        _set("triggers.1.starts_at", "2026-01-31T09:00:00"),
        "triggers.1.starts_at",
        "Give the time with its UTC offset",
    ),
    "every without starts_at": (
        _without("triggers.1.starts_at"),
        "triggers.1.starts_at",
        "An interval counts from starts_at",
    ),
    "every out of range": (
        _set("triggers.1.every", 0),
        "triggers.1.every",
        "Give a whole number from 1 to 120.",
    ),
    "unknown unit": (_set("triggers.1.unit", "weeks"), "triggers.1.unit", "Give one of"),
    "cron and every together": (
        _set("triggers.0.every", 2),
        "triggers.0",
        "Give either cron, or every with a unit.",
    ),
    "neither cron nor every": (
        _without("triggers.0.cron"),
        "triggers.0",
        "Give either cron, or every with a unit.",
    ),
    "unit with cron": (_set("triggers.0.unit", "days"), "triggers.0.unit", "Only with every."),
    "unknown step type": (_set("steps.3.type", "celebrate"), "steps.3.type", "Give one of"),
    "unknown step field": (_set("steps.2.after_days", 3), "steps.2.after_days", "Unknown field."),
    "step without id": (_without("steps.3.id"), "steps.3.id", "Give a non-empty string."),
    "duplicate step ids": (_set("steps.3.id", "wait"), "steps.3.id", "Another step has this id."),
    "wait naming an unknown step": (
        _set("steps.2.for", "nope"),
        "steps.2.for",
        "No step has the id 'nope'.",
    ),
    "notify about a non-assessment step": (
        _set("steps.1.about", "plan"),
        "steps.1.about",
        "Name an open_assessment step.",
    ),
    "steps out of order": (_swap(2, 3), "steps.3.type", "Out of order"),
    "notify before the assessment": (_swap(0, 1), "steps.1.type", "Out of order"),
    "two open_assessment steps": (
        _insert(1, {"id": "again_assess", "type": "open_assessment"}),
        "steps",
        "Open exactly one assessment",
    ),
    "no open_assessment step": (
        lambda document: document["steps"].__setitem__(slice(None), [{"id": "x", "type": "end"}]),
        "steps",
        "Open exactly one assessment",
    ),
    "two waits": (
        _insert(3, {"id": "wait2", "type": "wait", "for": "assess"}),
        "steps",
        "At most one wait step.",
    ),
    "restart and end": (
        lambda document: document["steps"].append({"id": "stop", "type": "end"}),
        "steps",
        "The loop restarts or ends once",
    ),
    "generate_plan without wait": (
        _without("steps.2"),
        "steps",
        "Wait for the assessment before generating a plan.",
    ),
    "schedule_reassessment without generate_plan": (
        _without("steps.3"),
        "steps",
        "A re-assessment follows a plan: generate one first.",
    ),
    "restart without schedule_reassessment": (
        _without("steps.4"),
        "steps.4",
        "Restarting needs a schedule_reassessment step.",
    ),
    "restart with no exit": (
        _set("steps.5", {"id": "loop", "type": "restart"}),
        "steps.5",
        "The loop has no exit: give until requirements_met or max_rounds.",
    ),
    "restart until something else": (
        _set("steps.5.until", "forever"),
        "steps.5.until",
        "Give requirements_met, or leave it out.",
    ),
    "max_rounds of 1": (_set("steps.5.max_rounds", 1), "steps.5.max_rounds", "from 2 to 100"),
    "escalate_after_days beyond grace_days": (
        _set("steps.1.escalate_after_days", 8),
        "steps.1.escalate_after_days",
        "The assessment expires first: at most its grace_days.",
    ),
    "peer raters": (
        _set("steps.0.rater_types", ["self", "peer"]),
        "steps.0.rater_types.1",
        "A workflow invites self and manager",
    ),
    "sme raters": (
        _set("steps.0.rater_types", ["sme"]),
        "steps.0.rater_types.0",
        "A workflow invites self and manager",
    ),
    "due_in_days of 0": (_set("steps.0.due_in_days", 0), "steps.0.due_in_days", "from 1 to 366"),
    "unknown recipient": (
        _set("steps.1.recipients", ["employee", "hr"]),
        "steps.1.recipients.1",
        "Give one of: employee, manager.",
    ),
    "everyone with ids": (
        _set("target", {"kind": "everyone", "ids": [str(COHORT)]}),
        "target.ids",
        "Everyone takes no ids.",
    ),
    "cohort without ids": (
        _set("target", {"kind": "cohort"}),
        "target.ids",
        "Name at least one cohort.",
    ),
    "org unit without ids": (
        _set("target", {"kind": "org_unit", "ids": []}),
        "target.ids",
        "Name at least one org unit.",
    ),
    "a target id that is not one": (_set("target.ids", ["nope"]), "target.ids.0", "Not an id."),
    "a target id twice": (
        _set("target.ids", [str(COHORT), str(COHORT)]),
        "target.ids",
        "An id is named twice.",
    ),
    "bad email address": (
        _set("steps.1.addresses", ["ok@example.com", "not-an-email"]),
        "steps.1.addresses.1",
        "Not an email address.",
    ),
    "missing target": (_without("target"), "target", "Say whom the workflow is for."),
    "step not an object": (_set("steps.3", "plan"), "steps.3.type", "Give one of"),
}


@pytest.mark.parametrize(("change", "path", "message"), INVALID.values(), ids=INVALID.keys())
def test_each_problem_is_reported_at_its_path(change, path, message):
    document = loop_document()
    change(document)
    errors = problems(document)
    assert path in [error.field for error in errors], errors
    assert any(error.field == path and message in error.message for error in errors), errors
    assert {error.field for error in errors} == {path}, errors


def test_a_document_that_is_not_an_object_is_refused_at_its_root():
    assert problems([]) == [FieldError("", "Must be an object.")]


def test_an_empty_document_lists_each_missing_part():
    assert problems({}) == [
        FieldError("target", "Say whom the workflow is for."),
        FieldError("triggers", "Give at least one."),
        FieldError("steps", "Give at least one."),
    ]


def test_a_target_that_is_not_an_object_is_refused():
    document = loop_document()
    document["target"] = "everyone"
    assert problems(document) == [
        FieldError("target", "Must be an object."),
        FieldError("target.kind", "Give one of: everyone, cohort, org_unit, role."),
    ]


def test_independent_field_problems_come_back_together():
    document = loop_document()
    document["colour"] = "blue"
    document["triggers"][0]["cron"] = "0 25 * * *"
    document["steps"][1]["addresses"] = ["nobody"]
    errors = problems(document)
    assert [error.field for error in errors] == [
        "colour",
        "triggers.0.cron",
        "steps.1.addresses.0",
    ]


def test_independent_flow_problems_come_back_together():
    document = loop_document()
    document["steps"][3]["id"] = "wait"
    document["steps"][5] = {"id": "loop", "type": "restart"}
    errors = problems(document)
    assert {error.field for error in errors} == {"steps.3.id", "steps.5"}


def test_a_cron_with_a_non_ascii_digit_is_a_field_problem():
    document = loop_document()
    document["triggers"][0]["cron"] = "\u00b2 9 * * *"
    assert problems(document) == [
        FieldError("triggers.0.cron", "The minute field has '\u00b2', which is not a number.")
    ]


def test_a_time_zone_area_that_is_not_a_zone_is_a_field_problem():
    document = loop_document()
    document["triggers"][0]["timezone"] = "Europe"
    assert [error.field for error in problems(document)] == ["triggers.0.timezone"]


@pytest.mark.parametrize(
    ("step", "name", "path"),
    [(0, "rater_types", "steps.0.rater_types"), (1, "recipients", "steps.1.recipients")],
)
def test_a_list_field_given_a_number_is_a_field_problem(step, name, path):
    document = loop_document()
    document["steps"][step][name] = 5
    assert [error.field for error in problems(document)] == [path]


def test_an_empty_recipient_list_means_only_the_addresses():
    document = loop_document()
    document["steps"][1]["recipients"] = []
    definition = parse_definition(document)
    assert definition.notify_steps[0].recipients == ()
    assert definition.notify_steps[0].addresses == ("hr@example.com",)
    assert parse_definition(document_of(definition)) == definition


def test_a_null_recipient_list_means_the_default():
    document = loop_document()
    document["steps"][1]["recipients"] = None
    assert parse_definition(document).notify_steps[0].recipients == (
        Recipient.EMPLOYEE,
        Recipient.MANAGER,
    )


def test_a_notify_step_with_nobody_to_tell_is_refused():
    document = loop_document()
    document["steps"][1]["recipients"] = []
    document["steps"][1]["addresses"] = []
    assert problems(document) == [FieldError("steps.1.recipients", "Name someone to notify.")]


def test_an_assessment_with_no_rater_types_is_refused():
    document = loop_document()
    document["steps"][0]["rater_types"] = []
    assert [error.field for error in problems(document)] == ["steps.0.rater_types"]


# --- schedules ------------------------------------------------------------------------------

DAILY_AT_9 = ScheduleTrigger("UTC", cron=Cron.parse("0 9 * * *"))
MONTHLY = ScheduleTrigger("UTC", cron=Cron.parse("0 9 1 * *"))


def test_latest_due_is_the_most_recent_firing_in_the_window():
    now = at(2026, 3, 10, 12)
    assert DAILY_AT_9.latest_due(now, at(2026, 3, 1)) == at(2026, 3, 10, 9)
    assert DAILY_AT_9.latest_due(at(2026, 3, 10, 9), at(2026, 3, 1)) == at(2026, 3, 10, 9)
    assert DAILY_AT_9.latest_due(at(2026, 3, 10, 8, 59), at(2026, 3, 1)) == at(2026, 3, 9, 9)


def test_latest_due_is_none_when_nothing_fired_since_not_before():
    assert DAILY_AT_9.latest_due(at(2026, 3, 10, 12), at(2026, 3, 10, 9)) is None
    assert DAILY_AT_9.latest_due(at(2026, 3, 10, 8), at(2026, 3, 9, 10)) is None
    assert MONTHLY.latest_due(at(2026, 3, 31), at(2026, 3, 1, 9)) is None


def test_a_worker_down_for_three_months_fires_the_latest_period_only():
    not_before = at(2026, 1, 1, 10)
    now = at(2026, 4, 15, 12)
    assert MONTHLY.latest_due(now, not_before) == at(2026, 4, 1, 9)
    workflow = workflow_of([{"type": "schedule", "cron": "0 9 1 * *"}], not_before)
    assert [firing.period for firing in workflow.due_firings(now, {})] == [
        "2026-04-01T09:00:00+00:00"
    ]


def test_latest_due_finds_a_firing_older_than_the_short_catch_up_windows():
    yearly = ScheduleTrigger("UTC", cron=Cron.parse("0 0 1 1 *"))
    assert yearly.latest_due(at(2026, 12, 1), at(2025, 6, 1)) == at(2026, 1, 1)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (
            at(2027, 1, 31, 9),
            [at(2027, 1, 31, 9), at(2027, 2, 28, 9), at(2027, 3, 31, 9), at(2027, 4, 30, 9)],
        ),
        (
            at(2028, 1, 31, 9),
            [at(2028, 1, 31, 9), at(2028, 2, 29, 9), at(2028, 3, 31, 9), at(2028, 4, 30, 9)],
        ),
        (
            at(2027, 1, 30, 9),
            [at(2027, 1, 30, 9), at(2027, 2, 28, 9), at(2027, 3, 30, 9), at(2027, 4, 30, 9)],
        ),
    ],
)
def test_every_month_clamps_to_short_months_and_keeps_the_start_day(start, expected):
    trigger = ScheduleTrigger("UTC", every=1, unit=Unit.MONTHS, starts_at=start)
    found = []
    moment = start - timedelta(days=40)
    for _ in expected:
        moment = trigger.next_after(moment)
        found.append(moment)
    assert found == expected
    # Asked from the middle of the run, it lands on the same days.
    assert trigger.next_after(at(start.year, start.month + 1, 1)) == expected[1]
    assert trigger.latest_due(expected[3], expected[0]) == expected[3]


def test_every_three_months_from_the_last_day_of_january():
    trigger = ScheduleTrigger("UTC", every=3, unit=Unit.MONTHS, starts_at=at(2026, 1, 31, 9))
    assert trigger.next_after(at(2026, 2, 1)) == at(2026, 4, 30, 9)
    assert trigger.next_after(at(2026, 4, 30, 9)) == at(2026, 7, 31, 9)
    assert trigger.next_after(at(2026, 10, 31, 9)) == at(2027, 1, 31, 9)


def test_an_interval_keeps_its_wall_clock_time_across_dst():
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 3, 1, 9, tzinfo=paris)
    trigger = ScheduleTrigger("Europe/Paris", every=14, unit=Unit.DAYS, starts_at=start)
    march_15 = trigger.next_after(start)
    march_29 = trigger.next_after(march_15)
    assert march_15 == at(2026, 3, 15, 8)  # CET
    assert march_29 == at(2026, 3, 29, 7)  # CEST
    assert march_29.astimezone(paris).hour == 9


def test_ends_at_stops_the_firing():
    trigger = ScheduleTrigger(
        "UTC", every=1, unit=Unit.DAYS, starts_at=at(2026, 1, 1, 9), ends_at=at(2026, 1, 3, 9)
    )
    assert trigger.next_after(at(2026, 1, 2, 9)) == at(2026, 1, 3, 9)  # ends_at is the last
    assert trigger.next_after(at(2026, 1, 3, 9)) is None
    assert trigger.latest_due(at(2026, 6, 1), at(2026, 1, 3, 9)) is None
    assert trigger.latest_due(at(2026, 6, 1), at(2026, 1, 1)) == at(2026, 1, 3, 9)
    cron = ScheduleTrigger("UTC", cron=Cron.parse("0 9 * * *"), ends_at=at(2026, 1, 3, 12))
    assert cron.next_after(at(2026, 1, 3, 10)) is None


def test_a_future_starts_at_delays_the_first_firing():
    trigger = ScheduleTrigger("UTC", cron=Cron.parse("0 9 * * *"), starts_at=at(2026, 5, 1))
    assert trigger.next_after(at(2026, 3, 1)) == at(2026, 5, 1, 9)
    assert trigger.latest_due(at(2026, 4, 30, 12), at(2026, 3, 1)) is None
    at_start = ScheduleTrigger("UTC", cron=Cron.parse("0 9 * * *"), starts_at=at(2026, 5, 1, 9))
    assert at_start.next_after(at(2026, 3, 1)) == at(2026, 5, 1, 9)
    interval = ScheduleTrigger("UTC", every=7, unit=Unit.DAYS, starts_at=at(2026, 5, 1, 9))
    assert interval.next_after(at(2026, 3, 1)) == at(2026, 5, 1, 9)
    assert interval.next_after(at(2026, 5, 1, 9)) == at(2026, 5, 8, 9)


ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=100, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    every=st.integers(1, 120),
    start=INSTANTS,
    now=INSTANTS,
    lag=st.integers(0, 400 * 24),
)
def test_latest_due_of_an_interval_is_the_last_firing_up_to_now(zone, every, start, now, lag):
    trigger = ScheduleTrigger(zone, every=every, unit=Unit.DAYS, starts_at=start)
    not_before = now - timedelta(hours=lag)
    latest = trigger.latest_due(now, not_before)
    following = trigger.next_after(latest or not_before)
    assert following is None or following > now
    if latest is not None:
        assert not_before < latest <= now
        assert latest >= start
        local, anchor = latest.astimezone(ZoneInfo(zone)), start.astimezone(ZoneInfo(zone))
        assert (local.date() - anchor.date()).days % every == 0
    else:
        # Nothing fell in (not_before, now]: the first firing after not_before is later.
        assert following is None or following > now


@settings(max_examples=50, deadline=None)
@given(
    expression=st.sampled_from(["0 9 * * *", "0 */6 * * *", "30 8 * * mon-fri", "0 9 1,15 * *"]),
    zone=st.sampled_from(ZONES),
    now=INSTANTS,
    lag=st.integers(0, 20 * 24),
)
def test_latest_due_agrees_with_stepping_through_the_firings(expression, zone, now, lag):
    trigger = ScheduleTrigger(zone, cron=Cron.parse(expression))
    not_before = now - timedelta(hours=lag)
    stepped = None
    moment = not_before
    while (moment := trigger.next_after(moment)) is not None and moment <= now:
        stepped = moment
    assert trigger.latest_due(now, not_before) == stepped


# --- workflows ------------------------------------------------------------------------------

CREATED = at(2026, 1, 1, 10)


def test_create_starts_active_from_now():
    workflow = workflow_of([{"type": "schedule", "cron": "0 9 1 * *"}], CREATED)
    assert workflow.status is WorkflowStatus.ACTIVE
    assert workflow.active_since == workflow.created_at == workflow.updated_at == CREATED
    assert workflow.version == 1
    assert workflow.tenant_id == TENANT


def test_create_refuses_a_bad_key_and_name_together():
    definition = definition_of([{"id": "assess", "type": "open_assessment"}])
    with pytest.raises(InvalidInput) as caught:
        Workflow.create(TENANT, key="-no spaces-", name="  ", definition=definition, now=CREATED)
    assert [error.field for error in caught.value.errors] == ["key", "name"]


def test_a_period_before_the_workflow_existed_does_not_fire():
    workflow = workflow_of([{"type": "schedule", "cron": "0 9 1 * *"}], CREATED)
    assert workflow.due_firings(at(2026, 1, 31), {}) == []
    (firing,) = workflow.due_firings(at(2026, 2, 1, 9, 5), {})
    assert firing.workflow_id == workflow.id
    assert firing.trigger == "schedule:0"
    assert firing.period == "2026-02-01T09:00:00+00:00"
    assert firing.run_key == "schedule:0@2026-02-01T09:00:00+00:00"


def test_run_keys_are_stable_and_name_the_trigger_position():
    triggers = [
        {"type": "event", "event": "employee_created"},
        {"type": "schedule", "cron": "0 9 1 * *", "timezone": "Europe/Paris"},
        {"type": "schedule", "every": 7, "unit": "days", "starts_at": "2026-01-05T06:00:00Z"},
    ]
    workflow = workflow_of(triggers, CREATED)
    now = at(2026, 2, 1, 12)
    first = workflow.due_firings(now, {})
    assert first == workflow.due_firings(now, {})
    assert [firing.run_key for firing in first] == [
        "schedule:1@2026-02-01T08:00:00+00:00",
        "schedule:2@2026-01-26T06:00:00+00:00",
    ]


def test_a_period_already_fired_does_not_fire_again():
    workflow = workflow_of([{"type": "schedule", "cron": "0 9 1 * *"}], CREATED)
    fired = {0: at(2026, 2, 1, 9)}
    assert workflow.due_firings(at(2026, 2, 20), fired) == []
    (firing,) = workflow.due_firings(at(2026, 3, 1, 9), fired)
    assert firing.period == "2026-03-01T09:00:00+00:00"


def test_nothing_is_due_while_paused():
    workflow = workflow_of([{"type": "schedule", "cron": "0 9 * * *"}], CREATED)
    paused = workflow.paused(at(2026, 1, 5))
    assert paused.status is WorkflowStatus.PAUSED
    assert paused.version == 2
    assert paused.due_firings(at(2026, 1, 10, 9), {}) == []
    with pytest.raises(InvalidTransition):
        paused.paused(at(2026, 1, 6))
    with pytest.raises(InvalidTransition):
        workflow.resumed(at(2026, 1, 6))


def test_periods_missed_while_paused_are_not_fired_after_resuming():
    workflow = workflow_of([{"type": "schedule", "cron": "0 9 1 * *"}], CREATED)
    paused = workflow.paused(at(2026, 1, 15))
    resumed = paused.resumed(at(2026, 3, 15))
    assert resumed.status is WorkflowStatus.ACTIVE
    assert resumed.active_since == at(2026, 3, 15)
    assert resumed.version == 3
    # Never paused, 1 March would be due now; resumed on the 15th, it is not.
    assert [f.period for f in workflow.due_firings(at(2026, 3, 16), {})] == [
        "2026-03-01T09:00:00+00:00"
    ]
    assert resumed.due_firings(at(2026, 3, 16), {}) == []
    (firing,) = resumed.due_firings(at(2026, 4, 1, 9), {})
    assert firing.period == "2026-04-01T09:00:00+00:00"


def test_redefining_starts_the_schedule_afresh():
    workflow = workflow_of([{"type": "schedule", "cron": "0 9 1 * *"}], CREATED)
    definition = definition_of(
        [{"id": "assess", "type": "open_assessment"}],
        [{"type": "schedule", "cron": "0 9 * * *"}],
    )
    changed = workflow.redefined(name=" Renamed ", definition=definition, now=at(2026, 3, 15, 10))
    assert (changed.name, changed.version, changed.active_since) == (
        "Renamed",
        2,
        at(2026, 3, 15, 10),
    )
    assert changed.due_firings(at(2026, 3, 15, 12), {}) == []
    assert [f.period for f in changed.due_firings(at(2026, 3, 16, 12), {})] == [
        "2026-03-16T09:00:00+00:00"
    ]
    with pytest.raises(InvalidInput):
        workflow.redefined(name="", definition=definition, now=at(2026, 3, 15))


def test_next_firings_merge_the_schedules_in_order():
    triggers = [
        {"type": "schedule", "cron": "0 9 1 * *"},
        {"type": "schedule", "every": 10, "unit": "days", "starts_at": "2026-01-01T09:00:00Z"},
        {"type": "event", "event": "role_changed"},
    ]
    workflow = workflow_of(triggers, CREATED)
    assert workflow.next_firings(at(2025, 6, 1), 4) == [
        at(2026, 1, 11, 9),
        at(2026, 1, 21, 9),
        at(2026, 1, 31, 9),
        at(2026, 2, 1, 9),
    ]
    duplicate = workflow_of([triggers[0], triggers[0]], CREATED)
    assert duplicate.next_firings(CREATED, 2) == [at(2026, 2, 1, 9), at(2026, 3, 1, 9)]


def test_an_event_fires_an_active_workflow_that_reacts_to_it_since_it_became_active():
    triggers = [{"type": "event", "event": "employee_created"}]
    workflow = workflow_of(triggers, CREATED)
    person = uuid.uuid4()

    def event(type_=EventType.EMPLOYEE_CREATED, *, tenant=TENANT, employee=person, when=None):
        return DomainEvent.of(tenant, type_, when or CREATED, employee_id=employee)

    assert workflow.fires_on(event())
    assert workflow.fires_on(event(when=CREATED + timedelta(days=1)))
    assert not workflow.fires_on(event(when=CREATED - timedelta(seconds=1)))
    assert not workflow.fires_on(event(EventType.ROLE_CHANGED))
    assert not workflow.fires_on(event(tenant=uuid.uuid4()))
    assert not workflow.fires_on(event(employee=None))
    assert not workflow.paused(CREATED).fires_on(event())


def test_a_start_at_the_end_of_time_is_refused():
    document = loop_document()
    document["triggers"][0]["starts_at"] = "9999-06-01T00:00:00+00:00"
    assert [error.field for error in problems(document)] == ["triggers.0.starts_at"]


# --- rounds and plans -----------------------------------------------------------------------

ASSESS_AND_PLAN = [
    {"id": "assess", "type": "open_assessment"},
    {"id": "wait", "type": "wait", "for": "assess"},
    {"id": "plan", "type": "generate_plan"},
    {"id": "again", "type": "schedule_reassessment"},
]


def test_round_one_plans_when_there_is_a_generate_plan_step():
    definition = definition_of([*ASSESS_AND_PLAN[:3], {"id": "stop", "type": "end"}])
    assert definition.plans_after(1)
    assert definition.reassessment() is None


def test_without_generate_plan_nothing_plans():
    definition = definition_of([*ASSESS_AND_PLAN[:2], {"id": "stop", "type": "end"}])
    assert not definition.plans_after(1)
    assert not definition.plans_after(2)


def test_with_end_no_later_round_plans():
    definition = definition_of([*ASSESS_AND_PLAN, {"id": "stop", "type": "end"}])
    assert definition.plans_after(1)
    assert definition.reassessment() == ScheduleReassessment("again", None)
    assert not definition.plans_after(2)


def test_restart_runs_at_most_max_rounds_assessments():
    definition = definition_of([*ASSESS_AND_PLAN, {"id": "r", "type": "restart", "max_rounds": 3}])
    # Plans after the first two assessments lead to the second and third; the third is last.
    assert [definition.plans_after(round_) for round_ in (1, 2, 3, 4, 5)] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_restart_until_requirements_met_has_no_round_limit():
    definition = definition_of(
        [*ASSESS_AND_PLAN, {"id": "r", "type": "restart", "until": "requirements_met"}]
    )
    assert all(definition.plans_after(round_) for round_ in (1, 2, 10, 100))


# --- notices --------------------------------------------------------------------------------

OPENED = date(2026, 3, 2)
DUE = date(2026, 3, 16)


def facts(
    status: str = "open",
    *,
    has_manager: bool = True,
    has_skip_manager: bool = True,
    waits_on_employee: bool = True,
    due_date: date | None = DUE,
) -> AssessmentFacts:
    return AssessmentFacts(
        status=status,
        opened_on=OPENED,
        due_date=due_date,
        has_manager=has_manager,
        has_skip_manager=has_skip_manager,
        waits_on_employee=waits_on_employee,
    )


TELL = Notify("tell", "assess")


def test_the_employee_hears_first_when_they_rate_themselves():
    assert notices_due(TELL, facts(), OPENED) == [Notice("assessment_opened", 0, "employee")]


def test_the_manager_hears_when_it_is_their_turn():
    assert notices_due(TELL, facts("awaiting_manager"), OPENED) == [
        Notice("assessment_opened", 0, "employee"),
        Notice("manager_turn", 0, "manager"),
    ]
    # A manager-rated assessment goes straight to the manager: the employee is not told.
    assert notices_due(TELL, facts("awaiting_manager", waits_on_employee=False), OPENED) == [
        Notice("manager_turn", 0, "manager")
    ]
    assert notices_due(TELL, facts("awaiting_manager", has_manager=False), OPENED) == [
        Notice("assessment_opened", 0, "employee")
    ]


def test_only_the_named_recipients_are_told():
    manager_only = Notify("tell", "assess", recipients=(Recipient.MANAGER,))
    assert notices_due(manager_only, facts(), OPENED) == []
    assert notices_due(manager_only, facts("awaiting_manager"), OPENED) == [
        Notice("manager_turn", 0, "manager")
    ]


def test_custom_addresses_hear_of_the_opening():
    step = Notify(
        "tell", "assess", recipients=(Recipient.MANAGER,), addresses=("hr@example.com", "l@x.io")
    )
    expected = [
        Notice("assessment_opened", 0, "hr@example.com"),
        Notice("assessment_opened", 0, "l@x.io"),
    ]
    assert notices_due(step, facts(), OPENED) == expected
    assert notices_due(step, facts("awaiting_manager"), OPENED) == [
        *expected,
        Notice("manager_turn", 0, "manager"),
    ]


def _reminders(step: Notify, facts_: AssessmentFacts, today: date) -> list[Notice]:
    return [n for n in notices_due(step, facts_, today) if n.kind == "reminder"]


def test_reminders_are_numbered_every_n_days_for_whoever_it_waits_on():
    step = Notify("tell", "assess", remind_every_days=3)
    days = {
        offset: _reminders(step, facts(), OPENED + timedelta(days=offset)) for offset in range(10)
    }
    assert days[0] == days[1] == days[2] == []
    assert days[3] == days[4] == days[5] == [Notice("reminder", 1, "employee")]
    assert days[6] == [Notice("reminder", 2, "employee")]
    assert days[9] == [Notice("reminder", 3, "employee")]
    later = OPENED + timedelta(days=9)
    assert _reminders(step, facts("awaiting_manager"), later) == [Notice("reminder", 3, "manager")]
    no_manager = facts("awaiting_manager", has_manager=False)
    assert _reminders(step, no_manager, later) == []


def test_reminders_go_only_to_named_recipients():
    step = Notify("tell", "assess", recipients=(Recipient.MANAGER,), remind_every_days=2)
    today = OPENED + timedelta(days=4)
    assert _reminders(step, facts(), today) == []
    assert _reminders(step, facts("awaiting_manager"), today) == [Notice("reminder", 2, "manager")]
    assert _reminders(TELL, facts(), today) == []  # no remind_every_days


def _escalations(step: Notify, facts_: AssessmentFacts, today: date) -> list[Notice]:
    return [n for n in notices_due(step, facts_, today) if n.kind == "escalation"]


def test_escalation_comes_m_days_past_the_due_date_to_a_skip_level_manager():
    step = Notify("tell", "assess", escalate_after_days=2)
    assert _escalations(step, facts(), DUE) == []
    assert _escalations(step, facts(), DUE + timedelta(days=1)) == []
    assert _escalations(step, facts(), DUE + timedelta(days=2)) == [
        Notice("escalation", 0, "skip_manager")
    ]
    assert _escalations(step, facts("awaiting_manager"), DUE + timedelta(days=5)) == [
        Notice("escalation", 0, "skip_manager")
    ]
    assert _escalations(step, facts(has_skip_manager=False), DUE + timedelta(days=5)) == []
    assert _escalations(step, facts(due_date=None), DUE + timedelta(days=5)) == []
    assert _escalations(TELL, facts(), DUE + timedelta(days=30)) == []


@settings(max_examples=100, deadline=None)
@given(
    status=st.sampled_from(["open", "awaiting_manager"]),
    every=st.integers(1, 30),
    first=st.integers(0, 120),
    gap=st.integers(0, 120),
)
def test_a_reminder_number_never_goes_back_and_there_is_one_at_a_time(status, every, first, gap):
    step = Notify("tell", "assess", remind_every_days=every, escalate_after_days=3)
    earlier = _reminders(step, facts(status), OPENED + timedelta(days=first))
    later = _reminders(step, facts(status), OPENED + timedelta(days=first + gap))
    assert len(earlier) <= 1 and len(later) <= 1
    if earlier:
        assert later and later[0].sequence >= earlier[0].sequence
        assert later[0].recipient == earlier[0].recipient


@pytest.mark.parametrize("expression", ["* * * * *", "*/30 * * * *", "0,30 9 1 12 *"])
def test_a_schedule_firing_more_than_hourly_is_refused(expression):
    document = loop_document()
    document["triggers"][0] = {"type": "schedule", "cron": expression}
    assert problems(document) == [
        FieldError("triggers.0.cron", "Fire at most once an hour: each firing opens a cycle.")
    ]
