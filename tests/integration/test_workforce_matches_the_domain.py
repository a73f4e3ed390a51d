"""The SQL workforce reports agree with app.domain.workforce, their definition, on generated
organisations: capability maturity and the succession bench, over the whole tenant, an org
unit's subtree, and a manager's reach."""

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.adapters.db.tables import employee_aspired_roles
from app.domain.pagination import PageRequest
from app.domain.workforce import (
    Holder,
    Person,
    Population,
    capability_maturity,
    succession_bench,
)
from tests.integration.test_roll_ups_match_the_domain import build, organisations


@st.composite
def workforces(draw):
    roles, unit_parents, people = draw(organisations())
    aspirations = [
        draw(st.sets(st.integers(0, len(roles) - 1), max_size=len(roles))) for _ in people
    ]
    return roles, unit_parents, people, aspirations


def below_unit(unit_parents, root):
    found = {root}
    changed = True
    while changed:
        changed = False
        for index, parent in enumerate(unit_parents):
            if parent in found and index not in found:
                found.add(index)
                changed = True
    return found


def reach_of(people, manager):
    found, frontier = {manager}, [manager]
    while frontier:
        current = frontier.pop()
        for i, p in enumerate(people):
            if p["manager"] == current and i not in found:
                found.add(i)
                frontier.append(i)
    return found


def candidates_of(bench):
    return [
        (
            c.employee_id,
            c.name,
            c.external_id,
            round(c.readiness, 9),
            c.band,
            c.requirements,
            c.requirements_met,
        )
        for c in bench.candidates
    ]


def benches(found):
    return {b.role_id: (b.role_key, b.role_name, b.holders, candidates_of(b)) for b in found}


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(workforces())
async def test_sql_workforce_reports_equal_the_domain_definitions(engine, workforce):
    roles_spec, unit_parents, people, aspirations = workforce
    uow, tenant_id, roles, units, ids, capability = await build(
        engine, roles_spec, unit_parents, people
    )
    rows = [
        {"tenant_id": tenant_id, "employee_id": ids[i], "role_id": roles[r].id}
        for i, wanted in enumerate(aspirations)
        for r in wanted
    ]
    if rows:
        async with uow() as unit_of_work:
            await unit_of_work._conn.execute(sa.insert(employee_aspired_roles), rows)
            await unit_of_work.commit()
    by_id = {role.id: role for role in roles}

    def levels_of(i):
        return {capability[c]: level for c, level in people[i]["levels"].items()}

    def expected(members):
        active = [i for i in sorted(members) if people[i]["active"]]
        maturity = capability_maturity(
            Holder(
                ids[i],
                roles[people[i]["role"]].id,
                roles[people[i]["role"]].requirements,
                levels_of(i),
            )
            for i in active
            if people[i]["role"] is not None
        )
        bench = succession_bench(
            (
                Person(
                    ids[i],
                    f"E{i}",
                    f"e{i}",
                    None if people[i]["role"] is None else roles[people[i]["role"]].id,
                    [roles[r].id for r in sorted(aspirations[i])],
                    levels_of(i),
                )
                for i in active
            ),
            by_id,
        )
        return maturity, bench

    everyone = set(range(len(people)))
    cases = [(Population(), everyone)]
    cases += [
        (
            Population(org_unit_id=unit.id),
            {i for i, p in enumerate(people) if p["unit"] in below_unit(unit_parents, n)},
        )
        for n, unit in enumerate(units)
    ]
    cases.append((Population(visible_to_manager=ids[0]), reach_of(people, 0)))
    for population, members in cases:
        maturity, bench = expected(members)
        async with uow() as unit_of_work:
            found = await unit_of_work.workforce.capability_maturity(tenant_id, population, None)
            benched = await unit_of_work.workforce.succession_bench(tenant_id, population, None)
            one_role = await unit_of_work.workforce.succession_bench(
                tenant_id, population, None, role_id=roles[0].id
            )
        assert {m.capability_id: m for m in found.items} == maturity, population
        assert [m.capability_id for m in found.items] == sorted(maturity, key=lambda c: c.bytes)
        assert benches(benched.items) == benches(bench.values()), population
        assert benches(one_role.items) == benches(
            b for b in bench.values() if b.role_id == roles[0].id
        )

    # Pages, taken one after another, are the whole report.
    async with uow() as unit_of_work:
        whole = await unit_of_work.workforce.succession_bench(tenant_id, Population(), None)
        paged, page = [], PageRequest(limit=1)
        while True:
            found = await unit_of_work.workforce.succession_bench(tenant_id, Population(), page)
            paged += found.items
            if not found.has_more:
                break
            page = PageRequest(limit=1, after=(str(found.items[-1].role_id),))
        maturity_page = await unit_of_work.workforce.capability_maturity(
            tenant_id, Population(), PageRequest(limit=2)
        )
        all_maturity = await unit_of_work.workforce.capability_maturity(
            tenant_id, Population(), None
        )
    assert paged == list(whole.items)
    assert list(maturity_page.items) == list(all_maturity.items)[:2]
    assert maturity_page.has_more == (len(all_maturity.items) > 2)
