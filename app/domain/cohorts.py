"""Cohorts: named sets of employees, listed by hand (static) or defined by a rule.

A rule combines criteria with AND; each criterion lists alternatives combined with OR; an
empty criterion does not constrain. Only active employees are members of a rule cohort.
`CohortRule.matches` is the definition; the SQL that computes memberships must agree with it.
"""

import uuid
from collections.abc import Collection, Mapping, Set
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from app.domain.errors import FieldError, InvalidInput
from app.domain.ids import new_id
from app.domain.people import EmployeeStatus
from app.domain.values import check_key, check_name, check_reference, check_text

MAX_ALTERNATIVES = 100


class CohortKind(StrEnum):
    STATIC = "static"
    RULE = "rule"


@dataclass(frozen=True)
class CohortRule:
    org_unit_ids: tuple[uuid.UUID, ...] = ()
    """Members sit in one of these units or any unit below it."""
    job_levels: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    role_ids: tuple[uuid.UUID, ...] = ()
    """Members currently hold one of these roles."""
    manager_ids: tuple[uuid.UUID, ...] = ()
    """Members report to one of these people, directly or further down the chain."""

    def cleaned(self) -> "CohortRule":
        """The rule with texts trimmed and repeats dropped, as profiles are stored."""
        return replace(
            self,
            org_unit_ids=tuple(dict.fromkeys(self.org_unit_ids)),
            job_levels=tuple(dict.fromkeys(v.strip() for v in self.job_levels)),
            locations=tuple(dict.fromkeys(v.strip() for v in self.locations)),
            role_ids=tuple(dict.fromkeys(self.role_ids)),
            manager_ids=tuple(dict.fromkeys(self.manager_ids)),
        )

    def problems(self) -> list[FieldError]:
        errors = []
        criteria = ("org_unit_ids", "job_levels", "locations", "role_ids", "manager_ids")
        if not any(getattr(self, name) for name in criteria):
            errors.append(FieldError("rule", "Give at least one criterion."))
        for name in criteria:
            if len(getattr(self, name)) > MAX_ALTERNATIVES:
                errors.append(FieldError(f"rule.{name}", f"At most {MAX_ALTERNATIVES} values."))
        for name in ("job_levels", "locations"):
            for index, value in enumerate(getattr(self, name)):
                if not value.strip():
                    errors.append(FieldError(f"rule.{name}.{index}", "Give a value."))
                check_reference(value, f"rule.{name}.{index}", errors)
        return errors

    def matches(
        self, member: "MemberFacts", units_below: Mapping[uuid.UUID, Set[uuid.UUID]]
    ) -> bool:
        """Whether `member` belongs. `units_below[u]` is u and every unit under it."""
        if member.status is not EmployeeStatus.ACTIVE:
            return False
        if self.org_unit_ids and not any(
            member.org_unit_id in units_below.get(unit, {unit}) for unit in self.org_unit_ids
        ):
            return False
        if self.job_levels and member.job_level not in self.job_levels:
            return False
        if self.locations and member.location not in self.locations:
            return False
        if self.role_ids and member.current_role_id not in self.role_ids:
            return False
        return not self.manager_ids or not set(self.manager_ids).isdisjoint(member.managers_above)


@dataclass(frozen=True)
class MemberFacts:
    """What a rule looks at: an employee's attributes and everyone above them."""

    employee_id: uuid.UUID
    status: EmployeeStatus
    org_unit_id: uuid.UUID | None
    job_level: str | None
    location: str | None
    current_role_id: uuid.UUID | None
    managers_above: Collection[uuid.UUID]


@dataclass(frozen=True)
class Cohort:
    id: uuid.UUID
    tenant_id: uuid.UUID
    key: str
    name: str
    description: str
    kind: CohortKind
    rule: CohortRule | None
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
        description: str,
        rule: CohortRule | None,
        now: datetime,
    ) -> "Cohort":
        """A rule cohort when `rule` is given, else a static one (members added by hand)."""
        errors: list[FieldError] = []
        key = check_key(key, "key", errors)
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        if rule is not None:
            errors.extend(rule.problems())
            rule = rule.cleaned()
        if errors:
            raise InvalidInput("The cohort is not valid.", errors)
        kind = CohortKind.STATIC if rule is None else CohortKind.RULE
        return cls(new_id(), tenant_id, key, name, description, kind, rule, 1, now, now)

    def revise(
        self, *, name: str, description: str, rule: CohortRule | None, now: datetime
    ) -> "Cohort":
        errors: list[FieldError] = []
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        if (rule is None) != (self.kind is CohortKind.STATIC):
            errors.append(FieldError("rule", f"A {self.kind} cohort keeps its kind."))
        elif rule is not None:
            errors.extend(rule.problems())
            rule = rule.cleaned()
        if errors:
            raise InvalidInput("The cohort is not valid.", errors)
        return replace(
            self,
            name=name,
            description=description,
            rule=rule,
            version=self.version + 1,
            updated_at=now,
        )

    def require_static(self) -> None:
        if self.kind is not CohortKind.STATIC:
            raise InvalidInput(
                "Members of a rule cohort follow from its rule.",
                [FieldError("employee_ids", "Change the rule instead.")],
            )
