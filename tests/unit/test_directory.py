"""Provisioning rules: how an account maps onto an employee, and what a search matches."""

import uuid
from datetime import UTC, datetime

import pytest

from app.domain.directory import (
    Account,
    AllOf,
    AnyOf,
    Compare,
    DirectoryUser,
    Match,
    Negation,
    ProvisionedUser,
    UserAttribute,
    changed_fields,
    check_condition,
    matches,
    user_facts,
)
from app.domain.errors import InvalidInput
from app.domain.people import Employee, EmployeeStatus, Profile

NOW = datetime(2026, 12, 3, tzinfo=UTC)
ID = uuid.UUID("0190a1b2-0000-7000-8000-000000000001")
FACTS = user_facts(
    ID,
    user_name="Ada@Example.com",
    external_id="aad-1",
    email="ada@example.com",
    active=True,
    display_name="Ada Lovelace",
    title=None,
    employee_number="E1",
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Compare(UserAttribute.USER_NAME, Match.EQ, "ada@example.COM"), True),
        (Compare(UserAttribute.EXTERNAL_ID, Match.EQ, "AAD-1"), False),  # case-exact
        (Compare(UserAttribute.EMPLOYEE_NUMBER, Match.EQ, "e1"), False),
        (Compare(UserAttribute.ID, Match.EQ, str(ID).upper()), True),  # an id, however written
        (Compare(UserAttribute.ID, Match.EQ, "not-an-id"), False),
        (Compare(UserAttribute.DISPLAY_NAME, Match.CONTAINS, "LOVE"), True),
        (Compare(UserAttribute.EMAIL, Match.STARTS_WITH, "ADA@"), True),
        (Compare(UserAttribute.EMAIL, Match.ENDS_WITH, ".org"), False),
        (Compare(UserAttribute.ACTIVE, Match.EQ, True), True),
        (Compare(UserAttribute.ACTIVE, Match.NE, True), False),
        # A comparison with an absent value is false whatever the operator...
        (Compare(UserAttribute.TITLE, Match.EQ, "x"), False),
        (Compare(UserAttribute.TITLE, Match.NE, "x"), False),
        (Compare(UserAttribute.TITLE, Match.PRESENT), False),
        # ...so its negation is true.
        (Negation(Compare(UserAttribute.TITLE, Match.NE, "x")), True),
        (
            AllOf(
                (
                    Compare(UserAttribute.ACTIVE, Match.EQ, True),
                    AnyOf(
                        (
                            Compare(UserAttribute.TITLE, Match.PRESENT),
                            Compare(UserAttribute.EXTERNAL_ID, Match.STARTS_WITH, "aad"),
                        )
                    ),
                )
            ),
            True,
        ),
    ],
)
def test_matches(condition, expected):
    assert matches(check_condition(condition), FACTS) is expected


@pytest.mark.parametrize(
    "condition",
    [
        Compare(UserAttribute.ACTIVE, Match.CONTAINS, True),
        Compare(UserAttribute.ACTIVE, Match.EQ, "yes"),
        Compare(UserAttribute.ID, Match.STARTS_WITH, "0190"),
        Compare(UserAttribute.TITLE, Match.EQ, 3),
        Compare(UserAttribute.TITLE, Match.EQ, "x" * 201),
        Compare(UserAttribute.TITLE, Match.PRESENT, "x"),
        AnyOf(tuple(Compare(UserAttribute.TITLE, Match.EQ, str(n)) for n in range(60))),
    ],
)
def test_a_condition_that_cannot_be_evaluated_is_refused(condition):
    with pytest.raises(InvalidInput) as refused:
        check_condition(condition)
    assert {e.field for e in refused.value.errors} == {"filter"}


def test_the_employee_key_is_the_employee_number_else_the_providers_id_else_the_user_name():
    assert Account("u", external_id="x", employee_number="E1").person_key == "E1"
    assert Account("u", external_id="x").person_key == "x"
    assert Account(" u ").person_key == "u"


def test_the_name_is_the_display_name_else_the_parts_else_the_user_name():
    assert Account("u", display_name="Ada L", given_name="Ada").person_name == "Ada L"
    assert Account("u", given_name="Ada", family_name="Lovelace").person_name == "Ada Lovelace"
    assert Account("u").person_name == "u"


def test_an_account_needs_a_printable_user_name():
    for bad in ("", "  ", "a\x00b", "x" * 201):
        with pytest.raises(InvalidInput) as refused:
            Account(bad).checked()
        assert refused.value.errors[0].field == "userName"
    assert Account(" ada ", title=" ").checked() == Account("ada")


def employee(**profile) -> Employee:
    return Employee(
        id=ID,
        tenant_id=uuid.uuid4(),
        profile=Profile(**({"external_id": "E1", "name": "Ada Lovelace"} | profile)),
        manager_id=None,
        manager_external_id="M9",
        current_role_id=None,
        role_effective_date=None,
        aspired_role_ids=(),
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def test_an_account_shows_what_tandem_holds_now():
    sent = Account(
        "ada@example.com",
        display_name="Ada Lovelace",
        title="Engineer",
        department="Research",
        document={"locale": "en-GB"},
    )
    identity = ProvisionedUser(uuid.UUID(int=1), ID, sent, 1, NOW, NOW)
    changed_in_tandem = employee(
        name="Ada King", job_title="Lead", status=EmployeeStatus.INACTIVE, email="a@k.org"
    )
    account = DirectoryUser(changed_in_tandem, identity, "Analytics").account()
    assert account.display_name == "Ada King"
    assert (account.title, account.active, account.email) == ("Lead", False, "a@k.org")
    assert account.department == "Analytics"
    assert account.manager == "M9"  # still waiting for the manager to arrive
    assert account.document == {"locale": "en-GB"}
    unchanged = DirectoryUser(employee(job_title="Engineer"), identity, None).account()
    assert unchanged.display_name == "Ada Lovelace"
    assert unchanged.department == "Research"


def test_an_employee_without_an_account_signs_in_by_email_else_external_id():
    assert DirectoryUser(employee(email="ada@x.org"), None, None).user_name == "ada@x.org"
    assert DirectoryUser(employee(), None, None).user_name == "E1"


def test_changed_fields_keep_before_and_after():
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {
        "b": {"before": 2, "after": 3}
    }
