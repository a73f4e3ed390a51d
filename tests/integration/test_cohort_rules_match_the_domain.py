"""The SQL that computes rule cohorts agrees with CohortRule.matches, its definition."""

import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.cohorts import CohortRule, MemberFacts
from app.domain.people import EmployeeStatus, OrgUnit, Profile
from app.domain.roles import RoleProfile
from app.domain.views import EmployeeUpsert, RoleAssignment
from app.services.tenants import create_tenant

LEVELS = ["L1", "L2", "L3"]
PLACES = ["Lyon", "Oslo"]


@st.composite
def organisations(draw):
    unit_count = draw(st.integers(1, 6))
    unit_parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, unit_count)]
    people = draw(st.integers(1, 12))
    staff = [
        {
            "unit": draw(st.none() | st.integers(0, unit_count - 1)),
            "level": draw(st.none() | st.sampled_from(LEVELS)),
            "place": draw(st.none() | st.sampled_from(PLACES)),
            "role": draw(st.none() | st.integers(0, 1)),
            "manager": draw(st.none() | st.integers(0, i - 1)) if i else None,
            "active": draw(st.booleans()),
        }
        for i in range(people)
    ]
    rule = {
        "units": draw(st.lists(st.integers(0, unit_count - 1), max_size=2)),
        "levels": draw(st.lists(st.sampled_from(LEVELS), max_size=2)),
        "places": draw(st.lists(st.sampled_from(PLACES), max_size=1)),
        "roles": draw(st.lists(st.integers(0, 1), max_size=1)),
        "managers": draw(st.lists(st.integers(0, people - 1), max_size=2)),
    }
    return unit_parents, staff, rule


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(organisations())
async def test_sql_membership_equals_the_domain_rule(engine, organisation):
    unit_parents, staff, spec = organisation
    now = datetime.now(UTC)
    uow = SqlUnitOfWorkFactory(engine)
    tenant = (await create_tenant(uow(), name="Cohort check")).tenant
    async with uow() as unit_of_work:
        units: list[OrgUnit] = []
        for index, parent in enumerate(unit_parents):
            unit = OrgUnit.create(
                tenant.id,
                key=f"u{index}",
                name=f"U{index}",
                parent_id=None if parent is None else units[parent].id,
                now=now,
            )
            await unit_of_work.org_units.add(unit)
            units.append(unit)
        roles = []
        for index in range(2):
            role = RoleProfile.create(
                tenant.id,
                key=f"r{index}",
                name=f"R{index}",
                description="",
                requirements=[],
                max_levels={},
                now=now,
            )
            await unit_of_work.roles.add(role)
            roles.append(role)
        rows = [
            EmployeeUpsert(
                Profile(
                    external_id=f"e{i}",
                    name=f"E{i}",
                    org_unit_id=None if p["unit"] is None else units[p["unit"]].id,
                    job_level=p["level"],
                    location=p["place"],
                    status=EmployeeStatus.ACTIVE if p["active"] else EmployeeStatus.INACTIVE,
                ),
                None if p["manager"] is None else f"e{p['manager']}",
            )
            for i, p in enumerate(staff)
        ]
        outcomes = await unit_of_work.employees.upsert(tenant.id, rows, now)
        ids = [outcomes[f"e{i}"].id for i in range(len(staff))]
        await unit_of_work.employees.assign_roles(
            tenant.id,
            [
                RoleAssignment(ids[i], roles[p["role"]].id, now.date())
                for i, p in enumerate(staff)
                if p["role"] is not None
            ],
            now,
        )
        rule = CohortRule(
            org_unit_ids=tuple(units[u].id for u in spec["units"]),
            job_levels=tuple(spec["levels"]),
            locations=tuple(spec["places"]),
            role_ids=tuple(roles[r].id for r in spec["roles"]),
            manager_ids=tuple(ids[m] for m in spec["managers"]),
        )
        if rule.problems():
            return
        from_sql = await unit_of_work.cohorts.rule_member_ids(tenant.id, rule)
        await unit_of_work.commit()

    below = {u.id: _units_below(u.id, units) for u in units}
    expected = set()
    for i, p in enumerate(staff):
        managers_above, manager = [], p["manager"]
        while manager is not None:
            managers_above.append(ids[manager])
            manager = staff[manager]["manager"]
        facts = MemberFacts(
            employee_id=ids[i],
            status=EmployeeStatus.ACTIVE if p["active"] else EmployeeStatus.INACTIVE,
            org_unit_id=None if p["unit"] is None else units[p["unit"]].id,
            job_level=p["level"],
            location=p["place"],
            current_role_id=None if p["role"] is None else roles[p["role"]].id,
            managers_above=managers_above,
        )
        if rule.matches(facts, below):
            expected.add(ids[i])
    assert from_sql == expected


def _units_below(root: uuid.UUID, units: list[OrgUnit]) -> set[uuid.UUID]:
    found, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for unit in units:
            if unit.parent_id == current and unit.id not in found:
                found.add(unit.id)
                frontier.append(unit.id)
    return found
