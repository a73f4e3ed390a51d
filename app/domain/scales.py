"""Competency scales: the ordered levels every capability is measured on.

A level's identity is its position on the scale, `value` 1..n: gaps are differences of values.
Three to five levels is the norm (more muddies ratings); two to ten are accepted.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from app.domain.errors import Conflict, FieldError, InvalidInput
from app.domain.ids import new_id
from app.domain.values import check_key, check_name, check_text

MIN_LEVELS = 2
MAX_LEVELS = 10


@dataclass(frozen=True)
class LevelSpec:
    """A level as a client describes it; its value is its position in the list."""

    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Level:
    value: int
    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class CompetencyScale:
    id: uuid.UUID
    tenant_id: uuid.UUID
    key: str
    name: str
    description: str
    levels: tuple[Level, ...]
    proficient_level: int | None
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
        description: str = "",
        levels: Sequence[LevelSpec],
        proficient_level: int | None = None,
        now: datetime,
    ) -> "CompetencyScale":
        errors: list[FieldError] = []
        key = check_key(key, "key", errors)
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        built = _build_levels(levels, proficient_level, errors)
        if errors:
            raise InvalidInput("The scale is not valid.", errors)
        return cls(
            id=new_id(),
            tenant_id=tenant_id,
            key=key,
            name=name,
            description=description,
            levels=built,
            proficient_level=proficient_level,
            version=1,
            created_at=now,
            updated_at=now,
        )

    def revise(
        self,
        *,
        name: str,
        description: str,
        levels: Sequence[LevelSpec],
        proficient_level: int | None,
        levels_in_use: Iterable[int],
        now: datetime,
    ) -> "CompetencyScale":
        """The scale with new content. Levels may be relabelled or added; a level that
        requirements or ratings use cannot be dropped (Conflict)."""
        errors: list[FieldError] = []
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        built = _build_levels(levels, proficient_level, errors)
        if errors:
            raise InvalidInput("The scale is not valid.", errors)
        dropped = sorted(value for value in set(levels_in_use) if value > len(built))
        if dropped:
            raise Conflict(
                f"Levels {', '.join(map(str, dropped))} of scale {self.key} are in use "
                "and cannot be removed."
            )
        return replace(
            self,
            name=name,
            description=description,
            levels=built,
            proficient_level=proficient_level,
            version=self.version + 1,
            updated_at=now,
        )

    def has_level(self, value: int) -> bool:
        return 1 <= value <= len(self.levels)

    @property
    def max_level(self) -> int:
        return len(self.levels)


def _build_levels(
    specs: Sequence[LevelSpec], proficient_level: int | None, errors: list[FieldError]
) -> tuple[Level, ...]:
    if not MIN_LEVELS <= len(specs) <= MAX_LEVELS:
        errors.append(
            FieldError("levels", f"Give {MIN_LEVELS} to {MAX_LEVELS} levels (3 to 5 is usual).")
        )
    seen_codes: set[str] = set()
    levels = []
    for position, spec in enumerate(specs, start=1):
        path = f"levels.{position - 1}"
        code = check_key(spec.code, f"{path}.code", errors)
        if code.lower() in seen_codes:
            errors.append(FieldError(f"{path}.code", f"Code {code} is used twice."))
        seen_codes.add(code.lower())
        label = check_name(spec.label, f"{path}.label", errors)
        description = check_text(spec.description, f"{path}.description", errors)
        levels.append(Level(value=position, code=code, label=label, description=description))
    if proficient_level is not None and not 1 <= proficient_level <= len(specs):
        errors.append(FieldError("proficient_level", "Give the value of one of the levels."))
    return tuple(levels)
