"""CASE 1.0 (1EdTech Competencies and Academic Standards Exchange) packages in and out.

A CFPackage becomes one framework version:
- A CFItem that other items are children of (isChildOf), or whose CFItemType is "Group",
  becomes a group; every other item becomes a capability. A CFItemType naming a capability type
  (Skill, Knowledge, Behaviour or Behavior, Tool, Process) gives its type; other items get the
  importer's default type. The export gives the CFItemType back while the type is the one
  the import gave, else names the type.
- The name is abbreviatedStatement, else fullStatement (shortened to a name's length, the whole
  statement then kept as description); the description is fullStatement where it says more.
- isChildOf gives the parent, sequenceNumber the order among siblings. An item with several
  parents keeps the first in Tandem's tree; the other associations, and every association of
  another type, are kept and exported again as they came; so is the association that placed
  an item, while the item stays where it put it.
- The CFRubricCriterion on a capability's item gives its scale: levels in position (else
  score) order, labelled by quality; the level's description (else feedback), one indicator
  per line, gives the indicators. A tenant scale with the same labels in the same order is
  used; otherwise the import creates one named after the rubric. Rubric, criterion and level
  identities and fields come back on export while the scale keeps those levels.
- Identifiers and URIs are kept against keys, so importing the package again updates the
  framework it made. New items are keyed by humanCodingScheme when that is a valid key not yet
  used, else by identifier. Fields Tandem does not model are kept and exported as they came.
Frameworks made in Tandem export with identifiers derived from their ids, so a package
exported from Tandem and imported back updates its source instead of copying it.
"""

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from app.domain.errors import FieldError, InvalidInput
from app.domain.frameworks import (
    CapabilitySpec,
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkVersion,
    Group,
)
from app.domain.scales import MAX_LEVELS, MIN_LEVELS, CompetencyScale, LevelSpec
from app.domain.values import KEY_PATTERN, NAME_FORBIDDEN, NAME_MAX_LENGTH, check_name

IS_CHILD_OF = "isChildOf"
GROUP_ITEM_TYPE = "Group"
MAX_ITEMS = 10_000
MAX_ASSOCIATIONS = 50_000
MAX_RUBRICS = 1_000
# Past this many, more messages help nobody and only bloat the problem document.
MAX_REPORTED_ERRORS = 100
_TYPES_BY_NAME = {t.value: t for t in CapabilityType} | {"behavior": CapabilityType.BEHAVIOUR}
_NOT_KEY_CHARACTERS = re.compile(r"[^a-z0-9]+")


class NodeKind(StrEnum):
    GROUP = "group"
    CAPABILITY = "capability"


@dataclass(frozen=True)
class CaseDocument:
    identifier: str
    uri: str
    title: str
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseItem:
    identifier: str
    uri: str
    full_statement: str
    abbreviated_statement: str = ""
    item_type: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Every other field, humanCodingScheme included."""


@dataclass(frozen=True)
class CaseAssociation:
    association_type: str
    origin: str
    """The origin node's identifier: for isChildOf, the child."""
    destination: str
    sequence_number: int | None
    document: Mapping[str, Any]
    """The association as it came, exported again when Tandem does not model it."""


@dataclass(frozen=True)
class RubricLevel:
    quality: str
    description: str = ""
    feedback: str = ""
    score: float | None = None
    position: int | None = None
    document: Mapping[str, Any] = field(default_factory=dict)
    """The level as it came, for the export to give back."""


@dataclass(frozen=True)
class RubricCriterion:
    item: str | None
    """The identifier of the CFItem it measures."""
    levels: tuple[RubricLevel, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Every other field but the levels."""


@dataclass(frozen=True)
class Rubric:
    identifier: str
    uri: str
    title: str = ""
    criteria: tuple[RubricCriterion, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CasePackage:
    document: CaseDocument
    items: tuple[CaseItem, ...] = ()
    associations: tuple[CaseAssociation, ...] = ()
    rubrics: tuple[Rubric, ...] = ()
    definitions: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class CaseNode:
    """A CASE identity held by one of a framework's keys."""

    kind: NodeKind
    key: str
    identifier: str
    uri: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    """The CFItem's fields that Tandem does not model (CFItemType included)."""
    typed_as: str | None = None
    """The capability type the import gave the item: while it has it, CFItemType holds."""
    placement: Mapping[str, Any] | None = None
    """The isChildOf association that placed the item."""
    measure: Mapping[str, Any] | None = None
    """Where the item's levels came from: `rubric` (the CFRubric's fields but its criteria),
    `criterion` (the CFRubricCriterion's but its levels) and `levels` (in scale order)."""


@dataclass(frozen=True)
class CaseRecord:
    """What Tandem keeps of the package a framework came from, to export it as it came."""

    identifier: str
    uri: str
    extra: Mapping[str, Any]
    definitions: Mapping[str, Any] | None
    associations: tuple[Mapping[str, Any], ...]
    """Associations Tandem does not model, as they came."""
    nodes: tuple[CaseNode, ...]


@dataclass(frozen=True)
class ImportPlan:
    name: str
    description: str
    content: FrameworkContent
    record: CaseRecord
    new_scales: tuple[CompetencyScale, ...]
    notes: tuple[str, ...]
    """What the import kept without modelling it, for the caller to know."""


def framework_key(document: CaseDocument) -> str:
    """A key for the framework a CFDocument makes: its title as a slug, else its identifier
    (or a name derived from it, when it is not a valid key)."""
    return _slug(document.title) or _key_of(document.identifier)


def native_identifier(framework_id: uuid.UUID, kind: str, key: str) -> str:
    return str(uuid.uuid5(framework_id, f"{kind}/{key}"))


def urn(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


@dataclass(frozen=True)
class Identities:
    """The CASE identity of each of a framework's keys: as imported, else derived from ids."""

    framework_id: uuid.UUID | None
    record: CaseRecord | None

    def document(self, framework_id: uuid.UUID) -> tuple[str, str]:
        if self.record is not None:
            return self.record.identifier, self.record.uri
        return str(framework_id), urn(str(framework_id))

    def stored(self, kind: NodeKind, key: str) -> bool:
        return (kind, key) in self._stored

    def node(self, kind: NodeKind, key: str) -> CaseNode:
        stored = self._stored.get((kind, key))
        if stored is not None:
            return stored
        assert self.framework_id is not None, "only a stored framework has keys"
        identifier = native_identifier(self.framework_id, kind, key)
        return CaseNode(kind, key, identifier, urn(identifier))

    def keys_by_identifier(self, content: FrameworkContent) -> dict[str, tuple[NodeKind, str]]:
        """Every item identity this framework has held, keyed by identifier."""
        known = {
            self.node(kind, key).identifier: (kind, key)
            for kind, keys in (
                (NodeKind.GROUP, [g.key for g in content.groups]),
                (NodeKind.CAPABILITY, [c.key for c in content.capabilities]),
            )
            for key in keys
        }
        known.update((node.identifier, (node.kind, node.key)) for node in self._stored.values())
        return known

    @cached_property
    def _stored(self) -> dict[tuple[NodeKind, str], CaseNode]:
        nodes = self.record.nodes if self.record is not None else ()
        return {(node.kind, node.key): node for node in nodes}


def plan_import(
    package: CasePackage,
    *,
    identities: Identities,
    previous: FrameworkContent,
    scales: Sequence[CompetencyScale],
    default_type: CapabilityType,
    default_scale_key: str | None,
    tenant_id: uuid.UUID,
    now: datetime,
) -> ImportPlan:
    """The framework content, CASE record and new scales a package makes, given what the
    framework holds already (`previous`, empty for a new one) and the tenant's scales.
    Raises InvalidInput with paths into the package, e.g. `CFItems.3.fullStatement`."""
    _check_size(package)
    reader = _Reader(package, identities, previous, scales, default_type, tenant_id, now)
    reader.read(default_scale_key)
    if reader.errors:
        raise InvalidInput("The CASE package cannot be imported.", reader.errors)
    content = reader.content()
    by_key = {s.key: s for s in scales} | {s.key: s for s in reader.new_scales.values()}
    try:
        content = content.validated(by_key)
    except InvalidInput as error:
        raise InvalidInput(
            "The CASE package cannot be imported.",
            [
                FieldError(reader.locate(e.field), e.message)
                for e in error.errors[:MAX_REPORTED_ERRORS]
            ],
        ) from None
    return ImportPlan(
        name=package.document.title,
        description=package.document.description,
        content=content,
        record=reader.record(),
        new_scales=tuple(reader.new_scales.values()),
        notes=tuple(reader.notes()),
    )


@dataclass
class _Placed:
    """Where an item sits in Tandem's tree."""

    index: int
    association: Mapping[str, Any] | None = None
    """The isChildOf that placed it (under an item or at the top), once one has."""
    parent: str | None = None
    sequence: int | None = None


class _Reader:
    def __init__(
        self,
        package: CasePackage,
        identities: Identities,
        previous: FrameworkContent,
        scales: Sequence[CompetencyScale],
        default_type: CapabilityType,
        tenant_id: uuid.UUID,
        now: datetime,
    ) -> None:
        self.package = package
        self.identities = identities
        self.previous = previous
        self.scales = sorted(scales, key=lambda s: s.key)
        self.default_type = default_type
        self.tenant_id = tenant_id
        self.now = now
        self.errors: list[FieldError] = []
        self.placed: dict[str, _Placed] = {}
        self.kept: list[Mapping[str, Any]] = []
        self.extra_parents = 0
        self.outside_parents = 0
        self.criteria: dict[str, tuple[int, int]] = {}
        self.keys: dict[str, str] = {}
        self.groups: set[str] = set()
        self.new_scales: dict[tuple[str, ...], CompetencyScale] = {}
        self.scale_of: dict[str, str] = {}
        self.order: list[CaseItem] = []
        self.group_items: list[CaseItem] = []
        self.capability_items: list[CaseItem] = []

    def read(self, default_scale_key: str | None) -> None:
        self._place_items()
        self._place_parents()
        self._find_criteria()
        children = {p.parent for p in self.placed.values() if p.parent is not None}
        for item in self.package.items:
            if (
                item.identifier in children
                or item.item_type.casefold() == GROUP_ITEM_TYPE.casefold()
            ):
                self.groups.add(item.identifier)
        self._assign_keys()
        self._assign_scales(default_scale_key)
        del self.errors[MAX_REPORTED_ERRORS:]
        self.order = self._ordered_items()
        self.group_items = [i for i in self.order if i.identifier in self.groups]
        self.capability_items = [i for i in self.order if i.identifier not in self.groups]

    def _place_items(self) -> None:
        document = self.package.document.identifier
        for index, item in enumerate(self.package.items):
            if item.identifier in self.placed or item.identifier == document:
                self.errors.append(
                    FieldError(f"CFItems.{index}.identifier", "Another node has this identifier.")
                )
            else:
                self.placed[item.identifier] = _Placed(index)

    def _place_parents(self) -> None:
        document = self.package.document.identifier
        for index, association in enumerate(self.package.associations):
            child = self.placed.get(association.origin)
            if association.association_type != IS_CHILD_OF or child is None:
                self.kept.append(association.document)
                continue
            parent = association.destination
            if parent == association.origin:
                self.errors.append(
                    FieldError(
                        f"CFAssociations.{index}.destinationNodeURI",
                        "An item is not its own parent.",
                    )
                )
            elif child.association is not None:
                self.extra_parents += 1
                self.kept.append(association.document)
            elif parent != document and parent not in self.placed:
                self.outside_parents += 1
                self.kept.append(association.document)
            else:
                child.association = association.document
                child.parent = None if parent == document else parent
                child.sequence = association.sequence_number

    def _find_criteria(self) -> None:
        for r, rubric in enumerate(self.package.rubrics):
            for c, criterion in enumerate(rubric.criteria):
                path = f"CFRubrics.{r}.CFRubricCriteria.{c}"
                if criterion.item is None or criterion.item not in self.placed:
                    self.errors.append(
                        FieldError(
                            f"{path}.CFItemURI", "No CFItem of this package has this identifier."
                        )
                    )
                elif criterion.item in self.criteria:
                    first = "CFRubrics.{}.CFRubricCriteria.{}".format(
                        *self.criteria[criterion.item]
                    )
                    self.errors.append(
                        FieldError(f"{path}.CFItemURI", f"{first} measures this item already.")
                    )
                else:
                    self.criteria[criterion.item] = (r, c)

    def _assign_keys(self) -> None:
        known = self.identities.keys_by_identifier(self.previous)
        taken: dict[NodeKind, set[str]] = {NodeKind.GROUP: set(), NodeKind.CAPABILITY: set()}
        for kind, key in known.values():
            taken[kind].add(key)
        fresh = []
        for item in self.package.items:
            kind = self._kind(item.identifier)
            held = known.get(item.identifier)
            if held is not None and held[0] is kind:
                self.keys[item.identifier] = held[1]
            else:
                fresh.append((item, kind))
        for item, kind in fresh:
            code = str(item.extra.get("humanCodingScheme") or "").strip()
            key = next(
                (
                    c
                    for c in (code, item.identifier)
                    if KEY_PATTERN.match(c) and c not in taken[kind]
                ),
                _key_of(item.identifier),
            )
            taken[kind].add(key)
            self.keys[item.identifier] = key

    def _kind(self, identifier: str) -> NodeKind:
        return NodeKind.GROUP if identifier in self.groups else NodeKind.CAPABILITY

    def _assign_scales(self, default_scale_key: str | None) -> None:
        previous = {c.key: c.scale_key for c in self.previous.capabilities}
        for index, item in enumerate(self.package.items):
            placed = self.placed.get(item.identifier)
            if placed is None or placed.index != index:
                continue  # an identifier used twice, reported already
            at = self.criteria.get(item.identifier)
            if item.identifier in self.groups:
                if at is not None:
                    self.errors.append(
                        FieldError(
                            "CFRubrics.{}.CFRubricCriteria.{}.CFItemURI".format(*at),
                            "This item has child items, so it imports as a group: "
                            "groups are not measured on a scale.",
                        )
                    )
                continue
            if at is None:
                if default_scale_key is None:
                    self.errors.append(
                        FieldError(
                            f"CFItems.{index}",
                            "No CFRubricCriterion gives this item's levels: add one, or name "
                            "the scale for such items with default_scale_key.",
                        )
                    )
                elif default_scale_key not in {s.key for s in self.scales}:
                    unknown = FieldError("default_scale_key", "No scale has this key.")
                    if unknown not in self.errors:
                        self.errors.append(unknown)
                else:
                    self.scale_of[item.identifier] = default_scale_key
                continue
            rubric = self.package.rubrics[at[0]]
            labels = self._labels(
                rubric.criteria[at[1]], "CFRubrics.{}.CFRubricCriteria.{}".format(*at)
            )
            if labels is None:
                continue
            before = previous.get(self.keys[item.identifier])
            scale = self._scale_for(labels, [before] if before else [], rubric)
            self.scale_of[item.identifier] = scale.key

    def _labels(self, criterion: RubricCriterion, path: str) -> tuple[str, ...] | None:
        if not MIN_LEVELS <= len(criterion.levels) <= MAX_LEVELS:
            self.errors.append(
                FieldError(
                    f"{path}.CFRubricCriterionLevels",
                    f"Give {MIN_LEVELS} to {MAX_LEVELS} levels: they become the scale's levels.",
                )
            )
            return None
        labels = tuple(level.quality.strip() for level in _ordered(criterion.levels))
        for index, level in enumerate(criterion.levels):
            where = f"{path}.CFRubricCriterionLevels.{index}.quality"
            if not level.quality.strip():
                self.errors.append(
                    FieldError(
                        where, "Name the level: its quality becomes the scale level's label."
                    )
                )
            else:
                check_name(level.quality, where, self.errors)
        if len({label.casefold() for label in labels}) < len(labels):
            self.errors.append(
                FieldError(f"{path}.CFRubricCriterionLevels", "Two levels have the same quality.")
            )
        return None if any(not label for label in labels) else labels

    def _scale_for(
        self, labels: tuple[str, ...], preferred: list[str], rubric: Rubric
    ) -> CompetencyScale:
        wanted = tuple(label.casefold() for label in labels)
        by_key = {s.key: s for s in self.scales}
        candidates = [by_key[k] for k in preferred if k in by_key] + self.scales
        for scale in [*candidates, *self.new_scales.values()]:
            if tuple(level.label.casefold() for level in scale.levels) == wanted:
                return scale
        taken = set(by_key) | {s.key for s in self.new_scales.values()}
        base = _slug(rubric.title) or "case-scale"
        key = next(
            candidate
            for candidate in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3)))
            if candidate not in taken
        )
        codes: list[str] = []
        for position, label in enumerate(labels, start=1):
            candidates = (_slug(label), f"level-{position}", *(f"level-{n}" for n in range(11, 22)))
            codes.append(next(c for c in candidates if c and c not in codes))
        title = NAME_FORBIDDEN.sub(" ", rubric.title).strip()
        scale = CompetencyScale.create(
            self.tenant_id,
            key=key,
            name=_shortened(title or "Scale from CASE"),
            description=f"Levels of CASE rubric {rubric.identifier}.",
            levels=[LevelSpec(code, label) for code, label in zip(codes, labels, strict=True)],
            now=self.now,
        )
        self.new_scales[wanted] = scale
        return scale

    def _ordered_items(self) -> list[CaseItem]:
        """Items depth first, siblings by sequenceNumber then by their place in CFItems."""
        children: dict[str | None, list[str]] = {}
        for identifier, placed in self.placed.items():
            children.setdefault(placed.parent, []).append(identifier)

        def order(identifier: str) -> tuple[float, int]:
            placed = self.placed[identifier]
            return (placed.sequence if placed.sequence is not None else float("inf"), placed.index)

        ordered: list[str] = []
        seen: set[str] = set()
        stack = sorted(children.get(None, []), key=order, reverse=True)
        while stack:
            identifier = stack.pop()
            if identifier in seen:
                continue
            seen.add(identifier)
            ordered.append(identifier)
            stack.extend(sorted(children.get(identifier, []), key=order, reverse=True))
        # Items on a cycle have no root; validation reports the cycle among their groups.
        ordered += [i for i in self.placed if i not in seen]
        return [self.package.items[self.placed[i].index] for i in ordered]

    def content(self) -> FrameworkContent:
        groups, capabilities = [], []
        for item in self.order:
            name, description = _name_and_description(item)
            parent = self.placed[item.identifier].parent
            parent_key = self.keys[parent] if parent is not None else None
            key = self.keys[item.identifier]
            if item.identifier in self.groups:
                groups.append(Group(key, name, description, parent_key))
                continue
            at = self.criteria.get(item.identifier)
            indicators = {}
            if at is not None:
                criterion = self.package.rubrics[at[0]].criteria[at[1]]
                for value, level in enumerate(_ordered(criterion.levels), start=1):
                    if texts := _indicators(level.description, level.feedback):
                        indicators[value] = texts
            capabilities.append(
                CapabilitySpec(
                    key=key,
                    name=name,
                    type=self._type_of(item),
                    scale_key=self.scale_of[item.identifier],
                    description=description,
                    group_key=parent_key,
                    indicators=indicators,
                )
            )
        return FrameworkContent(tuple(groups), tuple(capabilities))

    def locate(self, path: str) -> str:
        """A path into validated content as a path into the package."""
        kind, _, rest = path.partition(".")
        index, _, field_name = rest.partition(".")
        items = {"groups": self.group_items, "capabilities": self.capability_items}.get(kind)
        if items is None or not index.isdigit() or int(index) >= len(items):
            return "CFItems"
        item = items[int(index)]
        where = f"CFItems.{self.placed[item.identifier].index}"
        if field_name == "name":
            statement = "abbreviatedStatement" if item.abbreviated_statement else "fullStatement"
            return f"{where}.{statement}"
        if field_name == "description":
            return f"{where}.fullStatement"
        at = self.criteria.get(item.identifier)
        if field_name.startswith(("indicators", "scale_key")) and at is not None:
            return "CFRubrics.{}.CFRubricCriteria.{}.CFRubricCriterionLevels".format(*at)
        return where

    def record(self) -> CaseRecord:
        document = self.package.document
        read: dict[tuple[NodeKind, str], CaseNode] = {}
        for item in self.order:
            kind = self._kind(item.identifier)
            extra = dict(item.extra)
            if item.item_type:
                extra["CFItemType"] = item.item_type
            at = self.criteria.get(item.identifier)
            key = self.keys[item.identifier]
            read[(kind, key)] = CaseNode(
                kind,
                key,
                item.identifier,
                item.uri,
                extra,
                typed_as=self._type_of(item).value if kind is NodeKind.CAPABILITY else None,
                placement=self.placed[item.identifier].association,
                measure=self._measure(at) if at is not None else None,
            )
        # Nodes of items this package no longer has stay, so their keys come back with them;
        # an item that changed from group to capability (or back) leaves its old node.
        moved = {n.identifier for n in read.values()}
        earlier = self.identities.record.nodes if self.identities.record is not None else ()
        nodes = {(n.kind, n.key): n for n in earlier if n.identifier not in moved} | read
        return CaseRecord(
            identifier=document.identifier,
            uri=document.uri,
            extra=dict(document.extra),
            definitions=self.package.definitions,
            associations=tuple(self.kept),
            nodes=tuple(sorted(nodes.values(), key=lambda n: (n.kind, n.key))),
        )

    def _type_of(self, item: CaseItem) -> CapabilityType:
        return _TYPES_BY_NAME.get(item.item_type.strip().casefold(), self.default_type)

    def _measure(self, at: tuple[int, int]) -> dict[str, Any]:
        rubric = self.package.rubrics[at[0]]
        criterion = rubric.criteria[at[1]]
        return {
            "rubric": {
                "identifier": rubric.identifier,
                "uri": rubric.uri,
                **({"title": rubric.title} if rubric.title else {}),
                **rubric.extra,
            },
            "criterion": dict(criterion.extra),
            "levels": [dict(level.document) for level in _ordered(criterion.levels)],
        }

    def notes(self) -> Iterable[str]:
        kinds: dict[str, int] = {}
        for association in self.kept:
            name = str(association.get("associationType", ""))
            kinds[name] = kinds.get(name, 0) + 1
        if kinds:
            listed = ", ".join(f"{count} {name}" for name, count in sorted(kinds.items()))
            yield (f"Associations kept for export but not part of Tandem's tree: {listed}.")
        if self.extra_parents:
            yield (
                f"{self.extra_parents} items have more than one parent: each sits under the "
                "first one in Tandem, and keeps the others for export."
            )
        if self.outside_parents:
            yield (
                f"{self.outside_parents} items are children of nodes outside this package: "
                "they sit at the top of the framework."
            )
        if empty := sum(not rubric.criteria for rubric in self.package.rubrics):
            yield f"{empty} CFRubrics have no criteria, so they measure nothing and are not kept."
        if any(
            "weight" in criterion.extra
            for rubric in self.package.rubrics
            for criterion in rubric.criteria
        ):
            yield (
                "Rubric criterion weights are kept for export; in Tandem a capability's weight "
                "is set per role profile."
            )


def export_package(
    framework: Framework,
    version: FrameworkVersion,
    content: FrameworkContent,
    scales: Mapping[str, CompetencyScale],
    record: CaseRecord | None,
) -> dict[str, Any]:
    """The version as a CFPackage (CASE 1.0 JSON). `scales` holds the content's scales by key;
    `record` is what the framework's import kept, if it was imported."""
    identities = Identities(framework.id, record)
    changed = (version.published_at or version.created_at).isoformat()
    doc_identifier, doc_uri = identities.document(framework.id)
    doc_link = {"title": framework.name, "identifier": doc_identifier, "uri": doc_uri}
    document: dict[str, Any] = {
        **(record.extra if record is not None else {"creator": "Tandem"}),
        "identifier": doc_identifier,
        "uri": doc_uri,
        "title": framework.name,
        "lastChangeDateTime": changed,
        "CFPackageURI": doc_link,
    }
    if framework.description:
        document["description"] = framework.description

    links: dict[tuple[NodeKind, str], dict[str, str]] = {}
    items: list[dict[str, Any]] = []
    entries: list[tuple[NodeKind, Group | CapabilitySpec]] = [
        *((NodeKind.GROUP, g) for g in content.groups),
        *((NodeKind.CAPABILITY, c) for c in content.capabilities),
    ]
    for kind, entry in entries:
        node = identities.node(kind, entry.key)
        links[(kind, entry.key)] = {
            "title": entry.name,
            "identifier": node.identifier,
            "uri": node.uri,
        }
        item: dict[str, Any] = {
            **({} if identities.stored(kind, entry.key) else {"humanCodingScheme": entry.key}),
            **node.extra,
            "identifier": node.identifier,
            "uri": node.uri,
            "fullStatement": entry.description or entry.name,
            "CFDocumentURI": doc_link,
            "lastChangeDateTime": changed,
        }
        if isinstance(entry, Group):
            item.setdefault("CFItemType", GROUP_ITEM_TYPE)
        elif node.typed_as != entry.type.value or "CFItemType" not in item:
            # The type changed in Tandem since the import: the item's own type no longer holds.
            item.pop("CFItemTypeURI", None)
            item["CFItemType"] = entry.type.value.capitalize()
        if entry.description:
            item["abbreviatedStatement"] = entry.name
        items.append(item)

    associations = [
        _child_of(
            identities.node(*child).placement, links[child], parent, sequence, doc_link, changed
        )
        for child, parent, sequence in _tree(content, links, doc_link)
    ]
    present = {link["identifier"] for link in links.values()} | {doc_identifier}
    held = {n.identifier for n in record.nodes} if record is not None else set()
    associations += [
        dict(kept)
        for kept in (record.associations if record is not None else ())
        if all(
            end in present or end not in held
            for end in (_end(kept, "originNodeURI"), _end(kept, "destinationNodeURI"))
        )
    ]

    package: dict[str, Any] = {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFRubrics": _rubrics(content, scales, identities, links, changed),
    }
    if record is not None and record.definitions is not None:
        package["CFDefinitions"] = dict(record.definitions)
    return package


def _rubrics(
    content: FrameworkContent,
    scales: Mapping[str, CompetencyScale],
    identities: Identities,
    links: Mapping[tuple[NodeKind, str], Mapping[str, str]],
    changed: str,
) -> list[dict[str, Any]]:
    """A criterion per capability, in the rubric it was imported from, else in one rubric per
    scale."""
    assert identities.framework_id is not None
    rubrics: dict[str, dict[str, Any]] = {}
    for spec in content.capabilities:
        scale = scales[spec.scale_key]
        measure = identities.node(NodeKind.CAPABILITY, spec.key).measure or {}
        rubric_fields = measure.get("rubric")
        if rubric_fields is None:
            derived = native_identifier(identities.framework_id, "scale", scale.key)
            rubric_fields = {"identifier": derived, "uri": urn(derived), "title": scale.name}
        rubric = rubrics.setdefault(
            str(rubric_fields["identifier"]),
            {**rubric_fields, "lastChangeDateTime": changed, "CFRubricCriteria": []},
        )
        item = links[(NodeKind.CAPABILITY, spec.key)]
        derived = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{item['identifier']}/criterion"))
        criterion: dict[str, Any] = {"identifier": derived, "uri": urn(derived)}
        criterion |= measure.get("criterion", {})
        criterion |= {
            "CFItemURI": dict(item),
            "rubricId": rubric["identifier"],
            "lastChangeDateTime": changed,
            "CFRubricCriterionLevels": _criterion_levels(
                str(criterion["identifier"]), scale, spec, measure.get("levels", []), changed
            ),
        }
        rubric["CFRubricCriteria"].append(criterion)
    return list(rubrics.values())


def _criterion_levels(
    criterion: str,
    scale: CompetencyScale,
    spec: CapabilitySpec,
    imported: Sequence[Mapping[str, Any]],
    changed: str,
) -> list[dict[str, Any]]:
    """The scale's levels with the capability's indicators: the levels as imported while the
    scale still has them (same count and qualities), else new ones."""
    same = len(imported) == len(scale.levels) and all(
        str(level.get("quality", "")).strip().casefold() == scale_level.label.casefold()
        for level, scale_level in zip(imported, scale.levels, strict=False)
    )
    levels = []
    for value, scale_level in enumerate(scale.levels, start=1):
        if same:
            level = dict(imported[value - 1])
        else:
            identifier = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{criterion}/{value}"))
            level = {
                "identifier": identifier,
                "uri": urn(identifier),
                "quality": scale_level.label,
                "score": value,
                "position": value,
            }
        texts = spec.indicators.get(value, ())
        given = _indicators(str(level.get("description") or ""), str(level.get("feedback") or ""))
        if given != tuple(texts):
            level["description"] = "\n".join(texts)
        levels.append(level | {"rubricCriterionId": criterion, "lastChangeDateTime": changed})
    return levels


def _tree(
    content: FrameworkContent,
    links: Mapping[tuple[NodeKind, str], Mapping[str, str]],
    doc_link: Mapping[str, str],
) -> Iterable[tuple[tuple[NodeKind, str], Mapping[str, str], int]]:
    """(child, parent link, sequenceNumber) for every node. Siblings are ordered so that
    reading the tree depth first lists groups and capabilities in the content's order."""
    first_capability: dict[str, int] = {}
    parents = {g.key: g.parent_key for g in content.groups}
    for index, spec in enumerate(content.capabilities):
        group = spec.group_key
        # A group seen before has its ancestors set already: each group is visited once.
        while group is not None and group not in first_capability:
            first_capability[group] = index
            group = parents.get(group)
    siblings: dict[str | None, tuple[list[str], list[tuple[int, str]]]] = {}
    for g in content.groups:
        siblings.setdefault(g.parent_key, ([], []))[0].append(g.key)
    for index, c in enumerate(content.capabilities):
        siblings.setdefault(c.group_key, ([], []))[1].append((index, c.key))
    for parent, (groups, capabilities) in siblings.items():
        parent_link = links[(NodeKind.GROUP, parent)] if parent is not None else doc_link
        sequence = 0
        g = c = 0
        while g < len(groups) or c < len(capabilities):
            sequence += 1
            take_group = c >= len(capabilities) or (
                g < len(groups) and first_capability.get(groups[g], -1) < capabilities[c][0]
            )
            if take_group:
                yield (NodeKind.GROUP, groups[g]), parent_link, sequence
                g += 1
            else:
                yield (NodeKind.CAPABILITY, capabilities[c][1]), parent_link, sequence
                c += 1


def _child_of(
    placement: Mapping[str, Any] | None,
    child: Mapping[str, str],
    parent: Mapping[str, str],
    sequence: int,
    doc_link: Mapping[str, str],
    changed: str,
) -> dict[str, Any]:
    """The isChildOf placing `child` under `parent`: the one that placed it on import while
    the parent is the same, else a new one."""
    if placement is not None and _end(placement, "destinationNodeURI") == parent["identifier"]:
        association = dict(placement)
    else:
        identifier = str(
            uuid.uuid5(
                uuid.NAMESPACE_URL, f"{child['identifier']}/{IS_CHILD_OF}/{parent['identifier']}"
            )
        )
        association = {"identifier": identifier, "uri": urn(identifier)}
    return association | {
        "associationType": IS_CHILD_OF,
        "originNodeURI": dict(child),
        "destinationNodeURI": dict(parent),
        "sequenceNumber": sequence,
        "CFDocumentURI": dict(doc_link),
        "lastChangeDateTime": changed,
    }


def _end(association: Mapping[str, Any], side: str) -> str:
    link = association.get(side)
    return str(link.get("identifier", "")) if isinstance(link, Mapping) else ""


def _check_size(package: CasePackage) -> None:
    errors = [
        FieldError(path, f"Send at most {limit} per package.")
        for path, count, limit in (
            ("CFItems", len(package.items), MAX_ITEMS),
            ("CFAssociations", len(package.associations), MAX_ASSOCIATIONS),
            ("CFRubrics", len(package.rubrics), MAX_RUBRICS),
        )
        if count > limit
    ]
    if errors:
        raise InvalidInput("The CASE package is too large.", errors)


def _key_of(identifier: str) -> str:
    """The identifier as a key, or a key derived from it when it is not a valid one."""
    if KEY_PATTERN.match(identifier):
        return identifier
    return str(uuid.uuid5(uuid.NAMESPACE_URL, identifier))


def _indicators(description: str, feedback: str) -> tuple[str, ...]:
    """A rubric level's indicators: its description (else feedback), one per line."""
    lines = (description or feedback).splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def _ordered(levels: Sequence[RubricLevel]) -> list[RubricLevel]:
    if all(level.position is not None for level in levels):
        return sorted(levels, key=lambda level: level.position or 0)
    if all(level.score is not None for level in levels):
        return sorted(levels, key=lambda level: level.score or 0)
    return list(levels)


def _name_and_description(item: CaseItem) -> tuple[str, str]:
    """The abbreviated statement and the full one where it says more; without an abbreviated
    statement, the full one, shortened to a name with the whole kept as description if long."""
    full, short = item.full_statement.strip(), item.abbreviated_statement.strip()
    if short:
        return short, "" if full == short else full
    if len(full) > NAME_MAX_LENGTH:
        return _shortened(full), full
    return full, ""


def _shortened(text: str) -> str:
    return text if len(text) <= NAME_MAX_LENGTH else text[: NAME_MAX_LENGTH - 1].rstrip() + "…"


def _slug(text: str) -> str:
    return _NOT_KEY_CHARACTERS.sub("-", text.casefold()).strip("-")[:90].strip("-")
