"""The SQL training needs analysis agrees with app.domain.development.training_needs, its
definition, on generated organisations and catalogue reach."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.development import NeedInput, training_needs
from app.domain.views import GroupBy, Grouping
from tests.integration.test_roll_ups_match_the_domain import CAPABILITIES, build, organisations

NOT_IN_THE_TENANT = -1


@st.composite
def reaches(draw):
    """(capability index, level) -> the level the catalogue takes someone there to, always
    higher; now and then for a capability no role requires or no tenant has."""
    starts = draw(
        st.sets(
            st.tuples(st.integers(NOT_IN_THE_TENANT, CAPABILITIES - 1), st.integers(1, 4)),
            max_size=3 * CAPABILITIES,
        )
    )
    return {start: draw(st.integers(start[1] + 1, 5)) for start in sorted(starts)}


def expected(groups, people, roles, ids, capability, reach):
    """The domain's training needs for each group of people indexes."""
    result = {}
    for key, members in groups.items():
        needs = training_needs(
            (
                NeedInput(
                    requirement.capability_id,
                    requirement.required_level,
                    requirement.weight,
                    {capability[c]: level for c, level in people[i]["levels"].items()}.get(
                        requirement.capability_id
                    ),
                )
                for i in members
                if people[i]["active"] and people[i]["role"] is not None
                for requirement in roles[people[i]["role"]].requirements
            ),
            reach,
        )
        if needs:
            result[key] = needs
    return result


def normalised(found, approximately=False):
    """group -> capability -> the need's fields; `approximately` on the expected side."""
    return {
        key: {
            need.capability_id: (
                need.people_below,
                need.levels_short,
                pytest.approx(need.weighted_demand) if approximately else need.weighted_demand,
                need.people_uncovered,
                need.levels_uncovered,
                need.unassessed,
            )
            for need in needs
        }
        for key, needs in found.items()
    }


def listed(found):
    """The same, with each group's needs as a list (as the repository gives them)."""
    return {key: list(needs.values()) for key, needs in found.items()}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(organisations(), reaches())
async def test_sql_training_needs_equal_the_domain_definition(engine, organisation, reach_spec):
    roles_spec, unit_parents, people = organisation
    uow, tenant_id, roles, units, ids, capability = await build(
        engine, roles_spec, unit_parents, people
    )
    elsewhere = uuid.uuid4()
    reach = {(capability.get(c, elsewhere), level): top for (c, level), top in reach_spec.items()}

    def below_unit(root):
        found = {root}
        changed = True
        while changed:
            changed = False
            for index, parent in enumerate(unit_parents):
                if parent in found and index not in found:
                    found.add(index)
                    changed = True
        return found

    def reports_of(manager):
        found, frontier = set(), [manager]
        while frontier:
            current = frontier.pop()
            for i, p in enumerate(people):
                if p["manager"] == current and i not in found:
                    found.add(i)
                    frontier.append(i)
        return found

    cases = [
        (Grouping(GroupBy.TENANT), {"tenant": set(range(len(people)))}),
        (
            Grouping(GroupBy.ORG_UNIT, tuple(u.id for u in units)),
            {
                str(u.id): {i for i, p in enumerate(people) if p["unit"] in below_unit(n)}
                for n, u in enumerate(units)
            },
        ),
        (
            Grouping(GroupBy.ROLE, tuple(r.id for r in roles)),
            {
                str(r.id): {i for i, p in enumerate(people) if p["role"] == n}
                for n, r in enumerate(roles)
            },
        ),
        (Grouping(GroupBy.TEAM, (ids[0],)), {str(ids[0]): reports_of(0)}),
        (
            Grouping(GroupBy.TEAM, (ids[0],), whole_chain=False),
            {str(ids[0]): {i for i, p in enumerate(people) if p["manager"] == 0}},
        ),
    ]
    for grouping, groups in cases:
        async with uow() as unit_of_work:
            from_sql = await unit_of_work.gaps.training_needs(tenant_id, grouping, (), reach)
        assert all(
            len({n.capability_id for n in needs}) == len(needs) for needs in from_sql.values()
        ), "one row per group and capability"
        assert normalised(from_sql) == normalised(
            listed(expected(groups, people, roles, ids, capability, reach)), approximately=True
        ), grouping


async def test_a_catalogue_of_any_size_is_one_statement(engine):
    """The reach map travels as parameters: thousands of entries neither hit SQLite's
    compound-SELECT limit nor PostgreSQL's stack depth."""
    uow, tenant_id, _, _, _, capability = await build(
        engine,
        [{0: (3, 1.0)}],
        [None],
        [{"role": 0, "unit": 0, "manager": None, "active": True, "levels": {0: 1}}],
    )
    reach = {(uuid.uuid4(), 1): 3 for _ in range(8_000)} | {(capability[0], 1): 2}
    async with uow() as unit_of_work:
        found = await unit_of_work.gaps.training_needs(
            tenant_id, Grouping(GroupBy.TENANT), (), reach
        )
    (need,) = found["tenant"]
    assert (need.people_below, need.people_uncovered, need.levels_uncovered) == (1, 1, 1)
