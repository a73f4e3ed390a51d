import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.ids import new_id
from app.domain.pagination import MAX_LIMIT, Page, PageRequest, decode_cursor, encode_cursor


def test_ids_are_uuid_version_7_with_the_rfc_variant():
    identifier = new_id()
    assert identifier.version == 7
    assert identifier.variant == "specified in RFC 4122"


def test_ids_from_later_milliseconds_sort_later():
    earlier = new_id()
    time.sleep(0.002)
    assert new_id() > earlier


keys = st.tuples(st.text(max_size=50), st.integers()) | st.tuples(st.uuids().map(str))


@given(keys)
def test_cursors_round_trip(key):
    assert decode_cursor(encode_cursor(key)) == key


@given(st.text())
def test_any_string_either_decodes_or_is_invalid_input(text):
    try:
        decode_cursor(text)
    except InvalidInput as error:
        assert error.errors[0].field == "cursor"


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_page_sizes_outside_the_range_name_the_parameter_the_client_used(limit):
    with pytest.raises(InvalidInput) as refused:
        PageRequest.parse(limit=limit, cursor=None, limit_field="first")
    assert refused.value.errors[0].field == "first"


def test_a_foreign_cursor_names_the_cursor_parameter():
    with pytest.raises(InvalidInput) as refused:
        PageRequest.parse(limit=10, cursor="not-a-cursor", cursor_field="after")
    assert refused.value.errors[0].field == "after"


def test_next_cursor_is_the_last_items_cursor_only_when_more_exist():
    assert Page(["a", "b"], ["ca", "cb"], has_more=True).next_cursor == "cb"
    assert Page(["a", "b"], ["ca", "cb"], has_more=False).next_cursor is None
    assert Page([], [], has_more=False).next_cursor is None
