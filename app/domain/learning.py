"""The learning catalogue: items that develop capabilities from one level to another."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from app.domain.errors import FieldError, InvalidInput
from app.domain.ids import new_id
from app.domain.plans import LearningKind, Offer, Target, prerequisite_cycles
from app.domain.values import check_name, check_reference, check_text

MAX_URL_LENGTH = 2_000


class DeliveryFormat(StrEnum):
    SELF_PACED = "self_paced"
    VIRTUAL = "virtual"
    IN_PERSON = "in_person"
    BLENDED = "blended"


MAX_MINUTES = 100_000
MAX_TARGETS = 20


@dataclass(frozen=True)
class ItemContent:
    """What a client says about an item; identity and bookkeeping are the catalogue's."""

    title: str
    kind: LearningKind
    targets: tuple[Target, ...]
    description: str = ""
    external_id: str | None = None
    """The item's id in the LMS it comes from, if any."""
    url: str | None = None
    format: DeliveryFormat | None = None
    minutes: int = 0
    cost: float = 0.0
    prerequisites: tuple[uuid.UUID, ...] = ()
    active: bool = True

    def validated(self, max_levels: Mapping[uuid.UUID, int]) -> "ItemContent":
        """The content with texts trimmed, or InvalidInput listing every problem. `max_levels`
        gives each published capability's top level."""
        errors: list[FieldError] = []
        title = check_name(self.title, "title", errors)
        description = check_text(self.description, "description", errors)
        external_id = self.external_id and check_reference(self.external_id, "external_id", errors)
        url = self.url and self.url.strip()
        if url and (len(url) > MAX_URL_LENGTH or not url.startswith(("https://", "http://"))):
            errors.append(FieldError("url", "Give an http(s) address of at most 2,000 characters."))
        if not 0 <= self.minutes <= MAX_MINUTES:
            errors.append(FieldError("minutes", f"Give 0 to {MAX_MINUTES}."))
        if not 0 <= self.cost < 1e9:
            errors.append(FieldError("cost", "Give a cost of 0 or more."))
        if not self.targets:
            errors.append(FieldError("targets", "Say which capability the item develops."))
        if len(self.targets) > MAX_TARGETS:
            errors.append(FieldError("targets", f"At most {MAX_TARGETS}."))
        seen: set[uuid.UUID] = set()
        for index, target in enumerate(self.targets):
            path = f"targets.{index}"
            top = max_levels.get(target.capability_id)
            if target.capability_id in seen:
                errors.append(FieldError(f"{path}.capability_id", "Listed twice."))
            seen.add(target.capability_id)
            if top is None:
                errors.append(
                    FieldError(f"{path}.capability_id", "No published capability has this id.")
                )
            elif not 1 <= target.from_level < target.to_level <= top:
                errors.append(
                    FieldError(path, f"Give 1 <= from_level < to_level <= {top} (the scale's top).")
                )
        if len(set(self.prerequisites)) != len(self.prerequisites):
            errors.append(FieldError("prerequisites", "An item is listed twice."))
        if errors:
            raise InvalidInput("The learning item is not valid.", errors)
        return replace(
            self, title=title, description=description, external_id=external_id, url=url or None
        )


@dataclass(frozen=True)
class LearningItem:
    id: uuid.UUID
    tenant_id: uuid.UUID
    content: ItemContent
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        tenant_id: uuid.UUID,
        content: ItemContent,
        *,
        max_levels: Mapping[uuid.UUID, int],
        now: datetime,
    ) -> "LearningItem":
        return cls(new_id(), tenant_id, content.validated(max_levels), 1, now, now)

    def revise(
        self, content: ItemContent, *, max_levels: Mapping[uuid.UUID, int], now: datetime
    ) -> "LearningItem":
        return replace(
            self, content=content.validated(max_levels), version=self.version + 1, updated_at=now
        )

    def as_offer(self) -> Offer:
        content = self.content
        return Offer(
            self.id,
            content.kind,
            content.targets,
            content.minutes,
            content.cost,
            content.prerequisites,
        )


def check_prerequisites(
    item_id: uuid.UUID,
    prerequisites: Sequence[uuid.UUID],
    existing: Mapping[uuid.UUID, Sequence[uuid.UUID]],
) -> None:
    """InvalidInput when a prerequisite is unknown, the item itself, or closes a loop with
    the prerequisites already in the catalogue (`existing`: item -> its prerequisites)."""
    errors = [
        FieldError(f"prerequisites.{index}", "No learning item has this id.")
        for index, needed in enumerate(prerequisites)
        if needed not in existing and needed != item_id
    ]
    graph = {**existing, item_id: tuple(prerequisites)}
    if not errors and item_id in prerequisite_cycles(graph):
        errors.append(FieldError("prerequisites", "The item would become its own prerequisite."))
    if errors:
        raise InvalidInput("The prerequisites are not acceptable.", errors)
