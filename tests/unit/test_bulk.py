import json
import uuid
from dataclasses import asdict
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.bulk import (
    MAX_BULK_ROWS,
    BulkResult,
    RowResult,
    RowStatus,
    check_batch_size,
    fingerprint,
)
from app.domain.errors import FieldError, InvalidInput
from app.domain.people import Profile
from app.domain.views import EmployeeUpsert

field_errors = st.builds(FieldError, field=st.text(max_size=20), message=st.text(max_size=40))
row_results = st.builds(
    RowResult,
    index=st.integers(0, MAX_BULK_ROWS),
    status=st.sampled_from(RowStatus),
    id=st.one_of(st.none(), st.uuids().map(str)),
    reference=st.one_of(st.none(), st.text(max_size=30)),
    errors=st.lists(field_errors, max_size=3).map(tuple),
)
bulk_results = st.lists(row_results, max_size=8).map(lambda rows: BulkResult(tuple(rows)))


@settings(max_examples=50)
@given(bulk_results)
def test_a_bulk_result_survives_a_round_trip_through_json_text(result):
    stored = json.loads(json.dumps(result.to_json()))
    assert BulkResult.from_json(stored) == result


def test_the_json_form_is_plain_data_a_client_can_read():
    result = BulkResult(
        (
            RowResult(0, RowStatus.CREATED, id="abc", reference="E-1"),
            RowResult(1, RowStatus.ERROR, reference="E-2", errors=(FieldError("email", "Bad."),)),
        )
    )
    assert json.loads(json.dumps(result.to_json())) == {
        "rows": [
            {"index": 0, "status": "created", "id": "abc", "reference": "E-1", "errors": []},
            {
                "index": 1,
                "status": "error",
                "id": None,
                "reference": "E-2",
                "errors": [{"field": "email", "message": "Bad."}],
            },
        ]
    }


@settings(max_examples=50)
@given(bulk_results)
def test_counts_by_status_add_up_to_the_number_of_rows(result):
    counts = {status: result.count(status) for status in RowStatus}
    assert sum(counts.values()) == len(result.rows)
    for status, count in counts.items():
        assert count == len([row for row in result.rows if row.status == status])


@pytest.mark.parametrize("count", [1, 2, MAX_BULK_ROWS])
def test_one_to_ten_thousand_rows_are_accepted(count):
    check_batch_size(count)


@pytest.mark.parametrize("count", [0, -1, MAX_BULK_ROWS + 1])
def test_an_empty_or_oversized_batch_is_refused_on_the_rows_field(count):
    with pytest.raises(InvalidInput) as refused:
        check_batch_size(count)
    assert [error.field for error in refused.value.errors] == ["rows"]


# Fingerprints

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


def test_a_fingerprint_is_a_sha256_hex_digest():
    digest = fingerprint({"rows": [1, 2]})
    assert len(digest) == 64 and int(digest, 16) >= 0


@settings(max_examples=50)
@given(json_values)
def test_the_same_payload_always_has_the_same_fingerprint(payload):
    copy = json.loads(json.dumps(payload))
    assert fingerprint(payload) == fingerprint(copy)


@settings(max_examples=50)
@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5))
def test_the_order_of_keys_does_not_change_the_fingerprint(payload):
    reversed_order = dict(reversed(list(payload.items())))
    assert fingerprint(payload) == fingerprint(reversed_order)


@settings(max_examples=50)
@given(json_values, json_values)
def test_different_payloads_have_different_fingerprints(first, second):
    canonical = json.dumps(first, sort_keys=True) != json.dumps(second, sort_keys=True)
    assert (fingerprint(first) != fingerprint(second)) == canonical


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"rows": [1, 2]}, {"rows": [2, 1]}),
        ({"a": True}, {"a": 1}),
        ({"a": None}, {}),
        ({"a": "x"}, {"a": "x "}),
    ],
)
def test_a_small_change_changes_the_fingerprint(first, second):
    assert fingerprint(first) != fingerprint(second)


def test_dataclass_rows_with_uuids_and_dates_are_fingerprinted_by_their_content():
    org_unit = uuid.uuid4()

    def row(name: str) -> EmployeeUpsert:
        profile = Profile("E-1", name, org_unit_id=org_unit, hire_date=date(2024, 5, 1))
        return EmployeeUpsert(profile, manager_external_id="E-0")

    assert fingerprint([row("Ada")]) == fingerprint([row("Ada")])
    assert fingerprint([row("Ada")]) != fingerprint([row("Grace")])
    assert fingerprint([row("Ada")]) == fingerprint([asdict(row("Ada"))])


def test_a_uuid_and_its_text_have_the_same_fingerprint():
    identifier = uuid.uuid4()
    assert fingerprint({"id": identifier}) == fingerprint({"id": str(identifier)})


def test_equal_sets_have_the_same_fingerprint():
    built_forwards = {8, 16}
    built_backwards = set()
    built_backwards.add(16)
    built_backwards.add(8)
    assert built_forwards == built_backwards
    assert fingerprint({"ids": built_forwards}) == fingerprint({"ids": built_backwards})
