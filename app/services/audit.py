"""Reading the audit log: hr_admin only. Nothing writes it but the use cases it records."""

from app.domain.audit import AuditEntry, AuditFilter
from app.domain.identity import Actor, Role
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.values import checked_filter


async def list_audit_entries(
    uow: UnitOfWork, actor: Actor, *, page: PageRequest, criteria: AuditFilter
) -> Page[AuditEntry]:
    """Entries in the order they were written. Raises Forbidden, InvalidInput."""
    actor.require_any(Role.HR_ADMIN)
    checked_filter(criteria.target_id, "target_id")
    checked_filter(criteria.target_type, "target_type")
    async with uow:
        return await uow.audit.list(actor.tenant_id, page, criteria)
