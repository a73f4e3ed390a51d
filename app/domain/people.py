"""People: employees synced from an HRIS, their reporting lines, and the org unit tree."""

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from app.domain.errors import FieldError, InvalidInput
from app.domain.ids import new_id
from app.domain.values import NAME_FORBIDDEN, check_key, check_name

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
ATTRIBUTE_MAX_LENGTH = 200
EXTERNAL_ID_MAX_LENGTH = 200
Person = TypeVar("Person", uuid.UUID, str)


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class OrgUnit:
    id: uuid.UUID
    tenant_id: uuid.UUID
    key: str
    name: str
    parent_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        tenant_id: uuid.UUID,
        *,
        key: str,
        name: str,
        parent_id: uuid.UUID | None,
        now: datetime,
    ) -> "OrgUnit":
        errors: list[FieldError] = []
        key = check_key(key, "key", errors)
        name = check_name(name, "name", errors)
        if errors:
            raise InvalidInput("The org unit is not valid.", errors)
        return cls(new_id(), tenant_id, key, name, parent_id, 1, now, now)

    def revise(
        self,
        *,
        name: str,
        parent_id: uuid.UUID | None,
        ancestors_of_parent: Iterable[uuid.UUID],
        now: datetime,
    ) -> "OrgUnit":
        """Rename or move the unit. `ancestors_of_parent` is the chain above the new parent
        (the parent included); moving a unit under itself or its descendants is refused."""
        errors: list[FieldError] = []
        name = check_name(name, "name", errors)
        if parent_id is not None and self.id in {parent_id, *ancestors_of_parent}:
            errors.append(FieldError("parent_id", "A unit cannot sit under itself."))
        if errors:
            raise InvalidInput("The org unit is not valid.", errors)
        return replace(
            self, name=name, parent_id=parent_id, version=self.version + 1, updated_at=now
        )


@dataclass(frozen=True)
class Profile:
    """The HRIS-owned attributes of an employee, as a create, update or bulk row carries them."""

    external_id: str
    name: str
    email: str | None = None
    org_unit_id: uuid.UUID | None = None
    job_title: str | None = None
    job_level: str | None = None
    location: str | None = None
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    hire_date: date | None = None

    def validated(self, prefix: str = "") -> "Profile":
        errors = self.problems(prefix)
        if errors:
            raise InvalidInput("The employee is not valid.", errors)
        return self.cleaned()

    def cleaned(self) -> "Profile":
        return replace(
            self,
            external_id=self.external_id.strip(),
            name=self.name.strip(),
            email=_blank_to_none(self.email),
            job_title=_blank_to_none(self.job_title),
            job_level=_blank_to_none(self.job_level),
            location=_blank_to_none(self.location),
        )

    def problems(self, prefix: str = "") -> list[FieldError]:
        """Every reason the profile is not acceptable, each at its field's path."""
        errors: list[FieldError] = []
        attributes = {"external_id": self.external_id, "name": self.name, "email": self.email}
        attributes |= {"job_title": self.job_title, "job_level": self.job_level}
        attributes |= {"location": self.location}
        for field_name, value in attributes.items():
            if field_name == "name":
                check_name(self.name, f"{prefix}name", errors)
                continue
            cleaned = _blank_to_none(value)
            path = f"{prefix}{field_name}"
            limit = EXTERNAL_ID_MAX_LENGTH if field_name == "external_id" else ATTRIBUTE_MAX_LENGTH
            if cleaned is None:
                if field_name == "external_id":
                    errors.append(FieldError(path, f"Give 1 to {limit} characters."))
            elif len(cleaned) > limit:
                errors.append(FieldError(path, f"At most {limit} characters."))
            elif NAME_FORBIDDEN.search(cleaned):
                errors.append(FieldError(path, "Control characters are not allowed."))
            elif field_name == "email" and not EMAIL_PATTERN.match(cleaned):
                errors.append(FieldError(path, "Not an email address."))
        return errors


@dataclass(frozen=True)
class Employee:
    id: uuid.UUID
    tenant_id: uuid.UUID
    profile: Profile
    manager_id: uuid.UUID | None
    manager_external_id: str | None
    current_role_id: uuid.UUID | None
    role_effective_date: date | None
    aspired_role_ids: tuple[uuid.UUID, ...]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        tenant_id: uuid.UUID,
        *,
        profile: Profile,
        manager_id: uuid.UUID | None,
        current_role_id: uuid.UUID | None,
        aspired_role_ids: Sequence[uuid.UUID],
        now: datetime,
    ) -> "Employee":
        profile = profile.validated()
        _check_aspired(aspired_role_ids)
        return cls(
            id=new_id(),
            tenant_id=tenant_id,
            profile=profile,
            manager_id=manager_id,
            manager_external_id=None,
            current_role_id=current_role_id,
            role_effective_date=None if current_role_id is None else now.date(),
            aspired_role_ids=tuple(dict.fromkeys(aspired_role_ids)),
            version=1,
            created_at=now,
            updated_at=now,
        )

    def revise(
        self,
        *,
        profile: Profile,
        manager_id: uuid.UUID | None,
        managers_above_new_manager: Iterable[uuid.UUID],
        current_role_id: uuid.UUID | None,
        aspired_role_ids: Sequence[uuid.UUID],
        now: datetime,
    ) -> "Employee":
        """The employee with new attributes. `managers_above_new_manager` is the reporting
        chain above the new manager; a manager who reports (at any depth) to this employee
        would close a cycle and is refused."""
        profile = profile.validated()
        check_reporting_line(self.id, manager_id, managers_above_new_manager)
        _check_aspired(aspired_role_ids)
        role_changed = current_role_id != self.current_role_id
        return replace(
            self,
            profile=profile,
            manager_id=manager_id,
            # The HRIS's reference stays until someone sets a different manager by hand.
            manager_external_id=(
                self.manager_external_id if manager_id == self.manager_id else None
            ),
            current_role_id=current_role_id,
            role_effective_date=now.date() if role_changed else self.role_effective_date,
            aspired_role_ids=tuple(dict.fromkeys(aspired_role_ids)),
            version=self.version + 1,
            updated_at=now,
        )


def check_reporting_line(
    employee_id: uuid.UUID, manager_id: uuid.UUID | None, chain_above_manager: Iterable[uuid.UUID]
) -> None:
    if manager_id is None:
        return
    if manager_id == employee_id or employee_id in set(chain_above_manager):
        raise InvalidInput(
            "The reporting line would form a cycle.",
            [FieldError("manager_id", "This manager reports, directly or not, to the employee.")],
        )


def find_cycles(managers: Mapping[Person, Person | None]) -> set[Person]:
    """Everyone who sits on a reporting cycle in `managers` (person -> their manager)."""
    on_cycle: set[Person] = set()
    cleared: set[Person] = set()
    for start in managers:
        path: list[Person] = []
        position: dict[Person, int] = {}
        node: Person | None = start
        while node is not None and node not in cleared and node not in position:
            position[node] = len(path)
            path.append(node)
            node = managers.get(node)
        if node is not None and node in position:
            on_cycle.update(path[position[node] :])
        cleared.update(path)
    return on_cycle


def _check_aspired(aspired_role_ids: Sequence[uuid.UUID]) -> None:
    if len(set(aspired_role_ids)) > 10:
        raise InvalidInput(
            "Too many aspired roles.", [FieldError("aspired_role_ids", "At most 10 roles.")]
        )


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
