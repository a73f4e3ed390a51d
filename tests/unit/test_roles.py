import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.roles import MAX_WEIGHT, Requirement, RoleProfile

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
TENANT = uuid.uuid4()
PYTHON, SQL, KINDNESS = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
MAX_LEVELS = {PYTHON: 5, SQL: 4, KINDNESS: 3}


def create(requirements=(), **overrides) -> RoleProfile:
    arguments = {
        "key": "backend-engineer",
        "name": "Backend engineer",
        "description": "",
        "requirements": list(requirements),
        "max_levels": MAX_LEVELS,
        "now": NOW,
    }
    return RoleProfile.create(TENANT, **(arguments | overrides))


def refused_fields(call) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        call()
    return [error.field for error in refused.value.errors]


def test_a_role_keeps_its_requirements_in_order():
    requirements = [Requirement(SQL, 2, weight=0.5), Requirement(PYTHON, 5, core=True)]
    role = create(requirements, name="  Backend engineer ", description=" Builds APIs ")
    assert role.requirements == tuple(requirements)
    assert (role.key, role.name, role.description) == (
        "backend-engineer",
        "Backend engineer",
        "Builds APIs",
    )
    assert (role.version, role.created_at, role.updated_at, role.tenant_id) == (
        1,
        NOW,
        NOW,
        TENANT,
    )


def test_a_role_without_requirements_is_valid():
    assert create().requirements == ()


def test_a_requirement_on_an_unknown_capability_is_refused_on_its_capability_id():
    requirements = [Requirement(PYTHON, 3), Requirement(uuid.uuid4(), 1)]
    assert refused_fields(lambda: create(requirements)) == ["requirements.1.capability_id"]


@pytest.mark.parametrize(("capability", "level"), [(PYTHON, 0), (PYTHON, 6), (SQL, 5), (SQL, -1)])
def test_a_required_level_outside_the_capabilitys_scale_is_refused(capability, level):
    assert refused_fields(lambda: create([Requirement(capability, level)])) == [
        "requirements.0.required_level"
    ]


@pytest.mark.parametrize(("capability", "level"), [(PYTHON, 1), (PYTHON, 5), (KINDNESS, 3)])
def test_the_lowest_and_the_top_level_of_the_scale_are_accepted(capability, level):
    assert create([Requirement(capability, level)]).requirements[0].required_level == level


def test_a_capability_listed_twice_is_refused_on_the_second_listing():
    requirements = [Requirement(PYTHON, 3), Requirement(SQL, 2), Requirement(PYTHON, 4)]
    assert refused_fields(lambda: create(requirements)) == ["requirements.2.capability_id"]


@pytest.mark.parametrize("weight", [0.0, -1.0, MAX_WEIGHT + 0.001, math.inf, math.nan])
def test_a_weight_must_be_more_than_zero_and_at_most_a_hundred(weight):
    assert refused_fields(lambda: create([Requirement(PYTHON, 3, weight=weight)])) == [
        "requirements.0.weight"
    ]


@pytest.mark.parametrize("weight", [0.001, 1.0, 37.5, MAX_WEIGHT])
def test_weights_in_bounds_are_accepted(weight):
    assert create([Requirement(PYTHON, 3, weight=weight)]).requirements[0].weight == weight


def test_every_problem_is_reported_with_its_path():
    requirements = [
        Requirement(PYTHON, 9, weight=0),
        Requirement(uuid.uuid4(), 1),
        Requirement(PYTHON, 2),
    ]
    assert refused_fields(lambda: create(requirements, key="", name=" ")) == [
        "key",
        "name",
        "requirements.0.required_level",
        "requirements.0.weight",
        "requirements.1.capability_id",
        "requirements.2.capability_id",
    ]


def test_revising_replaces_the_requirements_and_bumps_the_version():
    role = create([Requirement(PYTHON, 3)])
    revised = role.revise(
        name="Senior backend engineer",
        description="",
        requirements=[Requirement(SQL, 4, weight=2.0)],
        max_levels=MAX_LEVELS,
        now=LATER,
    )
    assert revised.requirements == (Requirement(SQL, 4, weight=2.0),)
    assert (revised.name, revised.version, revised.updated_at) == (
        "Senior backend engineer",
        2,
        LATER,
    )
    assert (revised.id, revised.key, revised.created_at) == (role.id, role.key, NOW)


def test_a_revision_is_checked_against_the_scales_given_at_that_time():
    role = create([Requirement(PYTHON, 5)])
    assert refused_fields(
        lambda: role.revise(
            name=role.name,
            description="",
            requirements=role.requirements,
            max_levels={PYTHON: 4},
            now=LATER,
        )
    ) == ["requirements.0.required_level"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from([PYTHON, SQL, KINDNESS]),
            st.integers(-1, 7),
            st.floats(-1, 120, allow_nan=False),
        ),
        max_size=5,
    )
)
def test_requirements_are_accepted_exactly_when_each_rule_holds(rows):
    requirements = [Requirement(c, level, weight=weight) for c, level, weight in rows]
    capabilities = [c for c, _, _ in rows]
    valid = (
        len(set(capabilities)) == len(capabilities)
        and all(1 <= level <= MAX_LEVELS[c] for c, level, _ in rows)
        and all(0 < weight <= MAX_WEIGHT for _, _, weight in rows)
    )
    if valid:
        assert create(requirements).requirements == tuple(requirements)
    else:
        assert refused_fields(lambda: create(requirements))
