import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidInput, InvalidTransition
from app.domain.identity import Role
from app.domain.tenants import Tenant, issue_api_key, parse_api_key, retention_cutoff

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TENANT = uuid.uuid4()


def issue(**overrides):
    arguments = {"name": "HRIS", "roles": frozenset({Role.INTEGRATION}), "now": NOW} | overrides
    return issue_api_key(TENANT, **arguments)


def test_an_issued_key_parses_back_and_matches_only_its_own_secret():
    issued = issue()
    presented = parse_api_key(issued.plaintext)
    assert presented is not None and presented.prefix == issued.key.prefix
    assert issued.key.matches(presented.secret)
    assert not issued.key.matches(presented.secret + "x")
    assert presented.secret not in issued.key.secret_hash


def test_two_keys_with_the_same_secret_store_different_hashes():
    first, second = issue(), issue()
    assert first.key.salt != second.key.salt
    assert first.key.secret_hash != second.key.secret_hash


@pytest.mark.parametrize(
    "text", ["", "tdm_", "tdm_short_secret", "xyz_0123456789ab_secret", "tdm_0123456789ab_"]
)
def test_malformed_keys_are_not_parsed(text):
    assert parse_api_key(text) is None


@given(st.text())
def test_parsing_never_raises(text):
    parse_api_key(text)


def test_a_key_without_roles_or_with_a_past_expiry_is_refused_with_both_reasons():
    with pytest.raises(InvalidInput) as refused:
        issue(roles=frozenset(), expires_at=NOW - timedelta(seconds=1))
    assert [error.field for error in refused.value.errors] == ["roles", "expires_at"]


def test_a_naive_expiry_is_refused():
    with pytest.raises(InvalidInput) as refused:
        issue(expires_at=datetime(2030, 1, 1))
    assert refused.value.errors[0].field == "expires_at"


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_names_must_be_one_to_two_hundred_characters(name):
    with pytest.raises(InvalidInput):
        Tenant.create(name, NOW)


def test_usability_follows_revocation_and_expiry():
    key = issue(expires_at=NOW + timedelta(days=1)).key
    assert key.is_usable(NOW)
    assert not key.is_usable(NOW + timedelta(days=1))
    assert not key.revoke(NOW).is_usable(NOW)


def test_revoking_twice_is_an_invalid_transition():
    revoked = issue().key.revoke(NOW)
    with pytest.raises(InvalidTransition):
        revoked.revoke(NOW)


def test_use_is_recorded_at_most_every_few_minutes():
    key = issue().key
    used = key.record_use(NOW)
    assert used is not None and used.last_used_at == NOW
    assert used.record_use(NOW + timedelta(minutes=4)) is None
    later = used.record_use(NOW + timedelta(minutes=6))
    assert later is not None and later.last_used_at == NOW + timedelta(minutes=6)


def test_retention_cutoff_is_that_many_days_back():
    assert retention_cutoff(NOW, 90) == NOW - timedelta(days=90)
