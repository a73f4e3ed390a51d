"""The notification outbox: claimed in batches by any number of drainers, never twice at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import one_of
from app.adapters.db.outbox import claim_due, record_outcomes, short
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.tables import assessments, employees, notifications, roles
from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.notifications import DeliveryStatus, Outgoing, Retry
from app.domain.pagination import Page, PageRequest


class SqlNotificationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim(self, now: datetime, limit: int) -> list[Outgoing]:
        ids = await claim_due(self._conn, notifications, now, limit)
        if not ids:
            return []
        rows = await self._conn.execute(
            _outgoing()
            .where(one_of(self._conn, notifications.c.id, ids))
            .execution_options(**{CROSS_TENANT: True})
        )
        return [_to_outgoing(row) for row in rows]

    async def record(
        self, outcomes: Sequence[tuple[uuid.UUID, Retry, str | None]], lease: datetime
    ) -> None:
        await record_outcomes(
            self._conn,
            notifications,
            [(row_id, retry, {"last_error": short(error)}) for row_id, retry, error in outcomes],
            lease,
            sent_column="sent_at",
        )

    async def list(
        self,
        tenant_id: uuid.UUID,
        page: PageRequest,
        *,
        assessment_id: uuid.UUID | None = None,
        status: str | None = None,
    ) -> Page[Outgoing]:
        statement = _outgoing(tenant_id)
        if assessment_id is not None:
            statement = statement.where(notifications.c.assessment_id == assessment_id)
        if status is not None:
            statement = statement.where(notifications.c.status == status)
        return await fetch_page_by_id(self._conn, statement, notifications.c.id, page, _to_outgoing)


_EMPLOYEE = employees.alias("employee")
_MANAGER = employees.alias("manager")
_SKIP_MANAGER = employees.alias("skip_manager")
# Built once: constructing the aliased join costs more than the drain's own SQL per batch.
_OUTGOING = (
    sa.select(
        notifications,
        sa.case(
            (notifications.c.recipient == "employee", _EMPLOYEE.c.email),
            (notifications.c.recipient == "manager", _MANAGER.c.email),
            (notifications.c.recipient == "skip_manager", _SKIP_MANAGER.c.email),
            else_=notifications.c.recipient,
        ).label("address"),
        _EMPLOYEE.c.name.label("employee_name"),
        roles.c.name.label("role_name"),
        assessments.c.due_date,
    )
    .join(assessments, assessments.c.id == notifications.c.assessment_id)
    .join(_EMPLOYEE, _EMPLOYEE.c.id == assessments.c.employee_id)
    .join(roles, roles.c.id == assessments.c.role_id)
    .outerjoin(
        _MANAGER,
        sa.and_(
            _MANAGER.c.id == _EMPLOYEE.c.manager_id,
            _MANAGER.c.tenant_id == _EMPLOYEE.c.tenant_id,
        ),
    )
    .outerjoin(
        _SKIP_MANAGER,
        sa.and_(
            _SKIP_MANAGER.c.id == _MANAGER.c.manager_id,
            _SKIP_MANAGER.c.tenant_id == _MANAGER.c.tenant_id,
        ),
    )
)


def _outgoing(tenant_id: uuid.UUID | None = None) -> sa.Select:
    """Each notification with its recipient's address as it is now and what the email says;
    the tenant's only, when one is given."""
    if tenant_id is None:
        return _OUTGOING
    return _OUTGOING.where(
        *(
            table.c.tenant_id == tenant_id
            for table in (notifications, assessments, _EMPLOYEE, roles)
        )
    )


def _to_outgoing(row: sa.Row) -> Outgoing:
    return Outgoing(
        id=row.id,
        tenant_id=row.tenant_id,
        assessment_id=row.assessment_id,
        kind=row.kind,
        sequence=row.sequence,
        recipient=row.recipient,
        address=row.address,
        employee_name=row.employee_name,
        role_name=row.role_name,
        due_date=row.due_date,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )
