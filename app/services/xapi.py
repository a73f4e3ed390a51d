"""LMS completions as xAPI statements: each statement once, by its id, against the person's
open plan; the rest kept with the reason, never lost. integration and hr_admin may send."""

import uuid
from collections.abc import Sequence
from dataclasses import replace

from app.domain.audit import AuditEntry, Channel
from app.domain.errors import Conflict, FieldError
from app.domain.identity import Actor, Role
from app.domain.ids import new_id
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.xapi import (
    UNRESOLVED,
    Statement,
    StatementOutcome,
    StoredStatement,
    check_version,
    parse_statements,
)
from app.services import utcnow
from app.services.plans import CompletionReport, CompletionStatus, record_completions

SENDERS = (Role.INTEGRATION, Role.HR_ADMIN)
OUTCOMES = {
    CompletionStatus.RECORDED: StatementOutcome.RECORDED,
    CompletionStatus.ALREADY_RECORDED: StatementOutcome.ALREADY_RECORDED,
    CompletionStatus.NOT_IN_PLAN: StatementOutcome.NOT_IN_PLAN,
    CompletionStatus.UNKNOWN_EMPLOYEE: StatementOutcome.UNKNOWN_ACTOR,
    CompletionStatus.UNKNOWN_ITEM: StatementOutcome.UNKNOWN_ITEM,
    CompletionStatus.CONFLICT: StatementOutcome.CONFLICT,
    CompletionStatus.INVALID: StatementOutcome.INVALID,
}


async def record_statements(
    uow: UnitOfWork, actor: Actor, *, documents: Sequence[object], version: str | None
) -> list[StoredStatement]:
    """Store the statements and complete the plan items they report, all in one transaction;
    returns each statement as stored, in the order sent. A statement sent before with the
    same content changes nothing, unless its person or item was unknown then: it is matched
    again. Raises Forbidden, InvalidInput (the version header, a bad statement, an id twice),
    Conflict (an id sent before with other content)."""
    actor.require_any(*SENDERS)
    check_version(version)
    statements = parse_statements(documents, new_id)
    now = utcnow()
    async with uow:
        stored = await uow.statements.get_many(actor.tenant_id, [s.id for s in statements])
        clashing = [
            FieldError(f"statements.{i}.id", "Sent before with other content.")
            for i, s in enumerate(statements)
            if s.id in stored and stored[s.id].fingerprint != s.fingerprint
        ]
        if clashing:
            raise Conflict(
                "Some statement ids were sent before with other content; none was stored: "
                + ", ".join(e.field for e in clashing)
            )
        pending = [
            s
            for s in statements
            if s.is_completion and (s.id not in stored or stored[s.id].outcome in UNRESOLVED)
        ]
        outcomes = await _complete(uow, actor, pending)
        written = []
        for statement in statements:
            before = stored.get(statement.id)
            if statement.id in outcomes:
                outcome, plan_id = outcomes[statement.id]
            elif before is not None:
                outcome, plan_id = before.outcome, before.plan_id
            else:
                outcome, plan_id = StatementOutcome.NOT_A_COMPLETION, None
            if before is None:
                written.append(
                    StoredStatement(
                        actor.tenant_id,
                        statement.id,
                        statement.fingerprint,
                        outcome,
                        plan_id,
                        statement.document,
                        now,
                        now,
                    )
                )
            elif (outcome, plan_id) != (before.outcome, before.plan_id):
                written.append(replace(before, outcome=outcome, plan_id=plan_id, updated_at=now))
        await uow.statements.store(written)
        await uow.audit.record(
            [
                AuditEntry.of(
                    actor,
                    channel=Channel.XAPI,
                    action="statement.received",
                    target_type="statement",
                    target_id=s.id,
                    changes={"outcome": s.outcome.value, "plan_id": _text(s.plan_id)},
                    now=now,
                )
                for s in written
            ]
        )
        await uow.commit()
    now_stored = dict(stored) | {s.id: s for s in written}
    return [now_stored[s.id] for s in statements]


async def list_statements(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    outcome: StatementOutcome | None = None,
) -> Page[StoredStatement]:
    """The statements received, in the order first received (say `outcome=unknown_actor` to
    see what waits for a person). Raises Forbidden."""
    actor.require_any(*SENDERS)
    async with uow:
        return await uow.statements.list(actor.tenant_id, page, outcome=outcome)


async def _complete(
    uow: UnitOfWork, actor: Actor, statements: Sequence[Statement]
) -> dict[uuid.UUID, tuple[StatementOutcome, uuid.UUID | None]]:
    """Report the completions the statements carry; per statement, its outcome and plan."""
    if not statements:
        return {}
    by_email = await uow.employees.ids_by_emails(
        actor.tenant_id, {s.actor_email for s in statements if s.actor_email}
    )
    reports = [
        CompletionReport(
            completion_id=str(s.id),
            employee_id=by_email.get(s.actor_email.lower()) if s.actor_email else None,
            employee_external_id=s.actor_account,
            item_external_id=s.object_id,
            completed_at=s.completed_at,
        )
        for s in statements
    ]
    results = await record_completions(uow, actor, reports, {})
    return {statements[r.index].id: (OUTCOMES[r.status], r.plan_id) for r in results}


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
