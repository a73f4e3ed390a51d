"""Reading xAPI statements: what is a completion, what makes two statements the same."""

import uuid

import pytest

from app.domain.errors import InvalidInput
from app.domain.xapi import check_version, fingerprint, parse_statements

ID = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"


def document(verb="http://adlnet.gov/expapi/verbs/completed", **extra):
    return {
        "id": ID,
        "actor": {"mbox": "mailto:ada@example.com"},
        "verb": {"id": verb},
        "object": {"id": "https://lms.example.com/courses/101"},
    } | extra


def parsed(*documents):
    return parse_statements(list(documents), uuid.uuid4)


@pytest.mark.parametrize(
    ("verb", "result", "completion"),
    [
        ("http://adlnet.gov/expapi/verbs/completed", {}, True),
        ("http://adlnet.gov/expapi/verbs/passed", {"success": True}, True),
        ("https://w3id.org/xapi/adl/verbs/satisfied", {}, True),
        ("http://adlnet.gov/expapi/verbs/failed", {}, False),
        ("http://adlnet.gov/expapi/verbs/completed", {"completion": False}, False),
        ("http://adlnet.gov/expapi/verbs/passed", {"success": False}, False),
    ],
)
def test_the_verb_iri_and_the_result_decide_a_completion(verb, result, completion):
    (statement,) = parsed(document(verb, result=result))
    assert statement.is_completion is completion


def test_the_label_is_not_the_verb():
    (statement,) = parsed(
        document("http://example.com/verbs/finished")
        | {"verb": {"id": "x:y", "display": {"en": "completed"}}}
    )
    assert statement.is_completion is False


def test_what_an_lrs_adds_does_not_change_the_fingerprint():
    plain = document()
    stored = plain | {"stored": "2026-12-01T00:00:00Z", "authority": {"mbox": "mailto:l@x"}}
    assert fingerprint(plain) == fingerprint(stored)
    assert fingerprint(plain) != fingerprint(plain | {"timestamp": "2026-12-01T00:00:00Z"})


def test_actors_by_email_or_account():
    (by_mail,) = parsed(document())
    assert (by_mail.actor_email, by_mail.actor_account) == ("ada@example.com", None)
    (by_account,) = parsed(document(actor={"account": {"homePage": "https://h", "name": "E1"}}))
    assert (by_account.actor_email, by_account.actor_account) == (None, "E1")


def test_a_statement_without_an_id_gets_one():
    (statement,) = parsed({k: v for k, v in document().items() if k != "id"})
    assert statement.document["id"] == str(statement.id)


def test_one_bad_statement_rejects_the_batch_with_its_paths():
    with pytest.raises(InvalidInput) as refused:
        parsed(document(), document(timestamp="2026-12-01T10:00:00"), document())
    assert {e.field for e in refused.value.errors} == {"statements.1.timestamp", "statements.2.id"}


def test_the_version_header_is_required():
    check_version("1.0.3")
    for bad in (None, "2.0.0", ""):
        with pytest.raises(InvalidInput):
            check_version(bad)
