import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.people import (
    ATTRIBUTE_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    Employee,
    EmployeeStatus,
    OrgUnit,
    Profile,
    check_reporting_line,
    find_cycles,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
TENANT = uuid.uuid4()
PROFILE = Profile(external_id="E-1", name="Ada Lovelace", email="ada@example.com")


def refused_fields(call) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        call()
    return [error.field for error in refused.value.errors]


def employee(**overrides) -> Employee:
    arguments = {
        "profile": PROFILE,
        "manager_id": None,
        "current_role_id": None,
        "aspired_role_ids": [],
        "now": NOW,
    }
    return Employee.create(TENANT, **(arguments | overrides))


def revise(person: Employee, **overrides) -> Employee:
    arguments = {
        "profile": person.profile,
        "manager_id": person.manager_id,
        "managers_above_new_manager": (),
        "current_role_id": person.current_role_id,
        "aspired_role_ids": person.aspired_role_ids,
        "now": LATER,
    }
    return person.revise(**(arguments | overrides))


def unit(parent_id: uuid.UUID | None = None) -> OrgUnit:
    return OrgUnit.create(TENANT, key="platform", name="Platform", parent_id=parent_id, now=NOW)


# Profile


def test_a_valid_profile_comes_back_trimmed_with_blank_attributes_as_none():
    profile = Profile(
        external_id="  E-7 ",
        name=" Grace Hopper ",
        email="  ",
        job_title=" Admiral ",
        job_level="",
        location="   ",
        hire_date=date(2020, 1, 6),
    ).validated()
    assert (profile.external_id, profile.name, profile.job_title) == (
        "E-7",
        "Grace Hopper",
        "Admiral",
    )
    assert (profile.email, profile.job_level, profile.location) == (None, None, None)
    assert profile.hire_date == date(2020, 1, 6)
    assert profile.status is EmployeeStatus.ACTIVE


@pytest.mark.parametrize("external_id", ["", "   ", "x" * (EXTERNAL_ID_MAX_LENGTH + 1)])
def test_an_external_id_must_be_one_to_two_hundred_characters(external_id):
    assert [e.field for e in Profile(external_id, "Ada").problems()] == ["external_id"]


@pytest.mark.parametrize("name", ["", "  ", "x" * 201, "Ada\nLovelace"])
def test_a_name_must_be_one_to_two_hundred_printable_characters(name):
    assert [e.field for e in Profile("E-1", name).problems()] == ["name"]


@pytest.mark.parametrize("email", ["ada", "ada@", "@example.com", "a@b@c", "ada @example.com"])
def test_a_malformed_email_is_refused(email):
    assert [e.field for e in Profile("E-1", "Ada", email=email).problems()] == ["email"]


@pytest.mark.parametrize("email", [None, "", "ada@example.com", " ada@localhost "])
def test_an_email_is_optional_and_trimmed_before_checking(email):
    assert Profile("E-1", "Ada", email=email).problems() == []


@pytest.mark.parametrize("attribute", ["job_title", "job_level", "location"])
def test_free_attributes_are_limited_to_two_hundred_characters(attribute):
    at_limit = replace(PROFILE, **{attribute: "x" * ATTRIBUTE_MAX_LENGTH})
    assert at_limit.problems() == []
    too_long = replace(PROFILE, **{attribute: "x" * (ATTRIBUTE_MAX_LENGTH + 1)})
    assert [e.field for e in too_long.problems()] == [attribute]


def test_problems_carry_the_prefix_of_the_row_they_belong_to():
    bad = Profile(external_id="", name="", email="nope", location="x" * 201)
    assert [e.field for e in bad.problems("rows.3.")] == [
        "rows.3.external_id",
        "rows.3.name",
        "rows.3.email",
        "rows.3.location",
    ]


def test_validated_raises_every_problem():
    with pytest.raises(InvalidInput) as refused:
        Profile(external_id="", name="", email="nope").validated()
    assert [e.field for e in refused.value.errors] == ["external_id", "name", "email"]


def test_surrounding_spaces_do_not_count_toward_an_attributes_length():
    padded = replace(PROFILE, job_title="  " + "x" * ATTRIBUTE_MAX_LENGTH + "  ")
    assert padded.problems() == []


@pytest.mark.parametrize(
    "attribute", ["external_id", "email", "job_title", "job_level", "location"]
)
def test_control_characters_in_any_attribute_are_refused(attribute):
    value = "ada\x00@example.com" if attribute == "email" else "E\x00-1"
    assert [e.field for e in replace(PROFILE, **{attribute: value}).problems()] == [attribute]


# Employee


def test_a_new_employee_holds_the_cleaned_profile_and_distinct_aspired_roles():
    manager, role, first, second = (uuid.uuid4() for _ in range(4))
    created = employee(
        profile=replace(PROFILE, name="  Ada  "),
        manager_id=manager,
        current_role_id=role,
        aspired_role_ids=[first, second, first],
    )
    assert created.profile.name == "Ada"
    assert (created.manager_id, created.current_role_id) == (manager, role)
    assert created.aspired_role_ids == (first, second)
    assert (created.version, created.created_at, created.tenant_id) == (1, NOW, TENANT)
    assert created.manager_external_id is None


def test_an_employee_with_an_invalid_profile_is_refused():
    assert refused_fields(lambda: employee(profile=replace(PROFILE, email="bad"))) == ["email"]


def test_at_most_ten_distinct_aspired_roles():
    ten = [uuid.uuid4() for _ in range(10)]
    assert len(employee(aspired_role_ids=ten + ten).aspired_role_ids) == 10
    assert refused_fields(lambda: employee(aspired_role_ids=[*ten, uuid.uuid4()])) == [
        "aspired_role_ids"
    ]
    assert refused_fields(lambda: revise(employee(), aspired_role_ids=[*ten, uuid.uuid4()])) == [
        "aspired_role_ids"
    ]


def test_revising_bumps_the_version_and_keeps_identity():
    person = employee()
    revised = revise(person, profile=replace(PROFILE, job_title="Engineer"))
    assert revised.profile.job_title == "Engineer"
    assert (revised.id, revised.created_at) == (person.id, NOW)
    assert (revised.version, revised.updated_at) == (2, LATER)


def test_changing_the_role_sets_the_effective_date_to_today():
    person = employee(current_role_id=uuid.uuid4())
    new_role = uuid.uuid4()
    moved = revise(person, current_role_id=new_role)
    assert (moved.current_role_id, moved.role_effective_date) == (new_role, LATER.date())


def test_keeping_the_role_keeps_its_effective_date():
    moved = revise(employee(current_role_id=uuid.uuid4()), current_role_id=uuid.uuid4())
    later_still = revise(moved, profile=replace(PROFILE, location="Lyon"), now=LATER + timedelta(9))
    assert later_still.role_effective_date == LATER.date()


def test_an_employee_cannot_be_their_own_manager():
    person = employee()
    assert refused_fields(lambda: revise(person, manager_id=person.id)) == ["manager_id"]


def test_a_manager_who_reports_to_the_employee_at_any_depth_is_refused():
    person = employee()
    report, report_of_report = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(InvalidInput) as refused:
        revise(
            person,
            manager_id=report_of_report,
            managers_above_new_manager=[report, person.id, uuid.uuid4()],
        )
    assert [e.field for e in refused.value.errors] == ["manager_id"]


def test_a_manager_outside_the_employees_reports_is_accepted():
    person = employee()
    boss = uuid.uuid4()
    assert revise(
        person, manager_id=boss, managers_above_new_manager=[uuid.uuid4()]
    ).manager_id == (boss)


def test_removing_the_manager_is_always_allowed():
    person = employee(manager_id=uuid.uuid4())
    assert (
        revise(person, manager_id=None, managers_above_new_manager=[person.id]).manager_id is None
    )


def test_check_reporting_line_accepts_a_chain_given_as_a_generator():
    me = uuid.uuid4()
    with pytest.raises(InvalidInput):
        check_reporting_line(me, uuid.uuid4(), (x for x in [uuid.uuid4(), me]))
    check_reporting_line(me, uuid.uuid4(), (x for x in [uuid.uuid4()]))


# Org units


def test_an_org_unit_is_created_under_its_parent():
    parent = uuid.uuid4()
    created = unit(parent)
    assert (created.key, created.name, created.parent_id, created.version) == (
        "platform",
        "Platform",
        parent,
        1,
    )


def test_an_org_unit_with_a_bad_key_and_name_is_refused_on_both():
    refused = refused_fields(
        lambda: OrgUnit.create(TENANT, key="no spaces", name="", parent_id=None, now=NOW)
    )
    assert refused == ["key", "name"]


def test_an_org_unit_can_be_renamed_and_moved():
    moved = unit().revise(
        name=" Core platform ",
        parent_id=(parent := uuid.uuid4()),
        ancestors_of_parent=[],
        now=LATER,
    )
    assert (moved.name, moved.parent_id, moved.version, moved.updated_at) == (
        "Core platform",
        parent,
        2,
        LATER,
    )


def test_an_org_unit_cannot_sit_under_itself():
    platform = unit()
    assert refused_fields(
        lambda: platform.revise(
            name="Platform", parent_id=platform.id, ancestors_of_parent=[], now=LATER
        )
    ) == ["parent_id"]


def test_an_org_unit_cannot_sit_under_one_of_its_descendants():
    platform = unit()
    child, grandchild = uuid.uuid4(), uuid.uuid4()
    assert refused_fields(
        lambda: platform.revise(
            name="",
            parent_id=grandchild,
            ancestors_of_parent=[grandchild, child, platform.id],
            now=LATER,
        )
    ) == ["name", "parent_id"]


def test_an_org_unit_can_become_a_root():
    platform = unit(uuid.uuid4())
    root = platform.revise(
        name="Platform", parent_id=None, ancestors_of_parent=[platform.id], now=LATER
    )
    assert root.parent_id is None


# Reporting cycles


def brute_force_cycles(managers: dict[str, str | None]) -> set[str]:
    """Someone is on a cycle when following managers from them comes back to them."""
    on_cycle = set()
    for person in managers:
        node = managers.get(person)
        for _ in range(len(managers)):
            if node is None:
                break
            if node == person:
                on_cycle.add(person)
                break
            node = managers.get(node)
    return on_cycle


def test_no_managers_means_no_cycles():
    assert find_cycles({"a": None, "b": "a", "c": "b"}) == set()


def test_a_self_manager_is_a_cycle_of_one():
    assert find_cycles({"a": "a", "b": "a"}) == {"a"}


def test_people_reporting_into_a_cycle_are_not_on_it():
    managers = {"tail": "x", "x": "y", "y": "z", "z": "x", "other": None}
    assert find_cycles(managers) == {"x", "y", "z"}


def test_a_manager_outside_the_mapping_ends_the_chain():
    assert find_cycles({"a": "outsider", "b": "a"}) == set()


def test_cycles_are_found_among_uuids_too():
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert find_cycles({a: b, b: a, c: a}) == {a, b}


PEOPLE = "abcdefghij"


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(PEOPLE),
        st.one_of(st.none(), st.sampled_from(PEOPLE + "xyz")),
        max_size=len(PEOPLE),
    )
)
def test_find_cycles_agrees_with_following_every_chain(managers):
    assert find_cycles(managers) == brute_force_cycles(managers)
