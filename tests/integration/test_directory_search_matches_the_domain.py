"""The SQL behind a SCIM search agrees with `app.domain.directory.matches`, its definition."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.directory import (
    Account,
    AllOf,
    AnyOf,
    Compare,
    Constant,
    DirectoryUser,
    Match,
    Negation,
    ProvisionedUser,
    UserAttribute,
    matches,
)
from app.domain.pagination import PageRequest
from app.domain.people import EmployeeStatus, Profile
from app.domain.views import EmployeeFilter, EmployeeUpsert
from app.services.tenants import create_tenant

# Stored values and searched-for values come from one small pool, in both cases, so that
# they often equal, contain, start or end one another, or differ only by case.
POOL = ["a", "A", "ab", "AB", "Ab", "a@b", "A@B", "b@a", "ba", "E1a", "e1A", "E0", "", "@", "."]
TEXT = st.sampled_from(POOL)
TEXT_ATTRIBUTES = [a for a in UserAttribute if a not in (UserAttribute.ACTIVE, UserAttribute.ID)]


@st.composite
def people(draw):
    count = draw(st.integers(1, 8))
    return [
        {
            "email": draw(st.none() | st.sampled_from(["a@b", "A@b", "ab@ba", "b@B", "A@B"])),
            "title": draw(st.none() | TEXT),
            "name": draw(st.sampled_from(["Ab", "ab", "Ba", "aBa", "AB"])),
            "active": draw(st.booleans()),
            "account": draw(
                st.none()
                | st.tuples(st.sampled_from(["a", "A.b", "ba", "B@a", "a@b"]), st.none() | TEXT)
            ),
        }
        for _ in range(count)
    ]


def comparisons():
    text = st.builds(
        Compare,
        st.sampled_from(TEXT_ATTRIBUTES),
        st.sampled_from([m for m in Match if m is not Match.PRESENT]),
        TEXT,
    )
    present = st.builds(Compare, st.sampled_from(list(UserAttribute)), st.just(Match.PRESENT))
    active = st.builds(
        Compare,
        st.just(UserAttribute.ACTIVE),
        st.sampled_from([Match.EQ, Match.NE]),
        st.booleans(),
    )
    return text | present | active | st.builds(Constant, st.booleans())


conditions = st.recursive(
    comparisons(),
    lambda inner: (
        st.builds(AllOf, st.lists(inner, min_size=1, max_size=3).map(tuple))
        | st.builds(AnyOf, st.lists(inner, min_size=1, max_size=3).map(tuple))
        | st.builds(Negation, inner)
    ),
    max_leaves=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people(), conditions)
async def test_sql_search_equals_the_domain_match(engine, staff, condition):
    now = datetime.now(UTC)
    uow = SqlUnitOfWorkFactory(engine)
    tenant = (await create_tenant(uow(), name="Directory check")).tenant
    async with uow() as unit_of_work:
        rows = [
            EmployeeUpsert(
                Profile(
                    external_id=f"E{index}{'ab'[index % 2]}",
                    name=person["name"],
                    email=person["email"],
                    job_title=person["title"] or None,
                    status=EmployeeStatus.ACTIVE if person["active"] else EmployeeStatus.INACTIVE,
                )
            )
            for index, person in enumerate(staff)
        ]
        outcomes = await unit_of_work.employees.upsert(tenant.id, rows, now)
        taken = set()
        for index, person in enumerate(staff):
            if person["account"] is None or person["account"][0].lower() in taken:
                continue
            user_name, external_id = person["account"]
            taken.add(user_name.lower())
            account = Account(user_name=user_name, external_id=external_id or None)
            employee_id = outcomes[rows[index].profile.external_id].id
            await unit_of_work.directory.add_identity(
                ProvisionedUser(tenant.id, employee_id, account, 1, now, now)
            )
        await unit_of_work.commit()

    async with uow() as unit_of_work:
        total, found = await unit_of_work.directory.search_users(
            tenant.id, condition, offset=0, limit=100
        )
        employees = (
            await unit_of_work.employees.list(tenant.id, PageRequest(limit=100), EmployeeFilter())
        ).items
        identities = await unit_of_work.directory.identities(tenant.id, [e.id for e in employees])
    expected = {
        employee.id
        for employee in employees
        if matches(condition, DirectoryUser(employee, identities.get(employee.id), None).facts())
    }
    assert set(found) == expected
    assert total == len(expected)
