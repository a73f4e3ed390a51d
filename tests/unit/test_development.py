import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.development import (
    MAX_DAYS,
    Candidate,
    ItemStatus,
    Need,
    NeedInput,
    Outcome,
    Plan,
    PlanItem,
    PlanPolicy,
    PlanStatus,
    outcome_before_proposal,
    outcome_of,
    sorted_by_demand,
    training_needs,
)
from app.domain.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from app.domain.gaps import CapabilityGap
from app.domain.plans import (
    Budget,
    Choice,
    LearningKind,
    Offer,
    OpenGap,
    PlanProposal,
    Reason,
    Shortfall,
    Target,
    catalogue_reach,
    propose_plan,
)

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
TENANT, EMPLOYEE, ROLE, ASSESSMENT = (uuid.UUID(int=n) for n in range(101, 105))
SQL, TALK, LEAD = (uuid.UUID(int=n) for n in range(1, 4))
BASICS, ADVANCED, MENTORING = (uuid.UUID(int=n) for n in range(1001, 1004))

PROPOSAL = PlanProposal(
    choices=(
        Choice(BASICS, Reason.PREREQUISITE, (SQL,)),
        Choice(ADVANCED, Reason.CLOSES_GAP, (SQL, TALK)),
        Choice(MENTORING, Reason.CLOSES_GAP, (TALK,)),
    ),
    open_gaps=(OpenGap(LEAD, 2, 4, Shortfall.NO_CONTENT),),
    minutes=240,
    cost=150.0,
)


def plan(policy=PlanPolicy(start_active=True), proposal=PROPOSAL, assessment_id=ASSESSMENT):
    return Plan.generate(
        TENANT,
        employee_id=EMPLOYEE,
        role_id=ROLE,
        assessment_id=assessment_id,
        proposal=proposal,
        policy=policy,
        now=NOW,
    )


def statuses(generated):
    return [item.status for item in generated.items]


# Generation


def test_a_generated_plan_is_a_draft_by_default_with_every_item_due_with_the_plan():
    generated = plan(PlanPolicy())
    assert generated.status is PlanStatus.DRAFT
    assert (generated.tenant_id, generated.employee_id, generated.role_id) == (
        TENANT,
        EMPLOYEE,
        ROLE,
    )
    assert generated.assessment_id == ASSESSMENT
    assert generated.due_date == date(2026, 11, 23) + timedelta(days=90)
    assert generated.items == (
        PlanItem(BASICS, Reason.PREREQUISITE, (SQL,), due_date=generated.due_date),
        PlanItem(ADVANCED, Reason.CLOSES_GAP, (SQL, TALK), due_date=generated.due_date),
        PlanItem(MENTORING, Reason.CLOSES_GAP, (TALK,), due_date=generated.due_date),
    )
    assert generated.open_gaps == PROPOSAL.open_gaps
    assert (generated.minutes, generated.cost) == (240, 150.0)
    assert (generated.version, generated.created_at, generated.updated_at) == (1, NOW, NOW)
    assert (generated.closed_at, generated.reassessment_id) == (None, None)
    assert generated.progress == 0


def test_a_policy_can_start_plans_active_and_set_when_they_are_due():
    generated = plan(PlanPolicy(start_active=True, due_in_days=30))
    assert generated.status is PlanStatus.ACTIVE
    assert generated.due_date == date(2026, 12, 23)
    assert {item.due_date for item in generated.items} == {date(2026, 12, 23)}


def test_each_generated_plan_has_an_id_of_its_own():
    assert plan().id != plan().id


# Plan lifecycle


def test_a_draft_is_activated_once():
    draft = plan(PlanPolicy())
    active = draft.activate(LATER)
    assert active.status is PlanStatus.ACTIVE
    assert (active.version, active.updated_at, active.closed_at) == (2, LATER, None)
    assert draft.status is PlanStatus.DRAFT, "plans are values"
    with pytest.raises(InvalidTransition):
        active.activate(LATER)


@pytest.mark.parametrize("start_active", [False, True])
def test_an_open_plan_is_cancelled_and_then_closed(start_active):
    cancelled = plan(PlanPolicy(start_active=start_active)).cancel(LATER)
    assert cancelled.status is PlanStatus.CANCELLED
    assert (cancelled.closed_at, cancelled.updated_at, cancelled.version) == (LATER, LATER, 2)
    with pytest.raises(InvalidTransition):
        cancelled.cancel(LATER)
    with pytest.raises(InvalidTransition):
        cancelled.activate(LATER)


def test_a_completed_plan_can_be_neither_activated_nor_cancelled():
    completed = finished(plan())
    assert completed.status is PlanStatus.COMPLETED
    with pytest.raises(InvalidTransition):
        completed.activate(LATER)
    with pytest.raises(InvalidTransition):
        completed.cancel(LATER)


def finished(active):
    for item in active.items:
        active = active.update_item(item.learning_item_id, LATER, status=ItemStatus.COMPLETED)
    return active


def test_an_open_plan_is_rescheduled_and_a_closed_one_is_not():
    moved = plan().reschedule(date(2027, 6, 1), LATER)
    assert (moved.due_date, moved.version, moved.updated_at) == (date(2027, 6, 1), 2, LATER)
    with pytest.raises(InvalidTransition):
        plan().cancel(LATER).reschedule(date(2027, 6, 1), LATER)


def test_scheduling_the_reassessment_records_it():
    reassessment = uuid.uuid4()
    assert finished(plan()).scheduled_reassessment(reassessment).reassessment_id == reassessment


# Items


def test_an_item_is_started_then_completed_at_the_reported_time_with_its_completion_id():
    started = plan().update_item(BASICS, NOW, status=ItemStatus.IN_PROGRESS)
    assert statuses(started) == [ItemStatus.IN_PROGRESS, ItemStatus.ASSIGNED, ItemStatus.ASSIGNED]
    assert (started.version, started.status) == (2, PlanStatus.ACTIVE)
    reported = datetime(2026, 11, 24, 17, tzinfo=UTC)
    done = started.update_item(
        BASICS, LATER, status=ItemStatus.COMPLETED, completion_id=" lms-42 ", completed_at=reported
    )
    item = done.items[0]
    assert (item.status, item.completed_at, item.completion_id) == (
        ItemStatus.COMPLETED,
        reported,
        "lms-42",
    )
    assert (done.version, done.updated_at, done.status, done.closed_at) == (
        3,
        LATER,
        PlanStatus.ACTIVE,
        None,
    )


def test_a_completion_without_a_time_is_completed_now():
    done = plan().update_item(BASICS, LATER, status=ItemStatus.COMPLETED)
    assert (done.items[0].completed_at, done.items[0].completion_id) == (LATER, None)


def test_the_same_completion_reported_again_changes_nothing():
    once = plan().update_item(BASICS, NOW, status=ItemStatus.COMPLETED, completion_id="lms-42")
    assert once.update_item(BASICS, LATER, status=ItemStatus.COMPLETED, completion_id="lms-42") is (
        once
    )
    assert (
        once.update_item(
            BASICS, LATER, status=ItemStatus.COMPLETED, completion_id=" lms-42", completed_at=LATER
        )
        is once
    )
    assert once.update_item(BASICS, LATER, status=ItemStatus.COMPLETED) is once


def test_a_different_completion_id_for_a_completed_item_is_a_conflict():
    once = plan().update_item(BASICS, NOW, status=ItemStatus.COMPLETED, completion_id="lms-42")
    with pytest.raises(Conflict) as error:
        once.update_item(BASICS, LATER, status=ItemStatus.COMPLETED, completion_id="lms-43")
    assert type(error.value) is Conflict, "a contradiction, not a lifecycle move"


def test_a_completion_id_is_recorded_for_an_item_completed_without_one():
    once = plan().update_item(BASICS, NOW, status=ItemStatus.COMPLETED)
    recorded = once.update_item(BASICS, LATER, status=ItemStatus.COMPLETED, completion_id="x-1")
    item = recorded.items[0]
    assert (item.status, item.completion_id, item.completed_at) == (
        ItemStatus.COMPLETED,
        "x-1",
        NOW,
    )
    assert recorded.version == once.version + 1


def test_an_invalid_completion_id_is_refused():
    with pytest.raises(InvalidInput) as error:
        plan().update_item(BASICS, NOW, status=ItemStatus.COMPLETED, completion_id="a\x00b")
    assert [e.field for e in error.value.errors] == ["completion_id"]
    with pytest.raises(InvalidInput):
        plan().update_item(BASICS, NOW, status=ItemStatus.COMPLETED, completion_id="x" * 201)


def test_asking_for_what_is_already_so_changes_nothing():
    active = plan()
    assert active.update_item(BASICS, LATER) is active
    assert active.update_item(BASICS, LATER, status=ItemStatus.ASSIGNED) is active
    assert active.update_item(BASICS, LATER, due_date=active.items[0].due_date) is active


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([ItemStatus.COMPLETED], ItemStatus.IN_PROGRESS),
        ([ItemStatus.COMPLETED], ItemStatus.ASSIGNED),
        ([ItemStatus.COMPLETED], ItemStatus.WAIVED),
        ([ItemStatus.WAIVED], ItemStatus.COMPLETED),
        ([ItemStatus.WAIVED], ItemStatus.IN_PROGRESS),
    ],
)
def test_items_move_only_along_their_lifecycle(path, refused):
    moved = plan()
    for status in path:
        moved = moved.update_item(BASICS, NOW, status=status)
    with pytest.raises(InvalidTransition):
        moved.update_item(BASICS, LATER, status=refused)


def test_an_item_can_be_put_back_from_in_progress_or_waived():
    active = plan()
    for status in (ItemStatus.IN_PROGRESS, ItemStatus.WAIVED):
        moved = active.update_item(BASICS, NOW, status=status)
        back = moved.update_item(BASICS, LATER, status=ItemStatus.ASSIGNED)
        assert back.items[0].status is ItemStatus.ASSIGNED


def test_waived_items_do_not_count_toward_progress():
    active = plan()
    assert active.progress == 0
    one = active.update_item(BASICS, NOW, status=ItemStatus.COMPLETED)
    assert one.progress == 33
    waived = one.update_item(MENTORING, NOW, status=ItemStatus.WAIVED)
    assert waived.progress == 50
    assert waived.update_item(ADVANCED, NOW, status=ItemStatus.IN_PROGRESS).progress == 50


def test_the_last_item_done_completes_the_plan():
    active = plan().update_item(MENTORING, NOW, status=ItemStatus.WAIVED)
    active = active.update_item(BASICS, NOW, status=ItemStatus.COMPLETED)
    assert active.status is PlanStatus.ACTIVE and active.closed_at is None
    completed = active.update_item(ADVANCED, LATER, status=ItemStatus.COMPLETED)
    assert (completed.status, completed.closed_at, completed.updated_at) == (
        PlanStatus.COMPLETED,
        LATER,
        LATER,
    )
    assert completed.progress == 100


def test_a_plan_whose_items_are_all_waived_is_completed_with_full_progress():
    waived = plan()
    for item in PROPOSAL.choices:
        waived = waived.update_item(item.offer_id, LATER, status=ItemStatus.WAIVED)
    assert (waived.status, waived.closed_at, waived.progress) == (PlanStatus.COMPLETED, LATER, 100)


def test_progress_on_a_draft_activates_it():
    draft = plan(PlanPolicy())
    started = draft.update_item(ADVANCED, NOW, status=ItemStatus.IN_PROGRESS)
    assert started.status is PlanStatus.ACTIVE
    assert started.version == draft.version + 1


def test_a_new_due_date_on_a_draft_item_does_not_activate_it():
    draft = plan(PlanPolicy())
    moved = draft.update_item(ADVANCED, NOW, due_date=date(2027, 1, 31))
    assert moved.status is PlanStatus.DRAFT
    assert moved.items[1].due_date == date(2027, 1, 31)
    assert moved.items[1].status is ItemStatus.ASSIGNED
    assert moved.version == draft.version + 1


def test_an_item_not_in_the_plan_is_not_found():
    with pytest.raises(NotFound):
        plan().update_item(uuid.uuid4(), NOW, status=ItemStatus.COMPLETED)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": ItemStatus.IN_PROGRESS},
        {"status": ItemStatus.COMPLETED, "completion_id": "lms-1"},
        {"due_date": date(2027, 1, 1)},
        {},
    ],
)
def test_a_completed_or_cancelled_plan_no_longer_changes(changes):
    for closed in (finished(plan()), plan().cancel(LATER)):
        with pytest.raises(InvalidTransition):
            closed.update_item(MENTORING, LATER, **changes)


@st.composite
def reports(draw):
    return [
        (
            draw(st.sampled_from([BASICS, ADVANCED, MENTORING])),
            draw(st.none() | st.sampled_from(list(ItemStatus))),
            draw(st.none() | st.sampled_from(["a", "b"])),
            draw(st.none() | st.sampled_from([date(2027, 1, 1), date(2027, 2, 1)])),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]


@settings(max_examples=100)
@given(st.booleans(), reports())
def test_any_sequence_of_reports_keeps_the_plan_consistent(start_active, sequence):
    current = plan(PlanPolicy(start_active=start_active))
    for step, (item_id, status, completion_id, due) in enumerate(sequence):
        now = NOW + timedelta(hours=step + 1)
        try:
            updated = current.update_item(
                item_id, now, status=status, completion_id=completion_id, due_date=due
            )
        except (Conflict, InvalidTransition):
            continue
        before = {i.learning_item_id: i for i in current.items}
        if updated is not current:
            assert updated != current
            assert (updated.version, updated.updated_at) == (current.version + 1, now)
        for item in updated.items:
            old = before[item.learning_item_id]
            if old.status is ItemStatus.COMPLETED:
                assert item.status is ItemStatus.COMPLETED, "completion is final"
                assert item.completed_at == old.completed_at
                if old.completion_id is not None:
                    assert item.completion_id == old.completion_id, "ids never change"
            if item.status is ItemStatus.COMPLETED:
                assert item.completed_at is not None
        done = all(i.status in (ItemStatus.COMPLETED, ItemStatus.WAIVED) for i in updated.items)
        assert (updated.status is PlanStatus.COMPLETED) == done
        assert (updated.closed_at is not None) == done
        if updated.status is PlanStatus.DRAFT:
            assert all(i.status is ItemStatus.ASSIGNED for i in updated.items)
        assert 0 <= updated.progress <= 100
        current = updated


# Policy


def test_the_default_policy_is_valid():
    assert PlanPolicy().problems() == []
    assert PlanPolicy(due_in_days=1, reassess_after_days=MAX_DAYS).problems() == []


@pytest.mark.parametrize(
    ("policy", "fields"),
    [
        (PlanPolicy(due_in_days=0), ["due_in_days"]),
        (PlanPolicy(due_in_days=MAX_DAYS + 1), ["due_in_days"]),
        (PlanPolicy(reassess_after_days=0), ["reassess_after_days"]),
        (PlanPolicy(reassess_after_days=-3), ["reassess_after_days"]),
        (PlanPolicy(budget=Budget(minutes=-1)), ["budget.minutes"]),
        (PlanPolicy(budget=Budget(cost=-0.01)), ["budget.cost"]),
        (
            PlanPolicy(due_in_days=0, reassess_after_days=0, budget=Budget(minutes=-1, cost=-1)),
            ["due_in_days", "reassess_after_days", "budget.minutes", "budget.cost"],
        ),
    ],
)
def test_policy_problems_name_each_bad_field(policy, fields):
    assert [e.field for e in policy.problems()] == fields


def test_a_zero_budget_is_a_valid_policy():
    assert PlanPolicy(budget=Budget(minutes=0, cost=0.0)).problems() == []


# Generation outcomes


def test_nobody_is_planned_for_without_a_finalised_assessment():
    assert outcome_before_proposal(Candidate(EMPLOYEE)) is Outcome.NOT_ASSESSED
    assert outcome_before_proposal(Candidate(EMPLOYEE, ASSESSMENT)) is Outcome.NOT_ASSESSED
    assert outcome_before_proposal(Candidate(EMPLOYEE, None, ROLE)) is Outcome.NOT_ASSESSED


def test_an_assessment_that_has_its_plan_already_is_up_to_date():
    for open_plan in (None, plan(PlanPolicy()), plan()):
        candidate = Candidate(EMPLOYEE, ASSESSMENT, ROLE, open_plan, planned=True)
        assert outcome_before_proposal(candidate) is Outcome.UP_TO_DATE


def test_an_active_plan_is_never_replaced_but_an_untouched_draft_is():
    newer = uuid.uuid4()
    active = Candidate(EMPLOYEE, newer, ROLE, plan())
    assert outcome_before_proposal(active) is Outcome.HAS_ACTIVE_PLAN
    draft = Candidate(EMPLOYEE, newer, ROLE, plan(PlanPolicy()))
    assert outcome_before_proposal(draft) is None
    assert outcome_before_proposal(Candidate(EMPLOYEE, newer, ROLE)) is None


def test_the_outcome_says_whether_a_plan_was_made_and_why_not():
    below, met, unknown = (
        CapabilityGap(SQL, 3, 1, 1.0, False),
        CapabilityGap(TALK, 2, 2, 1.0, False),
        CapabilityGap(LEAD, 2, None, 1.0, False),
    )
    empty = PlanProposal((), (), 0, 0.0)
    assert outcome_of([below, met], PROPOSAL) is Outcome.CREATED
    assert outcome_of([below, met], empty) is Outcome.NO_CONTENT
    assert outcome_of([met, unknown], empty) is Outcome.NO_GAPS
    assert outcome_of([], empty) is Outcome.NO_GAPS


# Training needs (the definition the SQL is held to)


def test_training_needs_count_demand_and_what_the_catalogue_cannot_teach():
    needs = training_needs(
        [
            NeedInput(SQL, 4, 2.0, 1),  # short 3; catalogue takes 1 -> 3: 1 uncovered
            NeedInput(SQL, 3, 0.5, 2),  # short 1; 2 -> 5 covers it
            NeedInput(SQL, 3, 1.0, 3),  # met
            NeedInput(SQL, 3, 1.0, None),  # unassessed
            NeedInput(TALK, 2, 1.0, 1),  # nothing teaches TALK
        ],
        {(SQL, 1): 3, (SQL, 2): 5},
    )
    assert needs == {
        SQL: Need(SQL, 2, 4, 6.5, 1, 1, 1),
        TALK: Need(TALK, 1, 1, 1.0, 1, 1, 0),
    }


def test_a_capability_everyone_meets_is_listed_with_no_demand():
    assert training_needs([NeedInput(SQL, 2, 1.0, 5)], {}) == {SQL: Need(SQL, 0, 0, 0.0, 0, 0, 0)}


def test_needs_are_sorted_by_weighted_demand_then_levels_short_then_id():
    low = Need(SQL, 1, 1, 1.0, 0, 0, 0)
    high = Need(LEAD, 1, 1, 3.0, 0, 0, 0)
    tie_more_levels = Need(TALK, 2, 2, 1.0, 0, 0, 0)
    same_as_low = Need(uuid.UUID(int=9), 1, 1, 1.0, 0, 0, 0)
    assert sorted_by_demand([low, same_as_low, tie_more_levels, high]) == [
        high,
        tie_more_levels,
        low,
        same_as_low,
    ]


# What propose_plan reports as missing content is what catalogue_reach says


OTHER = TALK


@st.composite
def one_gap_and_a_catalogue(draw):
    current = draw(st.integers(1, 4))
    required = draw(st.integers(current + 1, 5))
    weight = draw(st.sampled_from([0.1, 0.5, 1.0, 2.0, 10.0]))
    offers: list[Offer] = []
    missing = uuid.UUID(int=999_999)
    for number in range(draw(st.integers(0, 8))):
        targets = []
        for capability in draw(
            st.lists(st.sampled_from([SQL, OTHER]), unique=True, min_size=1, max_size=2)
        ):
            start = draw(st.integers(1, 4))
            targets.append(Target(capability, start, draw(st.integers(start + 1, 5))))
        # Prerequisites among the earlier offers (so no loops), now and then one not in the
        # catalogue at all.
        prerequisites = draw(
            st.lists(st.sampled_from([o.id for o in offers] + [missing]), unique=True, max_size=2)
        )
        offers.append(
            Offer(
                uuid.UUID(int=5000 + number),
                draw(st.sampled_from(list(LearningKind))),
                tuple(targets),
                draw(st.integers(0, 600)),
                float(draw(st.integers(0, 500))),
                tuple(prerequisites),
            )
        )
    order = draw(st.permutations(offers))
    return CapabilityGap(SQL, required, current, weight, draw(st.booleans())), order


@settings(max_examples=200)
@given(one_gap_and_a_catalogue())
def test_an_unlimited_plan_leaves_open_exactly_what_the_catalogue_cannot_reach(situation):
    gap, offers = situation
    current, required = gap.current_level, gap.required_level
    expected_reach = min(catalogue_reach(offers).get((SQL, current), current), required)
    proposal = propose_plan([gap], offers, Budget())
    no_content = [
        g
        for g in proposal.open_gaps
        if g.capability_id == SQL and g.shortfall is Shortfall.NO_CONTENT
    ]
    assert bool(no_content) == (expected_reach < required)
    if no_content:
        (open_gap,) = no_content
        assert (open_gap.reached_level, open_gap.required_level) == (expected_reach, required)
    assert all(g.shortfall is Shortfall.NO_CONTENT for g in proposal.open_gaps)
