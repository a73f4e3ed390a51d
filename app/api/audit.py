"""The audit log of integration calls (SCIM, xAPI, CASE), for hr_admin."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import ActorDep, PageDep, UowDep
from app.api.pagination import PageOut
from app.api.problems import problem_responses
from app.domain.audit import AuditEntry, AuditFilter, Channel
from app.services.audit import list_audit_entries

router = APIRouter(tags=["audit"], responses=problem_responses(401, 403, 422))


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    at: datetime
    actor: str
    channel: Channel
    action: str
    target_type: str
    target_id: str
    changes: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> "AuditEntryOut":
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            channel=entry.channel,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            changes=dict(entry.changes),
        )


class AuditPage(PageOut[AuditEntryOut]):
    pass


@router.get("/v1/audit-log", response_model=AuditPage, summary="Read the audit log")
async def list_audit_log(
    uow: UowDep,
    actor: ActorDep,
    page: PageDep,
    channel: Annotated[Channel | None, Query()] = None,
    target_type: Annotated[str | None, Query(description="`employee`, `cohort`, ...")] = None,
    target_id: Annotated[str | None, Query(description="The changed thing's id.")] = None,
) -> AuditPage:
    """Who changed what through an integration, and when, oldest first."""
    found = await list_audit_entries(
        uow,
        actor,
        page=page,
        criteria=AuditFilter(channel=channel, target_type=target_type, target_id=target_id),
    )
    return AuditPage.of(found, AuditEntryOut.of)
