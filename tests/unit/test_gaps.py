import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.gaps import (
    CapabilityGap,
    GapStatus,
    Member,
    Readiness,
    RollUp,
    employee_gaps,
    readiness,
    roll_up,
)
from app.domain.roles import Requirement

PYTHON, SQL, KINDNESS, RUST = (uuid.UUID(int=i) for i in range(1, 5))
CAPABILITIES = [uuid.UUID(int=i) for i in range(1, 7)]


def gap(current: int | None, required: int = 3, weight: float = 1.0, core: bool = False):
    return CapabilityGap(PYTHON, required, current, weight, core)


# One employee and capability


@pytest.mark.parametrize(
    ("current", "status", "gap_", "surplus"),
    [
        (1, GapStatus.BELOW, 2, 0),
        (2, GapStatus.BELOW, 1, 0),
        (3, GapStatus.MET, 0, 0),
        (5, GapStatus.MET, 0, 2),
        (None, GapStatus.UNKNOWN, None, None),
    ],
)
def test_gap_surplus_and_status_against_a_required_level_of_three(current, status, gap_, surplus):
    measured = gap(current)
    assert (measured.status, measured.gap, measured.surplus) == (status, gap_, surplus)


def test_a_capability_never_assessed_is_unknown_not_a_gap_of_zero():
    unknown = gap(None, weight=4.0)
    assert unknown.status is GapStatus.UNKNOWN
    assert unknown.gap is None and unknown.gap != 0
    assert unknown.weighted_gap is None


def test_the_weighted_gap_multiplies_by_the_requirement_weight():
    assert gap(1, weight=2.5).weighted_gap == 5.0
    assert gap(4, weight=2.5).weighted_gap == 0


@given(st.integers(1, 10), st.one_of(st.none(), st.integers(1, 10)))
def test_gap_and_surplus_are_never_both_positive_and_differ_by_the_level_difference(
    required, current
):
    measured = gap(current, required=required)
    if current is None:
        assert (measured.gap, measured.surplus, measured.status) == (None, None, "unknown")
        return
    assert measured.gap >= 0 and measured.surplus >= 0
    assert measured.gap * measured.surplus == 0
    assert measured.surplus - measured.gap == current - required
    assert (measured.status is GapStatus.MET) == (measured.gap == 0)


def test_employee_gaps_follow_the_requirements_and_ignore_other_levels():
    requirements = [Requirement(SQL, 2, weight=0.5), Requirement(PYTHON, 4, core=True)]
    gaps = employee_gaps(requirements, {PYTHON: 3, RUST: 5})
    assert gaps == [
        CapabilityGap(SQL, 2, None, 0.5, False),
        CapabilityGap(PYTHON, 4, 3, 1.0, True),
    ]


def test_no_requirements_means_no_gaps():
    assert employee_gaps([], {PYTHON: 3}) == []


# Readiness


def test_readiness_is_the_weighted_share_of_requirements_met():
    gaps = [
        CapabilityGap(PYTHON, 3, 4, 3.0, False),
        CapabilityGap(SQL, 3, 2, 1.0, False),
    ]
    assert readiness(gaps).score == pytest.approx(0.75)


def test_an_unknown_requirement_counts_as_not_met_and_blocks():
    gaps = [CapabilityGap(PYTHON, 3, 3, 1.0, False), CapabilityGap(SQL, 1, None, 1.0, False)]
    ready = readiness(gaps)
    assert ready.score == pytest.approx(0.5)
    assert [g.capability_id for g in ready.blocking] == [SQL]


def test_nothing_required_means_no_readiness_and_nothing_blocking():
    assert readiness([]) == Readiness(score=1.0, blocking=())


def test_meeting_everything_is_full_readiness():
    gaps = [CapabilityGap(PYTHON, 3, 5, 2.0, True), CapabilityGap(SQL, 1, 1, 1.0, False)]
    assert readiness(gaps) == Readiness(score=1.0, blocking=())


def test_blocking_gaps_are_core_first_then_the_largest_weighted_gap():
    small_core = CapabilityGap(PYTHON, 3, 2, 1.0, True)  # weighted gap 1
    big_core = CapabilityGap(SQL, 4, 2, 1.0, True)  # 2
    heavy = CapabilityGap(KINDNESS, 3, 2, 10.0, False)  # 10
    light = CapabilityGap(RUST, 5, 1, 1.0, False)  # 4
    met = CapabilityGap(uuid.uuid4(), 1, 3, 50.0, True)
    ready = readiness([light, small_core, met, heavy, big_core])
    assert ready.blocking == (big_core, small_core, heavy, light)


def test_an_unknown_requirement_ranks_as_a_gap_from_nothing():
    unknown = CapabilityGap(PYTHON, 3, None, 1.0, False)  # as if 3 levels short
    two_short = CapabilityGap(SQL, 3, 1, 1.0, False)
    four_short = CapabilityGap(KINDNESS, 5, 1, 1.0, False)
    assert readiness([two_short, four_short, unknown]).blocking == (four_short, unknown, two_short)


def test_equal_blocking_gaps_are_ordered_by_capability_id():
    first = CapabilityGap(PYTHON, 3, 2, 1.0, False)
    second = CapabilityGap(SQL, 3, 2, 1.0, False)
    assert readiness([second, first]).blocking == (first, second)


requirement_levels = st.integers(1, 5)
requirement_weights = st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 10.0, 100.0])
capability_gaps = st.lists(
    st.builds(
        CapabilityGap,
        capability_id=st.sampled_from(CAPABILITIES),
        required_level=requirement_levels,
        current_level=st.one_of(st.none(), requirement_levels),
        weight=requirement_weights,
        core=st.booleans(),
    ),
    max_size=6,
    unique_by=lambda g: g.capability_id,
)


def ranking_gap(g: CapabilityGap) -> float:
    return g.weighted_gap if g.weighted_gap is not None else g.weight * g.required_level


@settings(max_examples=100)
@given(capability_gaps)
def test_readiness_agrees_with_counting_by_hand(gaps):
    ready = readiness(gaps)
    total = sum(g.weight for g in gaps)
    met = sum(
        g.weight
        for g in gaps
        if g.current_level is not None and g.current_level >= g.required_level
    )
    assert ready.score == pytest.approx(met / total if total else 1.0)
    assert 0.0 <= ready.score <= 1.0
    not_met = {g for g in gaps if g.status is not GapStatus.MET}
    assert set(ready.blocking) == not_met and len(ready.blocking) == len(not_met)
    assert (ready.score == pytest.approx(1.0)) == (not not_met)
    for before, after in zip(ready.blocking, ready.blocking[1:], strict=False):
        assert before.core >= after.core
        if before.core == after.core:
            assert ranking_gap(before) >= ranking_gap(after)


# Roll-ups


def member(requirements: dict, current: dict) -> Member:
    return Member(
        uuid.uuid4(),
        [Requirement(c, level, weight) for c, (level, weight) in requirements.items()],
        current,
    )


def test_a_roll_up_counts_the_group_per_capability():
    team = [
        member({PYTHON: (3, 2.0), SQL: (2, 1.0)}, {PYTHON: 1, SQL: 4}),
        member({PYTHON: (3, 1.0)}, {PYTHON: 3}),
        member({PYTHON: (4, 1.0)}, {}),
        member({SQL: (3, 0.5)}, {PYTHON: 1}),
    ]
    rolled = roll_up(team)
    assert set(rolled) == {PYTHON, SQL}
    assert rolled[PYTHON] == RollUp(
        capability_id=PYTHON,
        headcount=3,
        assessed=2,
        below=1,
        met=1,
        mean_gap=1.0,  # (2 + 0) / 2
        weighted_gap=2.0,  # (2 x 2.0 + 0) / 2
        impact=4.0,
    )
    assert rolled[PYTHON].coverage == pytest.approx(1 / 3)
    assert rolled[SQL] == RollUp(SQL, 2, 1, 0, 1, 0.0, 0.0, 1.5)
    assert rolled[SQL].coverage == 0.5


def test_a_capability_nobody_assessed_has_no_mean_gap_and_no_coverage():
    rolled = roll_up([member({RUST: (2, 3.0)}, {}), member({RUST: (4, 1.0)}, {})])
    assert rolled[RUST] == RollUp(RUST, 2, 0, 0, 0, None, None, 4.0)
    assert rolled[RUST].coverage == 0.0


def test_an_empty_group_rolls_up_to_nothing():
    assert roll_up([]) == {}
    assert roll_up([member({}, {PYTHON: 3})]) == {}


def test_roll_up_accepts_a_generator_of_members():
    rolled = roll_up(member({PYTHON: (2, 1.0)}, {PYTHON: 2}) for _ in range(3))
    assert (rolled[PYTHON].headcount, rolled[PYTHON].met) == (3, 3)


def test_coverage_of_an_empty_roll_up_is_zero():
    assert RollUp(PYTHON, 0, 0, 0, 0, None, None, 0.0).coverage == 0.0


def brute_force_roll_up(members: list[Member]) -> dict[uuid.UUID, dict]:
    """Per capability, walk every member, one statistic at a time."""
    required_somewhere = {r.capability_id for m in members for r in m.requirements}
    expected = {}
    for capability in required_somewhere:
        needing = [
            (r, m.current.get(capability))
            for m in members
            for r in m.requirements
            if r.capability_id == capability
        ]
        assessed = [(r, level) for r, level in needing if level is not None]
        gaps = [max(r.required_level - level, 0) for r, level in assessed]
        weighted = [max(r.required_level - level, 0) * r.weight for r, level in assessed]
        met = sum(1 for r, level in assessed if level >= r.required_level)
        expected[capability] = {
            "headcount": len(needing),
            "assessed": len(assessed),
            "below": sum(1 for r, level in assessed if level < r.required_level),
            "met": met,
            "mean_gap": sum(gaps) / len(gaps) if gaps else None,
            "weighted_gap": sum(weighted) / len(weighted) if weighted else None,
            "impact": sum(r.weight for r, _ in needing),
            "coverage": met / len(needing),
        }
    return expected


members = st.lists(
    st.builds(
        member,
        st.dictionaries(
            st.sampled_from(CAPABILITIES), st.tuples(requirement_levels, requirement_weights)
        ),
        st.dictionaries(st.sampled_from(CAPABILITIES), requirement_levels),
    ),
    max_size=8,
)


@settings(max_examples=100)
@given(members)
def test_the_roll_up_agrees_with_a_brute_force_count(group):
    rolled = roll_up(group)
    expected = brute_force_roll_up(group)
    assert set(rolled) == set(expected)
    for capability, stats in expected.items():
        got = rolled[capability]
        assert got.capability_id == capability
        assert (got.headcount, got.assessed, got.below, got.met) == (
            stats["headcount"],
            stats["assessed"],
            stats["below"],
            stats["met"],
        )
        assert got.below + got.met == got.assessed <= got.headcount
        for name in ("mean_gap", "weighted_gap"):
            if stats[name] is None:
                assert getattr(got, name) is None
            else:
                assert getattr(got, name) == pytest.approx(stats[name])
        assert got.impact == pytest.approx(stats["impact"])
        assert got.coverage == pytest.approx(stats["coverage"])
        assert 0.0 <= got.coverage <= 1.0


@settings(max_examples=30)
@given(members, members)
def test_headcounts_and_impact_add_up_over_disjoint_groups(first, second):
    together = roll_up(first + second)
    apart = [roll_up(first), roll_up(second)]
    for capability, rolled in together.items():
        parts = [part[capability] for part in apart if capability in part]
        assert rolled.headcount == sum(p.headcount for p in parts)
        assert rolled.assessed == sum(p.assessed for p in parts)
        assert rolled.met == sum(p.met for p in parts)
        assert rolled.impact == pytest.approx(sum(p.impact for p in parts))
