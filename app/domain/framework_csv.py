"""Framework content as CSV: one row per capability-level indicator, for spreadsheets.

A capability without indicators still has one row (level and indicator empty), and a group
that no capability row names gets a row of its own with the capability columns empty. Group
columns repeat on every row of a capability in that group; rows must agree on what they
repeat. Order is kept: groups and capabilities appear in the order they are first named.

Parsing checks only the shape of the file; whether the content makes sense (keys, scales,
levels on the scale) is `FrameworkContent.validated`'s job, as for JSON.
"""

import csv
import io
import re
from collections import deque
from dataclasses import dataclass, field

from app.domain.errors import FieldError, InvalidInput
from app.domain.frameworks import CapabilitySpec, CapabilityType, FrameworkContent, Group

COLUMNS = (
    "group_key",
    "group_name",
    "group_description",
    "group_parent_key",
    "capability_key",
    "capability_name",
    "capability_type",
    "capability_description",
    "scale_key",
    "level",
    "indicator",
)
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 100_000
# Past this many, more messages help nobody and only bloat the problem document.
MAX_REPORTED_ERRORS = 100

# What rows repeat, and must agree on: (column, attribute of the domain object).
_GROUP_FIELDS = (
    ("group_name", "name"),
    ("group_description", "description"),
    ("group_parent_key", "parent_key"),
)
_CAPABILITY_FIELDS = (
    ("capability_name", "name"),
    ("capability_type", "type"),
    ("capability_description", "description"),
    ("scale_key", "scale_key"),
    ("group_key", "group_key"),
)
_LEVEL = re.compile(r"[0-9]{1,9}")
_TYPES = ", ".join(t.value for t in CapabilityType)


def to_csv(content: FrameworkContent) -> str:
    """The content as CSV text with a header row; `from_csv` reads it back unchanged."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    groups = {g.key: g for g in content.groups}
    pending = deque(content.groups)
    named: set[str] = set()

    def name_groups_up_to(key: str | None) -> None:
        # Group-only rows for the groups listed before `key` that no row has named yet, so
        # groups come back in their own order even when capabilities interleave them.
        while pending:
            group = pending.popleft()
            if group.key == key:
                break
            if group.key not in named:
                writer.writerow(_group_cells(group) + [""] * 7)
                named.add(group.key)

    for spec in content.capabilities:
        group = groups.get(spec.group_key) if spec.group_key is not None else None
        if group is not None and group.key not in named:
            name_groups_up_to(group.key)
            named.add(group.key)
        prefix = _group_cells(group) if group is not None else [spec.group_key or "", "", "", ""]
        capability = [
            spec.key,
            spec.name,
            spec.type.value,
            spec.description,
            spec.scale_key,
        ]
        rows = [
            [str(level), text]
            for level, texts in sorted(spec.indicators.items())
            for text in (texts or ("",))
        ]
        for level_cells in rows or [["", ""]]:
            writer.writerow(prefix + capability + level_cells)
    name_groups_up_to(None)
    return out.getvalue()


def from_csv(text: str) -> FrameworkContent:
    """Content read from CSV text (a leading byte-order mark is ignored). Raises InvalidInput
    with paths such as `csv.row.7.level`, rows counted from 1 for the header."""
    if len(text) > MAX_CSV_BYTES:
        raise InvalidInput(
            "The CSV is too large.",
            [FieldError("csv", f"Send at most {MAX_CSV_BYTES // (1024 * 1024)} MB per import.")],
        )
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    parser = _Parser()
    number = 0  # rows read so far; the header is row 1
    try:
        header = next(reader, None)
        number = 1
        if header is None:
            raise InvalidInput(
                "The CSV is empty.",
                [FieldError("csv.row.1", "The first row must name the columns.")],
            )
        positions = _positions(header)
        for cells in reader:
            number += 1
            if number - 1 > MAX_CSV_ROWS:
                raise InvalidInput(
                    "The CSV has too many rows.",
                    [FieldError("csv", f"Send at most {MAX_CSV_ROWS} rows per import.")],
                )
            parser.read_row(number, cells, positions)
            if len(parser.errors) >= MAX_REPORTED_ERRORS:
                break
    except csv.Error as error:
        # The row being read when the reader gave up is the one after the last it returned.
        parser.errors.append(
            FieldError(f"csv.row.{number + 1}", f"This is not well-formed CSV: {error}.")
        )
    if parser.errors:
        raise InvalidInput("The CSV cannot be read.", parser.errors[:MAX_REPORTED_ERRORS])
    return parser.content()


def _group_cells(group: Group) -> list[str]:
    return [group.key, group.name, group.description, group.parent_key or ""]


def _positions(header: list[str]) -> dict[str, int]:
    names = [name.strip() for name in header]
    errors = [
        FieldError(f"csv.row.1.{column}", f"The header has no {column} column.")
        for column in COLUMNS
        if column not in names
    ]
    errors += [
        FieldError(f"csv.row.1.{column}", f"The header names {column} twice.")
        for column in COLUMNS
        if names.count(column) > 1
    ]
    if errors:
        raise InvalidInput("The CSV header is not as expected.", errors)
    return {column: names.index(column) for column in COLUMNS}


@dataclass
class _Capability:
    spec: CapabilitySpec
    row: int
    indicators: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class _Parser:
    groups: dict[str, tuple[Group, int]] = field(default_factory=dict)
    capabilities: dict[str, _Capability] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    def read_row(self, number: int, cells: list[str], positions: dict[str, int]) -> None:
        if not any(cells):
            return  # blank lines and rows of empty cells, as spreadsheets leave at the end
        needed = max(positions.values()) + 1
        if len(cells) < needed:
            self.errors.append(
                FieldError(
                    f"csv.row.{number}", f"Expected at least {needed} cells, found {len(cells)}."
                )
            )
            return
        row = {column: cells[index] for column, index in positions.items()}
        group_key = row["group_key"].strip() or None
        if group_key is not None:
            self._read_group(number, group_key, row)
        if row["capability_key"].strip():
            self._read_capability(number, group_key, row)
        elif group_key is None:
            self.errors.append(
                FieldError(f"csv.row.{number}", "Give a capability_key, a group_key or both.")
            )
        else:
            self.errors.extend(
                FieldError(
                    f"csv.row.{number}.{column}",
                    "A row without capability_key describes only its group: leave this empty.",
                )
                for column in (
                    "capability_name",
                    "capability_type",
                    "capability_description",
                    "scale_key",
                    "level",
                    "indicator",
                )
                if row[column]
            )

    def _read_group(self, number: int, key: str, row: dict[str, str]) -> None:
        group = Group(
            key=key,
            name=row["group_name"],
            description=row["group_description"],
            parent_key=row["group_parent_key"].strip() or None,
        )
        seen = self.groups.get(key)
        if seen is None:
            self.groups[key] = (group, number)
            return
        first, first_row = seen
        for column, attribute in _GROUP_FIELDS:
            if getattr(group, attribute) != getattr(first, attribute):
                self.errors.append(
                    FieldError(
                        f"csv.row.{number}.{column}",
                        f"Group {key} has a different {column} in row {first_row}.",
                    )
                )

    def _read_capability(self, number: int, group_key: str | None, row: dict[str, str]) -> None:
        key = row["capability_key"].strip()
        path = f"csv.row.{number}"
        type_text = row["capability_type"].strip().lower()
        try:
            capability_type = CapabilityType(type_text)
        except ValueError:
            self.errors.append(FieldError(f"{path}.capability_type", f"Use one of: {_TYPES}."))
            return
        spec = CapabilitySpec(
            key=key,
            name=row["capability_name"],
            type=capability_type,
            scale_key=row["scale_key"].strip(),
            description=row["capability_description"],
            group_key=group_key,
        )
        level = self._level(number, row)
        seen = self.capabilities.get(key)
        if seen is None:
            seen = self.capabilities[key] = _Capability(spec, number)
        else:
            for column, attribute in _CAPABILITY_FIELDS:
                if getattr(spec, attribute) != getattr(seen.spec, attribute):
                    self.errors.append(
                        FieldError(
                            f"{path}.{column}",
                            f"Capability {key} has a different {column} in row {seen.row}.",
                        )
                    )
        if level is not None:
            texts = seen.indicators.setdefault(level, [])
            if row["indicator"]:
                texts.append(row["indicator"])

    def _level(self, number: int, row: dict[str, str]) -> int | None:
        text = row["level"].strip()
        if not text:
            if row["indicator"]:
                self.errors.append(
                    FieldError(f"csv.row.{number}.level", "An indicator needs the level it shows.")
                )
            return None
        if not _LEVEL.fullmatch(text):
            self.errors.append(
                FieldError(f"csv.row.{number}.level", "Give the level as a whole number, e.g. 2.")
            )
            return None
        return int(text)

    def content(self) -> FrameworkContent:
        return FrameworkContent(
            groups=tuple(group for group, _ in self.groups.values()),
            capabilities=tuple(
                CapabilitySpec(
                    key=c.spec.key,
                    name=c.spec.name,
                    type=c.spec.type,
                    scale_key=c.spec.scale_key,
                    description=c.spec.description,
                    group_key=c.spec.group_key,
                    indicators={level: tuple(texts) for level, texts in c.indicators.items()},
                )
                for c in self.capabilities.values()
            ),
        )
