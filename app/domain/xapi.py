"""xAPI statements from an LMS, as completions of learning items (xAPI 1.0.3, Statements only).

A statement's id makes it idempotent: the same id with the same content changes nothing, the
same id with other content is a conflict. Verbs are told apart by their IRI, never by their
display label. A statement whose person or item Tandem does not know yet is kept with that
outcome, and matched again when it is sent again.
"""

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.errors import FieldError, InvalidInput
from app.domain.values import NAME_FORBIDDEN

MAX_STATEMENTS = 500
SUPPORTED_VERSIONS = ("1.0",)
COMPLETION_VERBS = frozenset(
    {
        "http://adlnet.gov/expapi/verbs/completed",
        "http://adlnet.gov/expapi/verbs/passed",
        "https://w3id.org/xapi/adl/verbs/satisfied",
    }
)
# Set by a Learning Record Store, not part of what a statement says (xAPI 2.3.1).
LRS_OWNED = ("stored", "authority", "version")


class StatementOutcome(StrEnum):
    RECORDED = "recorded"
    """A plan item was completed."""
    ALREADY_RECORDED = "already_recorded"
    NOT_A_COMPLETION = "not_a_completion"
    """Another verb (failed, attempted, ...) or a result that is not a completion: kept only."""
    NOT_IN_PLAN = "not_in_plan"
    UNKNOWN_ACTOR = "unknown_actor"
    UNKNOWN_ITEM = "unknown_item"
    CONFLICT = "conflict"
    INVALID = "invalid"


UNRESOLVED = frozenset({StatementOutcome.UNKNOWN_ACTOR, StatementOutcome.UNKNOWN_ITEM})


@dataclass(frozen=True)
class Statement:
    id: uuid.UUID
    fingerprint: str
    actor_email: str | None
    actor_account: str | None
    """The actor's account name: the employee's external id."""
    verb: str
    object_id: str
    completed_at: datetime | None
    is_completion: bool
    document: Mapping[str, object]


@dataclass(frozen=True)
class StoredStatement:
    tenant_id: uuid.UUID
    id: uuid.UUID
    fingerprint: str
    outcome: StatementOutcome
    plan_id: uuid.UUID | None
    document: Mapping[str, object]
    stored_at: datetime
    updated_at: datetime


def check_version(header: str | None) -> None:
    if header is None or not any(header.strip().startswith(v) for v in SUPPORTED_VERSIONS):
        raise InvalidInput(
            "Send the xAPI version this statement follows.",
            [FieldError("header.x-experience-api-version", "Give 1.0.0 to 1.0.3.")],
        )


def parse_statements(documents: Sequence[object], new_id) -> list[Statement]:
    """The statements, or InvalidInput naming each problem at `statements.<index>.<path>`;
    one bad statement rejects the batch, as an LRS does. `new_id` gives an id to a statement
    sent without one."""
    if not documents:
        raise InvalidInput("Send at least one statement.", [FieldError("statements", "Empty.")])
    if len(documents) > MAX_STATEMENTS:
        raise InvalidInput(
            "Too many statements.", [FieldError("statements", f"At most {MAX_STATEMENTS}.")]
        )
    errors: list[FieldError] = []
    statements = []
    first_index: dict[uuid.UUID, int] = {}
    for index, document in enumerate(documents):
        statement = _parse(document, f"statements.{index}", errors, new_id)
        if statement is None:
            continue
        if statement.id in first_index:
            errors.append(
                FieldError(
                    f"statements.{index}.id", f"Repeats statement {first_index[statement.id]}."
                )
            )
        first_index.setdefault(statement.id, index)
        statements.append(statement)
    if errors:
        raise InvalidInput("Some statements are not valid; none was stored.", errors)
    return statements


def fingerprint(document: Mapping[str, object]) -> str:
    body = {k: v for k, v in document.items() if k not in LRS_OWNED}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _parse(document: object, path: str, errors: list[FieldError], new_id) -> Statement | None:
    if not isinstance(document, Mapping):
        errors.append(FieldError(path, "A statement is a JSON object."))
        return None
    before = len(errors)
    raw_id = document.get("id")
    statement_id = new_id()
    if raw_id is not None:
        try:
            statement_id = uuid.UUID(str(raw_id))
        except ValueError:
            errors.append(FieldError(f"{path}.id", "Give a UUID."))
    actor = document.get("actor")
    email = account = None
    if not isinstance(actor, Mapping):
        errors.append(FieldError(f"{path}.actor", "Give the actor: mbox or account."))
    else:
        mbox = actor.get("mbox")
        named = actor.get("account")
        if isinstance(mbox, str) and mbox.lower().startswith("mailto:"):
            email = _text(mbox[len("mailto:") :], f"{path}.actor.mbox", errors)
        elif isinstance(named, Mapping) and isinstance(named.get("name"), str):
            account = _text(named["name"], f"{path}.actor.account.name", errors)
        else:
            errors.append(
                FieldError(f"{path}.actor", "Identify the actor by mbox (mailto:) or account.")
            )
    verb = document.get("verb")
    verb_id = verb.get("id") if isinstance(verb, Mapping) else None
    if not isinstance(verb_id, str) or not verb_id:
        errors.append(FieldError(f"{path}.verb.id", "Give the verb's IRI."))
    target = document.get("object")
    object_id = target.get("id") if isinstance(target, Mapping) else None
    if not isinstance(object_id, str) or not object_id:
        errors.append(FieldError(f"{path}.object.id", "Give the activity's IRI."))
    else:
        _text(object_id, f"{path}.object.id", errors)
    completed_at = None
    timestamp = document.get("timestamp")
    if timestamp is not None:
        try:
            completed_at = datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
            if completed_at.tzinfo is None:
                raise ValueError
        except ValueError:
            errors.append(FieldError(f"{path}.timestamp", "Give an ISO 8601 time with a zone."))
    if len(errors) > before:
        return None
    result = document.get("result")
    result = result if isinstance(result, Mapping) else {}
    is_completion = (
        verb_id in COMPLETION_VERBS
        and result.get("completion") is not False
        and result.get("success") is not False
    )
    return Statement(
        id=statement_id,
        fingerprint=fingerprint({**document, "id": str(statement_id)}),
        actor_email=email,
        actor_account=account,
        verb=str(verb_id),
        object_id=str(object_id),
        completed_at=completed_at,
        is_completion=is_completion,
        document={**document, "id": str(statement_id)},
    )


def _text(value: str, path: str, errors: list[FieldError]) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 200 or NAME_FORBIDDEN.search(cleaned):
        errors.append(FieldError(path, "Give 1 to 200 printable characters."))
    return cleaned
