"""Role profiles (job scorecards): the capabilities a role needs, at which level and weight."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from app.domain.errors import FieldError, InvalidInput
from app.domain.ids import new_id
from app.domain.values import check_key, check_name, check_text

MAX_WEIGHT = 100.0


@dataclass(frozen=True)
class Requirement:
    capability_id: uuid.UUID
    required_level: int
    weight: float = 1.0
    core: bool = False


@dataclass(frozen=True)
class RoleProfile:
    id: uuid.UUID
    tenant_id: uuid.UUID
    key: str
    name: str
    description: str
    requirements: tuple[Requirement, ...]
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
        requirements: Sequence[Requirement],
        max_levels: Mapping[uuid.UUID, int],
        now: datetime,
    ) -> "RoleProfile":
        """`max_levels` gives, for each capability the tenant has, its scale's top level."""
        errors: list[FieldError] = []
        key = check_key(key, "key", errors)
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        _check_requirements(requirements, max_levels, errors)
        if errors:
            raise InvalidInput("The role profile is not valid.", errors)
        return cls(new_id(), tenant_id, key, name, description, tuple(requirements), 1, now, now)

    def revise(
        self,
        *,
        name: str,
        description: str,
        requirements: Sequence[Requirement],
        max_levels: Mapping[uuid.UUID, int],
        now: datetime,
    ) -> "RoleProfile":
        errors: list[FieldError] = []
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        _check_requirements(requirements, max_levels, errors)
        if errors:
            raise InvalidInput("The role profile is not valid.", errors)
        return replace(
            self,
            name=name,
            description=description,
            requirements=tuple(requirements),
            version=self.version + 1,
            updated_at=now,
        )


def _check_requirements(
    requirements: Sequence[Requirement],
    max_levels: Mapping[uuid.UUID, int],
    errors: list[FieldError],
) -> None:
    seen: set[uuid.UUID] = set()
    for index, requirement in enumerate(requirements):
        path = f"requirements.{index}"
        if requirement.capability_id in seen:
            errors.append(FieldError(f"{path}.capability_id", "This capability is listed twice."))
        seen.add(requirement.capability_id)
        top = max_levels.get(requirement.capability_id)
        if top is None:
            errors.append(
                FieldError(f"{path}.capability_id", "No published capability has this id.")
            )
        elif not 1 <= requirement.required_level <= top:
            errors.append(
                FieldError(
                    f"{path}.required_level", f"The capability's scale has levels 1 to {top}."
                )
            )
        if not 0 < requirement.weight <= MAX_WEIGHT:
            errors.append(
                FieldError(f"{path}.weight", f"Give more than 0, at most {MAX_WEIGHT:g}.")
            )
