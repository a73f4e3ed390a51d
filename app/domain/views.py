"""Value objects that cross the ports: read models, filters, and rows of bulk writes."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.bulk import RowStatus
from app.domain.frameworks import CapabilityType
from app.domain.people import EmployeeStatus, Profile


@dataclass(frozen=True)
class CapabilityView:
    """A capability as its framework's current version describes it."""

    id: uuid.UUID
    framework_id: uuid.UUID
    key: str
    version_number: int
    name: str
    type: CapabilityType
    description: str
    scale_id: uuid.UUID
    group_key: str | None
    indicators: Mapping[int, tuple[str, ...]]


@dataclass(frozen=True)
class EmployeeFilter:
    org_unit_id: uuid.UUID | None = None
    """Employees in this unit or any unit below it."""
    manager_id: uuid.UUID | None = None
    """Direct reports of this employee."""
    role_id: uuid.UUID | None = None
    status: EmployeeStatus | None = None
    external_id: str | None = None
    visible_to_manager: uuid.UUID | None = None
    """Only this manager and everyone below them in the reporting line."""
    only_id: uuid.UUID | None = None
    ids: tuple[uuid.UUID, ...] | None = None
    """Only these employees (a batch lookup)."""


@dataclass(frozen=True)
class EmployeeUpsert:
    """One row of a bulk upsert: the profile and the manager, named by external id because
    the manager may arrive later in the batch or in a later one."""

    profile: Profile
    manager_external_id: str | None = None


@dataclass(frozen=True)
class UpsertOutcome:
    id: uuid.UUID
    status: RowStatus


@dataclass(frozen=True)
class RoleAssignment:
    employee_id: uuid.UUID
    role_id: uuid.UUID
    effective_date: date | None
    """None: keep the stored date if the role is unchanged, else today (so a daily sync that
    sends no dates changes nothing)."""


@dataclass(frozen=True)
class StoredResponse:
    endpoint: str
    fingerprint: str
    response: dict


class GroupBy(StrEnum):
    TEAM = "team"
    ORG_UNIT = "org_unit"
    ROLE = "role"
    COHORT = "cohort"
    TENANT = "tenant"


@dataclass(frozen=True)
class Grouping:
    """Which groups of (active) people a roll-up compares.

    team: one group, the manager's reports (direct, or the whole chain below).
    org_unit: each of the units (each with the units below it).
    role: each of the roles' current holders.
    cohort: each of the cohorts' members.
    tenant: one group, everyone.
    """

    by: GroupBy
    ids: tuple[uuid.UUID, ...] = ()
    whole_chain: bool = True


@dataclass(frozen=True)
class AssessmentFilter:
    employee_id: uuid.UUID | None = None
    status: str | None = None
    visible_to_manager: uuid.UUID | None = None
    """Only assessments of this manager, the people below them, or that they rate."""
    only_employee: uuid.UUID | None = None
    """Only assessments of this employee or that they rate."""


@dataclass(frozen=True)
class PlanFilter:
    employee_id: uuid.UUID | None = None
    status: str | None = None
    visible_to_manager: uuid.UUID | None = None
    """Only plans of this manager or the people below them."""
    only_employee: uuid.UUID | None = None
