"""Notification use cases: drain the outbox through the email gateway, and let hr_admin read
what was sent, is waiting, or was given up on."""

import asyncio
import logging
import uuid
from datetime import datetime

from app.domain.identity import Actor, Role
from app.domain.notifications import (
    CLAIM_LEASE,
    Attempt,
    EmailSender,
    Outgoing,
    Retry,
    after_attempt,
    compose,
)
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.services import utcnow

logger = logging.getLogger(__name__)
BATCH = 100
PARALLEL_SENDS = 10
NO_ADDRESS = Attempt(ok=False, error="The recipient has no email address.", permanent=True)


async def deliver_notifications(
    uow: UnitOfWork,
    email: EmailSender,
    *,
    batches: int = 50,
    batch_size: int = BATCH,
    now: datetime | None = None,
) -> int:
    """Scheduled job: send due notifications in batches until none is due (or `batches`
    ran). Each batch is claimed in a transaction of its own, sent outside any transaction,
    and the outcomes stored in a third: a drainer that dies mid-batch leaves its claims to
    lapse, and the next drain sends them. `now` fixes the clock (tests). Returns how many
    were delivered."""
    delivered = 0
    limit = asyncio.Semaphore(PARALLEL_SENDS)
    for _ in range(batches):
        claimed_at = now or utcnow()
        async with uow:
            claimed = await uow.notifications.claim(claimed_at, batch_size)
            await uow.commit()
        if not claimed:
            break

        async def send(outgoing: Outgoing) -> tuple[uuid.UUID, Retry, str | None]:
            message = compose(outgoing)
            async with limit:
                attempt = NO_ADDRESS if message is None else await email.send(message)
            retry = after_attempt(str(outgoing.id), outgoing.attempts, attempt, now or utcnow())
            return outgoing.id, retry, attempt.error

        outcomes = await asyncio.gather(*(send(o) for o in claimed))
        async with uow:
            await uow.notifications.record(outcomes, claimed_at + CLAIM_LEASE)
            await uow.commit()
        sent = sum(1 for _, retry, _ in outcomes if retry.sent_at is not None)
        delivered += sent
        if sent < len(outcomes):
            logger.warning("Some notifications failed", extra={"failed": len(outcomes) - sent})
    return delivered


async def list_notifications(
    uow: UnitOfWork,
    actor: Actor,
    *,
    page: PageRequest,
    assessment_id: uuid.UUID | None = None,
    status: str | None = None,
) -> Page[Outgoing]:
    """The tenant's notifications, oldest first. Raises Forbidden for anyone but hr_admin."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        return await uow.notifications.list(
            actor.tenant_id, page, assessment_id=assessment_id, status=status
        )
