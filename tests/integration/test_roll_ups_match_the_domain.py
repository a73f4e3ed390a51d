"""The SQL roll-ups agree with app.domain.gaps.roll_up, their definition, on generated
organisations."""

from datetime import UTC, datetime

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.adapters.db.tables import assessments, current_levels
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.frameworks import (
    CapabilitySpec,
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkVersion,
)
from app.domain.gaps import Member, roll_up
from app.domain.ids import new_id
from app.domain.pagination import PageRequest
from app.domain.people import EmployeeStatus, OrgUnit, Profile
from app.domain.roles import Requirement, RoleProfile
from app.domain.scales import CompetencyScale, LevelSpec
from app.domain.views import EmployeeUpsert, GroupBy, Grouping, RoleAssignment
from app.services.tenants import create_tenant

CAPABILITIES = 4


@st.composite
def organisations(draw):
    roles = [
        {
            capability: (draw(st.integers(1, 5)), draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])))
            for capability in draw(st.sets(st.integers(0, CAPABILITIES - 1), max_size=CAPABILITIES))
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    unit_parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, draw(st.integers(1, 4)))]
    people = []
    for index in range(draw(st.integers(1, 10))):
        people.append(
            {
                "role": draw(st.none() | st.integers(0, len(roles) - 1)),
                "unit": draw(st.none() | st.integers(0, len(unit_parents) - 1)),
                "manager": draw(st.none() | st.integers(0, index - 1)) if index else None,
                "active": draw(st.booleans()),
                "levels": draw(
                    st.dictionaries(
                        st.integers(0, CAPABILITIES - 1), st.integers(1, 5), max_size=CAPABILITIES
                    )
                ),
            }
        )
    return roles, unit_parents, people


async def build(engine, roles_spec, unit_parents, people):
    now = datetime.now(UTC)
    uow = SqlUnitOfWorkFactory(engine)
    tenant_id = (await create_tenant(uow(), name="Roll-up check")).tenant.id
    async with uow() as unit_of_work:
        scale = CompetencyScale.create(
            tenant_id,
            key="five",
            name="Five",
            levels=[LevelSpec(f"l{n}", f"L{n}") for n in range(5)],
            now=now,
        )
        await unit_of_work.scales.add(scale)
        framework = Framework.create(tenant_id, key="f", name="F", description="", now=now)
        await unit_of_work.frameworks.add(framework)
        version = FrameworkVersion.first_draft(framework, now)
        await unit_of_work.frameworks.add_version(version)
        content = FrameworkContent(
            capabilities=tuple(
                CapabilitySpec(f"c{n}", f"C{n}", CapabilityType.SKILL, "five")
                for n in range(CAPABILITIES)
            )
        )
        await unit_of_work.frameworks.replace_content(version, content, {"five": scale.id}, now)
        await unit_of_work.frameworks.save_version(
            version.publish(now, content), previous_revision=1
        )
        listed = await unit_of_work.capabilities.list(tenant_id, PageRequest(limit=50))
        capability = {int(c.key[1:]): c.id for c in listed.items}
        roles = []
        for index, spec in enumerate(roles_spec):
            role = RoleProfile.create(
                tenant_id,
                key=f"r{index}",
                name=f"R{index}",
                description="",
                requirements=[
                    Requirement(capability[c], level, weight) for c, (level, weight) in spec.items()
                ],
                max_levels={capability[c]: 5 for c in spec},
                now=now,
            )
            await unit_of_work.roles.add(role)
            roles.append(role)
        units = []
        for index, parent in enumerate(unit_parents):
            unit = OrgUnit.create(
                tenant_id,
                key=f"u{index}",
                name=f"U{index}",
                parent_id=None if parent is None else units[parent].id,
                now=now,
            )
            await unit_of_work.org_units.add(unit)
            units.append(unit)
        outcomes = await unit_of_work.employees.upsert(
            tenant_id,
            [
                EmployeeUpsert(
                    Profile(
                        external_id=f"e{i}",
                        name=f"E{i}",
                        org_unit_id=None if p["unit"] is None else units[p["unit"]].id,
                        status=EmployeeStatus.ACTIVE if p["active"] else EmployeeStatus.INACTIVE,
                    ),
                    None if p["manager"] is None else f"e{p['manager']}",
                )
                for i, p in enumerate(people)
            ],
            now,
        )
        ids = [outcomes[f"e{i}"].id for i in range(len(people))]
        await unit_of_work.employees.assign_roles(
            tenant_id,
            [
                RoleAssignment(ids[i], roles[p["role"]].id, now.date())
                for i, p in enumerate(people)
                if p["role"] is not None
            ],
            now,
        )
        # Levels as finalised assessments would leave them, written directly.
        for i, p in enumerate(people):
            if not p["levels"]:
                continue
            assessment_id = new_id()
            await unit_of_work._conn.execute(
                sa.insert(assessments).values(
                    id=assessment_id,
                    tenant_id=tenant_id,
                    employee_id=ids[i],
                    role_id=roles[0].id,
                    purpose="current_role",
                    status="finalised",
                    required_rater_types=["manager"],
                    version=1,
                    created_at=now,
                )
            )
            await unit_of_work._conn.execute(
                sa.insert(current_levels),
                [
                    {
                        "tenant_id": tenant_id,
                        "employee_id": ids[i],
                        "capability_id": capability[c],
                        "level": level,
                        "assessment_id": assessment_id,
                        "assessed_at": now,
                    }
                    for c, level in p["levels"].items()
                ],
            )
        await unit_of_work.commit()
    return uow, tenant_id, roles, units, ids, capability


def expected(groups, people, roles, ids, capability):
    """The domain's roll-up for each group of people indexes."""
    result = {}
    for key, members in groups.items():
        rolled = roll_up(
            Member(
                ids[i],
                roles[people[i]["role"]].requirements,
                {capability[c]: level for c, level in people[i]["levels"].items()},
            )
            for i in members
            if people[i]["active"] and people[i]["role"] is not None
        )
        if rolled:
            result[key] = sorted(rolled.values(), key=lambda r: str(r.capability_id))
    return result


def normalised(rolled):
    return {
        key: sorted(
            (
                (
                    r.capability_id,
                    r.headcount,
                    r.assessed,
                    r.below,
                    r.met,
                    None if r.mean_gap is None else round(r.mean_gap, 6),
                    None if r.weighted_gap is None else round(r.weighted_gap, 6),
                    round(r.impact, 6),
                )
                for r in cells
            ),
            key=lambda row: str(row[0]),
        )
        for key, cells in rolled.items()
    }


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(organisations())
async def test_sql_roll_ups_equal_the_domain_definition(engine, organisation):
    roles_spec, unit_parents, people = organisation
    uow, tenant_id, roles, units, ids, capability = await build(
        engine, roles_spec, unit_parents, people
    )

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
            from_sql = await unit_of_work.gaps.roll_up(tenant_id, grouping)
        assert normalised(from_sql) == normalised(
            expected(groups, people, roles, ids, capability)
        ), grouping
