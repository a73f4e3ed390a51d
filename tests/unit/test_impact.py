"""Learning impact's definition: gaps against their re-assessment, grouped three ways."""

import uuid
from datetime import UTC, datetime

import pytest

from app.domain.errors import InvalidInput
from app.domain.impact import (
    COMMENT_MAX_LENGTH,
    ClosedPlan,
    Feedback,
    GapOutcome,
    ImpactBy,
    learning_impact,
)

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
TENANT = uuid.UUID(int=1)
SALES, SUPPORT = uuid.UUID(int=11), uuid.UUID(int=12)
NEGOTIATION, CRM, SQL = uuid.UUID(int=21), uuid.UUID(int=22), uuid.UUID(int=23)
COURSE, MENTORING, VIDEO = uuid.UUID(int=31), uuid.UUID(int=32), uuid.UUID(int=33)


def plan(n, unit, days, gaps, completed=None, ratings=None) -> ClosedPlan:
    return ClosedPlan(
        uuid.UUID(int=100 + n), unit, days, tuple(gaps), completed or {}, ratings or {}
    )


PLANS = [
    plan(
        1,
        SALES,
        30.0,
        # Negotiation 1 -> 3 of 3 (closed, +2); CRM never rated before, 2 of 2 now (closed).
        [GapOutcome(NEGOTIATION, 3, 1, 3), GapOutcome(CRM, 2, None, 2)],
        completed={COURSE: frozenset({NEGOTIATION}), VIDEO: frozenset({SQL})},
        ratings={COURSE: 5, VIDEO: 2},
    ),
    plan(
        2,
        SALES,
        60.0,
        # Negotiation 2 -> 2 of 3 (open, no change); SQL not rated again.
        [GapOutcome(NEGOTIATION, 3, 2, 2), GapOutcome(SQL, 2, 1, None)],
        completed={COURSE: frozenset({NEGOTIATION}), MENTORING: frozenset({NEGOTIATION, SQL})},
        ratings={COURSE: 3},
    ),
    plan(3, None, 10.0, [GapOutcome(CRM, 3, 1, 2)]),
]


def test_per_capability_level_change_share_closed_and_days():
    lines = {line.id: line for line in learning_impact(PLANS, ImpactBy.CAPABILITY)}
    assert list(lines) == sorted([NEGOTIATION, CRM, SQL])
    negotiation = lines[NEGOTIATION]
    assert (negotiation.plans, negotiation.gaps, negotiation.reassessed, negotiation.closed) == (
        2,
        2,
        2,
        1,
    )
    assert negotiation.share_closed == 0.5
    assert negotiation.mean_level_change == 1.0  # (+2 + 0) / 2
    assert negotiation.mean_days_to_close == 30.0  # only the closed gap counts
    crm = lines[CRM]
    # Not rated before: it counts as a gap, closed, but has no change to average.
    assert (crm.gaps, crm.closed, crm.mean_level_change, crm.mean_days_to_close) == (
        2,
        1,
        1.0,
        30.0,
    )
    sql = lines[SQL]
    assert (sql.reassessed, sql.closed, sql.mean_level_change, sql.mean_days_to_close) == (
        0,
        0,
        None,
        None,
    )
    assert sql.share_closed == 0.0
    # Ratings are a learning item's: other lines have none to count.
    assert (sql.ratings, sql.mean_rating) == (None, None)


def test_per_org_unit_leaves_out_people_without_one():
    lines = learning_impact(PLANS, ImpactBy.ORG_UNIT)
    assert [line.id for line in lines] == [SALES]
    (sales,) = lines
    assert (sales.plans, sales.gaps, sales.closed) == (2, 4, 2)


def test_per_learning_item_completions_the_gaps_it_teaches_and_ratings():
    lines = {line.id: line for line in learning_impact(PLANS, ImpactBy.LEARNING_ITEM)}
    assert list(lines) == sorted([COURSE, MENTORING, VIDEO])
    course = lines[COURSE]
    assert (course.plans, course.gaps, course.closed, course.mean_level_change) == (2, 2, 1, 1.0)
    assert (course.ratings, course.mean_rating) == (2, 4.0)
    mentoring = lines[MENTORING]
    assert (mentoring.plans, mentoring.gaps, mentoring.reassessed, mentoring.closed) == (
        1,
        2,
        1,
        0,
    )
    # Completed and rated, but chosen for none of the plan's gaps: nothing to close.
    video = lines[VIDEO]
    assert (video.plans, video.gaps, video.closed, video.share_closed) == (1, 0, 0, None)
    assert (video.ratings, video.mean_rating) == (1, 2.0)


def test_nothing_counted_gives_no_lines():
    for by in ImpactBy:
        assert learning_impact([], by) == []


def test_feedback_is_a_rating_from_1_to_5_and_a_short_clean_comment():
    given = Feedback.of(
        TENANT, plan_id=PLANS[0].id, learning_item_id=COURSE, rating=4, comment=" Useful ", now=NOW
    )
    assert (given.rating, given.comment, given.given_at) == (4, "Useful", NOW)
    for rating, comment, fields in (
        (0, "", {"rating"}),
        (6, "x" * (COMMENT_MAX_LENGTH + 1), {"rating", "comment"}),
        (3, "bell\x07", {"comment"}),
    ):
        with pytest.raises(InvalidInput) as error:
            Feedback.of(
                TENANT,
                plan_id=PLANS[0].id,
                learning_item_id=COURSE,
                rating=rating,
                comment=comment,
                now=NOW,
            )
        assert {e.field for e in error.value.errors} == fields
