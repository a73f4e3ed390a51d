"""Capability frameworks: versioned trees of groups and capabilities with level indicators.

A framework's content lives in versions. A draft can be edited; publishing freezes it and
retires the version published before it (one current version at a time); later edits go into a
new draft copied from the current version. A capability keeps its key, and so its identity,
across versions: requirements and ratings refer to that identity, not to one version's text.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from app.domain.errors import Conflict, FieldError, InvalidInput, InvalidTransition
from app.domain.ids import new_id
from app.domain.scales import CompetencyScale
from app.domain.values import check_key, check_name, check_text

MAX_CAPABILITIES = 5_000
MAX_INDICATORS_PER_LEVEL = 20


class CapabilityType(StrEnum):
    SKILL = "skill"
    KNOWLEDGE = "knowledge"
    BEHAVIOUR = "behaviour"
    TOOL = "tool"
    PROCESS = "process"


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    description: str = ""
    parent_key: str | None = None


@dataclass(frozen=True)
class CapabilitySpec:
    """One capability as a version describes it. `indicators` maps a level value to the
    observable behaviours that show performance at that level."""

    key: str
    name: str
    type: CapabilityType
    scale_key: str
    description: str = ""
    group_key: str | None = None
    indicators: Mapping[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class FrameworkContent:
    groups: tuple[Group, ...] = ()
    capabilities: tuple[CapabilitySpec, ...] = ()

    def validated(self, scales: Mapping[str, CompetencyScale]) -> "FrameworkContent":
        """The content with names trimmed, or InvalidInput listing every problem by path.
        `scales` holds the tenant's scales by key."""
        errors: list[FieldError] = []
        groups = tuple(_checked_group(g, i, errors) for i, g in enumerate(self.groups))
        group_keys = _unique_keys([g.key for g in groups], "groups", errors)
        for index, group in enumerate(groups):
            if group.parent_key is not None and group.parent_key not in group_keys:
                errors.append(FieldError(f"groups.{index}.parent_key", "No group has this key."))
        _check_group_tree(groups, errors)
        if len(self.capabilities) > MAX_CAPABILITIES:
            errors.append(FieldError("capabilities", f"At most {MAX_CAPABILITIES} per framework."))
        capabilities = tuple(
            _checked_capability(spec, index, group_keys, scales, errors)
            for index, spec in enumerate(self.capabilities)
        )
        _unique_keys([c.key for c in capabilities], "capabilities", errors)
        if errors:
            raise InvalidInput("The framework content is not valid.", errors)
        return FrameworkContent(groups=groups, capabilities=capabilities)


@dataclass(frozen=True)
class Framework:
    id: uuid.UUID
    tenant_id: uuid.UUID
    key: str
    name: str
    description: str
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls, tenant_id: uuid.UUID, *, key: str, name: str, description: str, now: datetime
    ) -> "Framework":
        errors: list[FieldError] = []
        key = check_key(key, "key", errors)
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        if errors:
            raise InvalidInput("The framework is not valid.", errors)
        return cls(new_id(), tenant_id, key, name, description, 1, now, now)

    def rename(self, *, name: str, description: str, now: datetime) -> "Framework":
        errors: list[FieldError] = []
        name = check_name(name, "name", errors)
        description = check_text(description, "description", errors)
        if errors:
            raise InvalidInput("The framework is not valid.", errors)
        return replace(
            self, name=name, description=description, version=self.version + 1, updated_at=now
        )


@dataclass(frozen=True)
class FrameworkVersion:
    id: uuid.UUID
    tenant_id: uuid.UUID
    framework_id: uuid.UUID
    number: int
    status: VersionStatus
    revision: int
    created_at: datetime
    published_at: datetime | None = None
    retired_at: datetime | None = None

    @classmethod
    def first_draft(cls, framework: Framework, now: datetime) -> "FrameworkVersion":
        return cls(new_id(), framework.tenant_id, framework.id, 1, VersionStatus.DRAFT, 1, now)

    def edited(self) -> "FrameworkVersion":
        """The version after its content was replaced; only a draft can be edited."""
        if self.status is not VersionStatus.DRAFT:
            raise InvalidTransition(
                f"Version {self.number} is {self.status}: published content is frozen. "
                "Start a new draft to change it."
            )
        return replace(self, revision=self.revision + 1)

    def publish(self, now: datetime, content: FrameworkContent) -> "FrameworkVersion":
        if self.status is not VersionStatus.DRAFT:
            raise InvalidTransition(f"Version {self.number} is {self.status}, not a draft.")
        if not content.capabilities:
            raise InvalidTransition("A version without capabilities cannot be published.")
        return replace(
            self, status=VersionStatus.PUBLISHED, published_at=now, revision=self.revision + 1
        )

    def retire(self, now: datetime) -> "FrameworkVersion":
        if self.status is not VersionStatus.PUBLISHED:
            raise InvalidTransition(f"Version {self.number} is {self.status}, not published.")
        return replace(
            self, status=VersionStatus.RETIRED, retired_at=now, revision=self.revision + 1
        )


def next_draft(
    framework: Framework, versions: Sequence[FrameworkVersion], now: datetime
) -> FrameworkVersion:
    """A new draft numbered after the latest version. Conflict if a draft already exists."""
    if any(v.status is VersionStatus.DRAFT for v in versions):
        raise Conflict(f"Framework {framework.key} already has a draft; edit that one.")
    number = max((v.number for v in versions), default=0) + 1
    return FrameworkVersion(
        new_id(), framework.tenant_id, framework.id, number, VersionStatus.DRAFT, 1, now
    )


def current_version(versions: Sequence[FrameworkVersion]) -> FrameworkVersion | None:
    return next((v for v in versions if v.status is VersionStatus.PUBLISHED), None)


@dataclass(frozen=True)
class KeyedRequirement:
    """A role's requirement on one of a framework's capabilities, named by keys."""

    role_key: str
    capability_key: str
    required_level: int


def requirements_broken_by(
    content: FrameworkContent,
    scales: Mapping[str, CompetencyScale],
    requirements: Sequence[KeyedRequirement],
) -> list[str]:
    """What publishing `content` would break: requirements on capabilities it drops, or at
    levels its scales no longer have. Empty when nothing breaks."""
    specs = {c.key: c for c in content.capabilities}
    broken = []
    for requirement in requirements:
        spec = specs.get(requirement.capability_key)
        if spec is None:
            broken.append(
                f"role {requirement.role_key} requires {requirement.capability_key}, "
                "which this version drops"
            )
            continue
        scale = scales.get(spec.scale_key)
        if scale is not None and not scale.has_level(requirement.required_level):
            broken.append(
                f"role {requirement.role_key} requires {requirement.capability_key} at level "
                f"{requirement.required_level}; its scale {scale.key} stops at {scale.max_level}"
            )
    return broken


@dataclass(frozen=True)
class CapabilityChange:
    key: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FrameworkDiff:
    added_capabilities: tuple[str, ...]
    removed_capabilities: tuple[str, ...]
    changed_capabilities: tuple[CapabilityChange, ...]
    added_groups: tuple[str, ...]
    removed_groups: tuple[str, ...]
    changed_groups: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.added_capabilities,
                self.removed_capabilities,
                self.changed_capabilities,
                self.added_groups,
                self.removed_groups,
                self.changed_groups,
            )
        )


_COMPARED_FIELDS = ("name", "type", "scale_key", "description", "group_key", "indicators")


def diff(old: FrameworkContent, new: FrameworkContent) -> FrameworkDiff:
    """What changed from `old` to `new`, by capability and group key (order is ignored)."""
    old_caps = {c.key: c for c in old.capabilities}
    new_caps = {c.key: c for c in new.capabilities}
    changed = tuple(
        CapabilityChange(key, fields)
        for key in sorted(old_caps.keys() & new_caps.keys())
        if (
            fields := tuple(
                name
                for name in _COMPARED_FIELDS
                if _comparable(getattr(old_caps[key], name))
                != _comparable(getattr(new_caps[key], name))
            )
        )
    )
    old_groups = {g.key: g for g in old.groups}
    new_groups = {g.key: g for g in new.groups}
    return FrameworkDiff(
        added_capabilities=tuple(sorted(new_caps.keys() - old_caps.keys())),
        removed_capabilities=tuple(sorted(old_caps.keys() - new_caps.keys())),
        changed_capabilities=changed,
        added_groups=tuple(sorted(new_groups.keys() - old_groups.keys())),
        removed_groups=tuple(sorted(old_groups.keys() - new_groups.keys())),
        changed_groups=tuple(
            sorted(
                k for k in old_groups.keys() & new_groups.keys() if old_groups[k] != new_groups[k]
            )
        ),
    )


def _comparable(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: tuple(v) for k, v in value.items() if v}
    return value


def _checked_group(group: Group, index: int, errors: list[FieldError]) -> Group:
    path = f"groups.{index}"
    return replace(
        group,
        key=check_key(group.key, f"{path}.key", errors),
        name=check_name(group.name, f"{path}.name", errors),
        description=check_text(group.description, f"{path}.description", errors),
    )


def _checked_capability(
    spec: CapabilitySpec,
    index: int,
    group_keys: set[str],
    scales: Mapping[str, CompetencyScale],
    errors: list[FieldError],
) -> CapabilitySpec:
    path = f"capabilities.{index}"
    key = check_key(spec.key, f"{path}.key", errors)
    name = check_name(spec.name, f"{path}.name", errors)
    description = check_text(spec.description, f"{path}.description", errors)
    if spec.group_key is not None and spec.group_key not in group_keys:
        errors.append(FieldError(f"{path}.group_key", "No group has this key."))
    scale = scales.get(spec.scale_key)
    if scale is None:
        errors.append(FieldError(f"{path}.scale_key", "No scale has this key."))
    indicators: dict[int, tuple[str, ...]] = {}
    for level, texts in sorted(spec.indicators.items()):
        level_path = f"{path}.indicators.{level}"
        if scale is not None and not scale.has_level(level):
            errors.append(
                FieldError(level_path, f"Scale {scale.key} has levels 1 to {scale.max_level}.")
            )
        if len(texts) > MAX_INDICATORS_PER_LEVEL:
            errors.append(FieldError(level_path, f"At most {MAX_INDICATORS_PER_LEVEL} per level."))
        cleaned = tuple(check_text(text, level_path, errors) for text in texts)
        indicators[level] = tuple(text for text in cleaned if text)
    return replace(spec, key=key, name=name, description=description, indicators=indicators)


def _unique_keys(keys: list[str], path: str, errors: list[FieldError]) -> set[str]:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            errors.append(FieldError(f"{path}.{index}.key", f"Key {key} is used twice."))
        seen.add(key)
    return seen


def _check_group_tree(groups: tuple[Group, ...], errors: list[FieldError]) -> None:
    """Report each group whose chain of parents never reaches the top. Linear: every group's
    verdict is settled once, however deep the tree."""
    parents = {g.key: g.parent_key for g in groups}
    reaches_top: dict[str, bool] = {}
    for index, group in enumerate(groups):
        path: list[str] = []
        on_path: set[str] = set()
        key: str | None = group.key
        while key in parents and key not in reaches_top and key not in on_path:
            path.append(key)
            on_path.add(key)
            key = parents[key]
        if key in on_path:
            verdict = False
        else:
            verdict = reaches_top.get(key, True) if key is not None else True
        for step in path:
            reaches_top[step] = verdict
        if not reaches_top.get(group.key, True):
            errors.append(FieldError(f"groups.{index}.parent_key", "Groups form a cycle."))
