import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.framework_csv import COLUMNS, MAX_CSV_BYTES, MAX_CSV_ROWS, from_csv, to_csv
from app.domain.frameworks import CapabilitySpec, CapabilityType, FrameworkContent, Group
from app.domain.scales import CompetencyScale, LevelSpec

HEADER = ",".join(COLUMNS)
THREE = CompetencyScale.create(
    uuid.uuid4(),
    key="three",
    name="Three levels",
    levels=[LevelSpec(f"L{value}", f"Level {value}") for value in (1, 2, 3)],
    now=datetime(2026, 11, 23, tzinfo=UTC),
)

ALPHANUMERIC = "abcxyzABCXYZ0189"
keys = st.builds(
    str.__add__, st.sampled_from(ALPHANUMERIC), st.text(f"{ALPHANUMERIC}._:/-", max_size=12)
)
# Realistic free text, plus what breaks naive CSV: separators, quotes, line breaks, unicode.
texts = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=8),
        st.sampled_from(
            [",", '"', "\n", "\r", "\r\n", '""', ";", " ", "é", "日本", "🙂", "\ufeff"]
        ),
    ),
    max_size=6,
).map("".join)
indicator_texts = texts.filter(bool)


@st.composite
def contents(draw) -> FrameworkContent:
    group_keys = draw(st.lists(keys, unique=True, max_size=5))
    groups = tuple(
        Group(
            key=key,
            name=draw(texts),
            description=draw(texts),
            parent_key=draw(st.none() | st.sampled_from(group_keys)),
        )
        for key in group_keys
    )
    capability_keys = draw(st.lists(keys, unique=True, max_size=8))
    capabilities = tuple(
        CapabilitySpec(
            key=key,
            name=draw(texts),
            type=draw(st.sampled_from(CapabilityType)),
            scale_key=draw(keys),
            description=draw(texts),
            group_key=draw(st.none() | st.sampled_from(group_keys)) if group_keys else None,
            indicators=draw(
                st.dictionaries(
                    st.integers(0, 12),
                    st.lists(indicator_texts, max_size=3).map(tuple),
                    max_size=4,
                )
            ),
        )
        for key in capability_keys
    )
    return FrameworkContent(groups=groups, capabilities=capabilities)


@settings(max_examples=200)
@given(contents())
def test_csv_round_trips_any_content(content):
    assert from_csv(to_csv(content)) == content


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_indicator_and_one_for_what_has_none():
    content = FrameworkContent(
        groups=(Group("selling", "Selling"), Group("empty", "Nothing here yet")),
        capabilities=(
            CapabilitySpec(
                "negotiation",
                "Negotiates win-win agreements",
                CapabilityType.SKILL,
                "three",
                group_key="selling",
                indicators={3: ("Coaches others",), 1: ("Prepares with help", "Asks, listens")},
            ),
            CapabilitySpec("crm", "Keeps the CRM current", CapabilityType.TOOL, "three"),
        ),
    )
    rows = rows_of(to_csv(content))
    assert [(r["capability_key"], r["level"], r["indicator"]) for r in rows] == [
        ("negotiation", "1", "Prepares with help"),
        ("negotiation", "1", "Asks, listens"),
        ("negotiation", "3", "Coaches others"),
        ("crm", "", ""),
        ("", "", ""),
    ]
    assert [r["group_key"] for r in rows] == ["selling", "selling", "selling", "", "empty"]
    assert rows[-1]["group_name"] == "Nothing here yet"


def test_a_spreadsheet_export_reads_as_expected():
    # Columns in another order, an extra notes column, a byte-order mark, CRLF, blank rows at
    # the end, a capitalised type and rows of one capability split by another.
    columns = [*reversed(COLUMNS), "notes"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    common = {"group_key": "sell", "group_name": "Selling", "scale_key": "three"}
    writer.writerow(
        common
        | {"capability_key": "neg", "capability_name": "Negotiates", "capability_type": "Skill"}
        | {"level": "2", "indicator": 'Says "no", politely', "notes": "check"}
    )
    writer.writerow(
        {"capability_key": "crm", "capability_name": "CRM", "capability_type": "tool"}
        | {"scale_key": "three"}
    )
    writer.writerow(
        common
        | {"capability_key": "neg", "capability_name": "Negotiates", "capability_type": "skill"}
        | {"level": " 1 ", "indicator": "Prepares\nwith help"}
    )
    content = from_csv("\ufeff" + out.getvalue() + ",,,,,,,,,,,\r\n\r\n")
    assert content == FrameworkContent(
        groups=(Group("sell", "Selling"),),
        capabilities=(
            CapabilitySpec(
                "neg",
                "Negotiates",
                CapabilityType.SKILL,
                "three",
                group_key="sell",
                indicators={2: ('Says "no", politely',), 1: ("Prepares\nwith help",)},
            ),
            CapabilitySpec("crm", "CRM", CapabilityType.TOOL, "three"),
        ),
    )


def test_a_header_alone_is_empty_content():
    assert from_csv(HEADER + "\n") == FrameworkContent()
    assert to_csv(FrameworkContent()) == HEADER + "\r\n"


def refused(text: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as error:
        from_csv(text)
    return {e.field: e.message for e in error.value.errors}


def csv_text(*rows: list[str], header: tuple[str, ...] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def row(key="neg", name="Negotiates", type="skill", scale="three", level="1", text="x", group=""):
    return [group, "Group" if group else "", "", "", key, name, type, "", scale, level, text]


def test_errors_name_the_row_and_column_counting_the_header_as_row_one():
    errors = refused(
        csv_text(
            row(),
            row(level="two"),
            row(type="skil"),
            row(name="Negotiates well"),
            row(type="tool", scale="five"),
            row(level="", text="An indicator without a level"),
            row(key="other", level="-1"),
        )
    )
    assert set(errors) == {
        "csv.row.3.level",
        "csv.row.4.capability_type",
        "csv.row.5.capability_name",
        "csv.row.6.capability_type",
        "csv.row.6.scale_key",
        "csv.row.7.level",
        "csv.row.8.level",
    }
    assert "row 2" in errors["csv.row.5.capability_name"]


def test_group_rows_must_agree_and_group_only_rows_stay_empty():
    errors = refused(
        csv_text(
            row(group="sell"),
            ["sell", "Sales", "", "", "other", "Other", "skill", "", "three", "", ""],
            ["sell", "Group", "", "", "", "", "", "", "", "2", "An orphan indicator"],
            ["", "", "", "", "", "Nameless", "", "", "", "", ""],
        )
    )
    assert set(errors) == {
        "csv.row.3.group_name",
        "csv.row.4.level",
        "csv.row.4.indicator",
        "csv.row.5",
    }


def test_missing_columns_short_rows_and_broken_quoting():
    assert set(refused(csv_text(header=tuple(c for c in COLUMNS if c != "level")))) == {
        "csv.row.1.level"
    }
    assert set(refused(csv_text(header=(*COLUMNS, "level")))) == {"csv.row.1.level"}
    assert set(refused("")) == {"csv.row.1"}
    assert set(refused(csv_text(row(), ["sell", "Group"]))) == {"csv.row.3"}
    assert set(refused(csv_text(row()) + 'sell,"Group"x,,,,,,,,,\n')) == {"csv.row.3"}
    assert set(refused(csv_text(row(), row()) + '"unterminated\n')) == {"csv.row.4"}


def test_size_and_row_limits_are_clear():
    assert "MB" in refused("x" * (MAX_CSV_BYTES + 1))["csv"]
    many = HEADER + "\n" + "\n".join(",,,,c,C,skill,,three,1,x" for _ in range(MAX_CSV_ROWS + 1))
    assert "rows" in refused(many)["csv"]


def test_content_rules_stay_with_the_content():
    # The CSV reads; the level and the scale are FrameworkContent.validated's business.
    content = from_csv(csv_text(row(level="7"), row(key="other", scale="nope")))
    with pytest.raises(InvalidInput) as error:
        content.validated({"three": THREE})
    assert {e.field for e in error.value.errors} == {
        "capabilities.0.indicators.7",
        "capabilities.1.scale_key",
    }
