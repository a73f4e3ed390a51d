import math
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidInput, InvalidTransition
from app.domain.goals import (
    MAX_DEPTH,
    Goal,
    GoalLevel,
    GoalStatus,
    Measure,
    Parent,
    alignment,
    level_of,
    progress_share,
)
from app.domain.recognitions import MESSAGE_MAX_LENGTH, Recognition

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
TENANT, PERSON, PEER, UNIT = (uuid.UUID(int=n) for n in range(1, 5))
SQL, TALK = uuid.UUID(int=101), uuid.UUID(int=102)
SALES = Measure("Quarterly revenue", "EUR", 100.0, 200.0)


def goal(**overrides) -> Goal:
    fields = {
        "employee_id": PERSON,
        "org_unit_id": None,
        "parent": None,
        "title": "Grow revenue",
        "measure": SALES,
        "now": NOW,
    }
    return Goal.create(TENANT, **(fields | overrides))


def fields_of(error: pytest.ExceptionInfo) -> set[str]:
    return {e.field for e in error.value.errors}


def test_the_owner_decides_the_level():
    assert level_of(None, None) is GoalLevel.ORGANISATION
    assert level_of(None, UNIT) is GoalLevel.TEAM
    assert level_of(PERSON, None) is GoalLevel.PERSON
    assert goal(employee_id=None, org_unit_id=UNIT).level is GoalLevel.TEAM


def test_a_new_goal_is_cleaned_and_starts_as_a_draft():
    made = goal(title="  Grow revenue ", measure=Measure(" Revenue ", " EUR ", 1, 2))
    assert (made.title, made.measure.kpi, made.measure.unit) == ("Grow revenue", "Revenue", "EUR")
    assert (made.status, made.version, made.current_value, made.progress) == (
        GoalStatus.DRAFT,
        1,
        None,
        None,
    )


def test_every_broken_rule_is_named_at_its_field():
    with pytest.raises(InvalidInput) as error:
        goal(
            employee_id=PERSON,
            org_unit_id=UNIT,
            title=" ",
            description="bad\x00",
            measure=Measure("", "x" * 51, 5, None),
            status=GoalStatus.ACHIEVED,
            capability_ids=[SQL, TALK, SQL],
        )
    assert fields_of(error) == {
        "org_unit_id",
        "title",
        "description",
        "unit",
        "target",
        "status",
        "capability_ids.2",
    }


@pytest.mark.parametrize(
    ("measure", "field"),
    [
        (Measure("Revenue", "EUR", None, 5), "baseline"),
        (Measure("Revenue", "EUR", 5, 5), "target"),
        (Measure("", "EUR", 1, 5), "kpi"),
        (Measure("Revenue", "EUR", math.nan, 5), "baseline"),
        (Measure("Revenue", "EUR", 1, math.inf), "target"),
        (Measure("k" * 201), "kpi"),
    ],
)
def test_a_measurable_goal_needs_a_kpi_a_baseline_and_a_different_target(measure, field):
    with pytest.raises(InvalidInput) as error:
        goal(measure=measure)
    assert field in fields_of(error)


def test_a_goal_judged_without_a_number_is_allowed():
    assert goal(measure=Measure()).progress is None


def test_a_goal_aligns_under_its_level_or_above_never_below():
    organisation = Parent(uuid.UUID(int=900), GoalLevel.ORGANISATION)
    team = Parent(uuid.UUID(int=901), GoalLevel.TEAM, (organisation.id,))
    person = Parent(uuid.UUID(int=902), GoalLevel.PERSON, (team.id, organisation.id))
    assert goal(parent=person).parent_id == person.id
    assert goal(employee_id=None, org_unit_id=UNIT, parent=organisation).parent_id
    assert goal(employee_id=None, parent=organisation).parent_id == organisation.id
    with pytest.raises(InvalidInput) as error:
        goal(employee_id=None, org_unit_id=UNIT, parent=person)
    assert fields_of(error) == {"parent_id"}
    with pytest.raises(InvalidInput):
        goal(employee_id=None, parent=team)


def test_re_aligning_under_itself_or_a_descendant_is_refused():
    made = goal()
    with pytest.raises(InvalidInput, match="not valid") as error:
        made.revise(LATER, parent=Parent(made.id, GoalLevel.PERSON))
    assert fields_of(error) == {"parent_id"}
    below = Parent(uuid.UUID(int=950), GoalLevel.PERSON, (uuid.UUID(int=951), made.id))
    with pytest.raises(InvalidInput):
        made.revise(LATER, parent=below)


def test_alignment_stops_at_a_depth_the_chain_query_sees_whole():
    """Beyond MAX_DEPTH goals above, a cycle could hide where the ancestors query stops."""
    above = tuple(uuid.UUID(int=2000 + n) for n in range(MAX_DEPTH))
    with pytest.raises(InvalidInput) as error:
        goal(parent=Parent(uuid.UUID(int=1999), GoalLevel.PERSON, above))
    assert fields_of(error) == {"parent_id"}
    assert goal(parent=Parent(uuid.UUID(int=1999), GoalLevel.PERSON, above[1:])).parent_id


def test_the_lifecycle():
    draft = goal()
    active = draft.revise(LATER, status=GoalStatus.ACTIVE)
    assert (active.status, active.version, active.updated_at) == (GoalStatus.ACTIVE, 2, LATER)
    with pytest.raises(InvalidTransition):
        draft.revise(LATER, status=GoalStatus.ACHIEVED)
    with pytest.raises(InvalidTransition):
        active.revise(LATER, status=GoalStatus.DRAFT)
    assert draft.revise(LATER, status=GoalStatus.CANCELLED).closed
    achieved = active.revise(LATER, status=GoalStatus.ACHIEVED)
    with pytest.raises(InvalidTransition):
        achieved.revise(LATER, title="Something else")
    with pytest.raises(InvalidTransition):
        achieved.revise(LATER, status=GoalStatus.ACTIVE)
    assert achieved.revise(LATER, status=GoalStatus.ACHIEVED) is achieved


def test_a_revision_that_changes_nothing_keeps_the_version():
    made = goal(capability_ids=[SQL])
    assert made.revise(LATER, title=" Grow revenue ", capability_ids=[SQL]) is made
    changed = made.revise(LATER, capability_ids=[TALK, SQL], due_date=date(2027, 3, 31))
    assert (changed.capability_ids, changed.version) == ((TALK, SQL), 2)
    with pytest.raises(InvalidInput) as error:
        made.revise(LATER, title="")
    assert fields_of(error) == {"title"}


def test_progress_sets_the_current_value_and_starts_a_draft():
    made = goal()
    moved, update = made.record_progress(150, " Halfway ", "api_key:1", LATER)
    assert (moved.current_value, moved.status, moved.version) == (150, GoalStatus.ACTIVE, 2)
    assert moved.progress == 0.5
    assert (update.goal_id, update.value, update.note, update.recorded_at) == (
        made.id,
        150,
        "Halfway",
        LATER,
    )
    again, _ = moved.record_progress(120, "", "api_key:1", LATER)
    assert (again.current_value, again.status) == (120, GoalStatus.ACTIVE)


def test_a_closed_goal_takes_no_progress_and_bad_values_are_refused():
    closed = goal().revise(LATER, status=GoalStatus.CANCELLED)
    with pytest.raises(InvalidTransition):
        closed.record_progress(1, "", "x", LATER)
    with pytest.raises(InvalidInput) as error:
        goal().record_progress(math.nan, "n" * 2001, "x", LATER)
    assert fields_of(error) == {"value", "note"}
    with pytest.raises(InvalidInput) as error:
        goal(measure=Measure()).record_progress(1, "", "x", LATER)
    assert fields_of(error) == {"value"}


def test_progress_share_counts_up_and_down():
    assert progress_share(100, 200, 150) == 0.5
    assert progress_share(100, 200, 250) == 1.0
    assert progress_share(100, 200, 50) == 0.0
    assert progress_share(10, 2, 4) == 0.75  # a target below the baseline: lower is better
    assert progress_share(None, 200, 150) is None
    assert progress_share(100, 200, None) is None


numbers = st.floats(-1e6, 1e6, allow_nan=False)


@given(numbers, numbers, numbers, numbers)
def test_progress_share_is_a_clamped_monotone_share(baseline, target, value, other):
    share = progress_share(baseline, target, value)
    if baseline == target:
        assert share is None
        return
    assert share is not None and 0.0 <= share <= 1.0
    assert progress_share(baseline, target, baseline) == 0.0
    assert progress_share(baseline, target, target) == 1.0
    further = progress_share(baseline, target, other)
    assert further is not None
    # Compared by sign: the product of two tiny differences underflows to -0.0, which
    # reads as "towards" when it is away.
    towards_target = other == value or (other > value) == (target > baseline)
    if towards_target:
        assert further >= share


def linked(parents: dict[int, int | None]) -> dict[uuid.UUID, Goal]:
    made = {}
    for index, parent in parents.items():
        base = goal()
        made[uuid.UUID(int=index)] = Goal(
            **(
                vars(base)
                | {
                    "id": uuid.UUID(int=index),
                    "parent_id": None if parent is None else uuid.UUID(int=parent),
                }
            )
        )
    return made


def test_alignment_follows_parents_to_the_top():
    tree = linked({1: None, 2: 1, 3: 2, 4: 2, 5: 99})
    assert alignment(tree, uuid.UUID(int=3)) == [uuid.UUID(int=2), uuid.UUID(int=1)]
    assert alignment(tree, uuid.UUID(int=1)) == []
    assert alignment(tree, uuid.UUID(int=5)) == []  # a parent outside the goals ends it
    assert alignment(tree, uuid.UUID(int=42)) == []
    looped = linked({1: 2, 2: 1})
    assert alignment(looped, uuid.UUID(int=1)) == [uuid.UUID(int=2)]


def recognition(**overrides) -> Recognition:
    fields = {"employee_id": PERSON, "given_by": PEER, "message": " Thank you! ", "now": NOW}
    return Recognition.give(TENANT, **(fields | overrides))


def test_recognition_is_for_someone_else_with_a_message():
    given = recognition(capability_id=SQL)
    assert (given.message, given.capability_id, given.goal_id) == ("Thank you!", SQL, None)
    with pytest.raises(InvalidInput) as error:
        recognition(given_by=PERSON, message="  ")
    assert fields_of(error) == {"employee_id", "message"}
    with pytest.raises(InvalidInput) as error:
        recognition(message="x" * (MESSAGE_MAX_LENGTH + 1))
    assert fields_of(error) == {"message"}


def test_recognition_for_a_goal_needs_the_recipients_goal():
    mine = uuid.UUID(int=77)
    assert recognition(goal_id=mine, goal_owner=PERSON).goal_id == mine
    for owner in (PEER, None):
        with pytest.raises(InvalidInput) as error:
            recognition(goal_id=mine, goal_owner=owner)
        assert fields_of(error) == {"goal_id"}
