"""Provisioning from an identity provider: the accounts and groups it manages, how an account
maps onto an employee profile, and which accounts or groups a search selects.

`matches` is the definition of a search; the SQL that runs one must agree with it. Texts
compare without regard to case unless the attribute is case-exact; a comparison with an
absent value is false whatever the operator, so `not` of it is true.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from app.domain.cohorts import Cohort
from app.domain.errors import FieldError, InvalidInput
from app.domain.people import Employee, EmployeeStatus
from app.domain.values import NAME_FORBIDDEN

USER_NAME_MAX_LENGTH = 200
MAX_CONDITION_TERMS = 50


class UserAttribute(StrEnum):
    """What a search over accounts can look at; each is an employee's value where Tandem
    keeps one (so a change made in Tandem is what the provider finds)."""

    ID = "id"
    USER_NAME = "userName"
    EXTERNAL_ID = "externalId"
    EMAIL = "email"
    """The work address, the only one Tandem keeps."""
    ACTIVE = "active"
    DISPLAY_NAME = "displayName"
    TITLE = "title"
    EMPLOYEE_NUMBER = "employeeNumber"


class GroupAttribute(StrEnum):
    ID = "id"
    DISPLAY_NAME = "displayName"
    EXTERNAL_ID = "externalId"


Attribute = UserAttribute | GroupAttribute
CASE_EXACT = frozenset(
    {
        UserAttribute.ID,
        UserAttribute.EXTERNAL_ID,
        UserAttribute.EMPLOYEE_NUMBER,
        GroupAttribute.ID,
        GroupAttribute.EXTERNAL_ID,
    }
)
IDENTIFIERS = frozenset({UserAttribute.ID, GroupAttribute.ID})
BOOLEANS = frozenset({UserAttribute.ACTIVE})


class Match(StrEnum):
    EQ = "eq"
    NE = "ne"
    CONTAINS = "co"
    STARTS_WITH = "sw"
    ENDS_WITH = "ew"
    PRESENT = "pr"


TEXT_ONLY = frozenset({Match.CONTAINS, Match.STARTS_WITH, Match.ENDS_WITH})


@dataclass(frozen=True)
class Compare:
    attribute: Attribute
    match: Match
    value: str | bool | None = None

    def problems(self) -> list[str]:
        if self.match is Match.PRESENT:
            return [] if self.value is None else ["`pr` takes no value."]
        if self.attribute in BOOLEANS:
            if not isinstance(self.value, bool) or self.match in TEXT_ONLY:
                return [f"{self.attribute} compares with eq or ne to true or false."]
            return []
        if not isinstance(self.value, str):
            return [f"{self.attribute} compares with a string."]
        if self.attribute in IDENTIFIERS and self.match in TEXT_ONLY:
            return [f"{self.attribute} compares with eq, ne or pr."]
        if len(self.value) > USER_NAME_MAX_LENGTH or NAME_FORBIDDEN.search(self.value):
            return [f"Compare {self.attribute} with at most 200 printable characters."]
        return []


@dataclass(frozen=True)
class Constant:
    """A term whose answer is known without looking, e.g. `type eq "work"` on the one email."""

    value: bool


@dataclass(frozen=True)
class AllOf:
    terms: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    terms: tuple["Condition", ...]


@dataclass(frozen=True)
class Negation:
    term: "Condition"


Condition = Compare | Constant | AllOf | AnyOf | Negation
Facts = Mapping[Attribute, str | bool | None]


def check_condition(condition: Condition, field_name: str = "filter") -> Condition:
    """The condition, or InvalidInput saying which comparison cannot be made."""
    problems: list[str] = []
    terms = 0
    pending: list[Condition] = [condition]
    while pending:
        node = pending.pop()
        terms += 1
        if isinstance(node, Compare):
            problems.extend(node.problems())
        elif isinstance(node, AllOf | AnyOf):
            pending.extend(node.terms)
        elif isinstance(node, Negation):
            pending.append(node.term)
    if terms > MAX_CONDITION_TERMS:
        problems.append(f"Use at most {MAX_CONDITION_TERMS} terms.")
    if problems:
        raise InvalidInput(
            "The filter cannot be evaluated.", [FieldError(field_name, p) for p in problems]
        )
    return condition


def matches(condition: Condition, facts: Facts) -> bool:
    """Whether the account or group described by `facts` satisfies `condition`."""
    if isinstance(condition, Constant):
        return condition.value
    if isinstance(condition, AllOf):
        return all(matches(term, facts) for term in condition.terms)
    if isinstance(condition, AnyOf):
        return any(matches(term, facts) for term in condition.terms)
    if isinstance(condition, Negation):
        return not matches(condition.term, facts)
    actual = facts.get(condition.attribute)
    if condition.match is Match.PRESENT:
        return actual is not None and actual != ""
    if actual is None:
        return False
    expected = condition.value
    if isinstance(actual, bool) or isinstance(expected, bool):
        same = actual is expected
        return same if condition.match is Match.EQ else not same
    assert isinstance(expected, str) and isinstance(actual, str)
    if condition.attribute in IDENTIFIERS:
        expected = _canonical_id(expected)
    elif condition.attribute not in CASE_EXACT:
        actual, expected = actual.lower(), expected.lower()
    match condition.match:
        case Match.EQ:
            return actual == expected
        case Match.NE:
            return actual != expected
        case Match.CONTAINS:
            return expected in actual
        case Match.STARTS_WITH:
            return actual.startswith(expected)
        case Match.ENDS_WITH:
            return actual.endswith(expected)
    raise AssertionError(condition.match)


@dataclass(frozen=True)
class Account:
    """What an identity provider says about one person."""

    user_name: str
    active: bool = True
    external_id: str | None = None
    """The provider's own id for the account (case-exact)."""
    employee_number: str | None = None
    display_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    title: str | None = None
    department: str | None = None
    manager: str | None = None
    """The manager's account id, or (until they are provisioned) their external id."""
    document: Mapping[str, object] = field(default_factory=dict)
    """The resource as the provider sent it, for the attributes Tandem does not model."""

    @property
    def person_key(self) -> str:
        """The employee's external id: the employee number, else the provider's id for the
        account, else the user name."""
        return _first(self.employee_number, self.external_id, self.user_name) or ""

    @property
    def person_name(self) -> str:
        full = " ".join(p.strip() for p in (self.given_name, self.family_name) if p and p.strip())
        return _first(self.display_name, full, self.user_name) or ""

    def checked(self) -> "Account":
        """The account with texts trimmed, or InvalidInput naming each bad attribute."""
        errors = []
        name = self.user_name.strip()
        if not name or len(name) > USER_NAME_MAX_LENGTH or NAME_FORBIDDEN.search(name):
            errors.append(FieldError("userName", "Give 1 to 200 printable characters."))
        if self.external_id is not None and (
            not self.external_id.strip()
            or len(self.external_id) > USER_NAME_MAX_LENGTH
            or NAME_FORBIDDEN.search(self.external_id)
        ):
            errors.append(FieldError("externalId", "Give 1 to 200 printable characters."))
        if errors:
            raise InvalidInput("The user is not valid.", errors)
        return Account(
            user_name=name,
            active=self.active,
            external_id=_blank_to_none(self.external_id),
            employee_number=_blank_to_none(self.employee_number),
            display_name=_blank_to_none(self.display_name),
            given_name=_blank_to_none(self.given_name),
            family_name=_blank_to_none(self.family_name),
            email=_blank_to_none(self.email),
            title=_blank_to_none(self.title),
            department=_blank_to_none(self.department),
            manager=_blank_to_none(self.manager),
            document=self.document,
        )

    def summary(self) -> dict[str, object]:
        """The modelled attributes, as the audit log compares them."""
        return {
            "userName": self.user_name,
            "active": self.active,
            "externalId": self.external_id,
            "employeeNumber": self.employee_number,
            "displayName": self.display_name,
            "givenName": self.given_name,
            "familyName": self.family_name,
            "email": self.email,
            "title": self.title,
            "department": self.department,
            "manager": self.manager,
        }


@dataclass(frozen=True)
class ProvisionedUser:
    """The provider's account for an employee, as it last sent it."""

    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    account: Account
    version: int
    created_at: datetime
    updated_at: datetime

    def revised(self, account: Account, now: datetime) -> "ProvisionedUser":
        if account == self.account:
            return self
        return replace(self, account=account, version=self.version + 1, updated_at=now)


@dataclass(frozen=True)
class DirectoryUser:
    """An employee as the provider sees them; every employee is one, provisioned or not."""

    employee: Employee
    identity: ProvisionedUser | None
    org_unit_name: str | None

    @property
    def user_name(self) -> str:
        if self.identity is not None:
            return self.identity.account.user_name
        return self.employee.profile.email or self.employee.profile.external_id

    @property
    def last_modified(self) -> datetime:
        if self.identity is None:
            return self.employee.updated_at
        return max(self.employee.updated_at, self.identity.updated_at)

    def account(self) -> Account:
        """The account with Tandem's current values for what it models, so that a change
        made in Tandem shows and a PATCH starts from it."""
        sent = Account(user_name=self.user_name) if self.identity is None else self.identity.account
        profile = self.employee.profile
        manager = self.employee.manager_id
        return replace(
            sent,
            user_name=self.user_name,
            active=profile.status is EmployeeStatus.ACTIVE,
            employee_number=profile.external_id,
            # A name changed in Tandem replaces the display name; the parts stay as sent.
            display_name=(sent.display_name if profile.name == sent.person_name else profile.name),
            email=profile.email,
            title=profile.job_title,
            department=self.org_unit_name or sent.department,
            manager=str(manager) if manager else self.employee.manager_external_id,
        )

    def facts(self) -> Facts:
        account = self.account()
        return user_facts(
            self.employee.id,
            user_name=account.user_name,
            external_id=account.external_id,
            email=account.email,
            active=account.active,
            display_name=self.employee.profile.name,
            title=account.title,
            employee_number=self.employee.profile.external_id,
        )


def user_facts(
    employee_id: uuid.UUID,
    *,
    user_name: str,
    external_id: str | None,
    email: str | None,
    active: bool,
    display_name: str,
    title: str | None,
    employee_number: str,
) -> Facts:
    return {
        UserAttribute.ID: str(employee_id),
        UserAttribute.USER_NAME: user_name,
        UserAttribute.EXTERNAL_ID: external_id,
        UserAttribute.EMAIL: email,
        UserAttribute.ACTIVE: active,
        UserAttribute.DISPLAY_NAME: display_name,
        UserAttribute.TITLE: title,
        UserAttribute.EMPLOYEE_NUMBER: employee_number,
    }


@dataclass(frozen=True)
class GroupAccount:
    """What an identity provider says about a group: a static cohort in Tandem."""

    display_name: str
    external_id: str | None = None
    member_ids: tuple[uuid.UUID, ...] = ()
    document: Mapping[str, object] = field(default_factory=dict)

    def checked(self) -> "GroupAccount":
        errors = []
        name = self.display_name.strip()
        if not name or len(name) > USER_NAME_MAX_LENGTH or NAME_FORBIDDEN.search(name):
            errors.append(FieldError("displayName", "Give 1 to 200 printable characters."))
        if self.external_id is not None and (
            len(self.external_id) > USER_NAME_MAX_LENGTH or NAME_FORBIDDEN.search(self.external_id)
        ):
            errors.append(FieldError("externalId", "Give at most 200 printable characters."))
        if errors:
            raise InvalidInput("The group is not valid.", errors)
        return GroupAccount(
            name,
            _blank_to_none(self.external_id),
            tuple(dict.fromkeys(self.member_ids)),
            self.document,
        )

    def summary(self) -> dict[str, object]:
        """The group's own attributes, as the audit log compares them (members apart)."""
        return {"displayName": self.display_name, "externalId": self.external_id}


@dataclass(frozen=True)
class ProvisionedGroup:
    tenant_id: uuid.UUID
    cohort_id: uuid.UUID
    external_id: str | None
    document: Mapping[str, object]
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DirectoryGroup:
    """A static cohort as the provider sees it; every static cohort is one."""

    cohort: Cohort
    identity: ProvisionedGroup | None
    member_ids: tuple[uuid.UUID, ...]

    @property
    def last_modified(self) -> datetime:
        if self.identity is None:
            return self.cohort.updated_at
        return max(self.cohort.updated_at, self.identity.updated_at)

    def account(self) -> GroupAccount:
        return GroupAccount(
            display_name=self.cohort.name,
            external_id=None if self.identity is None else self.identity.external_id,
            member_ids=self.member_ids,
            document={} if self.identity is None else self.identity.document,
        )

    def facts(self) -> Facts:
        return group_facts(
            self.cohort.id,
            display_name=self.cohort.name,
            external_id=None if self.identity is None else self.identity.external_id,
        )


def group_facts(cohort_id: uuid.UUID, *, display_name: str, external_id: str | None) -> Facts:
    return {
        GroupAttribute.ID: str(cohort_id),
        GroupAttribute.DISPLAY_NAME: display_name,
        GroupAttribute.EXTERNAL_ID: external_id,
    }


def changed_fields(
    before: Mapping[str, object], after: Mapping[str, object]
) -> dict[str, dict[str, object]]:
    """Per attribute that differs, its value before and after: what an audit entry keeps."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def members_change(
    before: Sequence[uuid.UUID], after: Sequence[uuid.UUID]
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """(added, removed) between two member lists."""
    return set(after) - set(before), set(before) - set(after)


def _canonical_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return value.strip()
    return None


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None
