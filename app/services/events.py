"""Processing the event outbox: each event fans out to the tenant's webhook subscriptions
that want it and fires the workflows whose event triggers it names, once."""

import logging
from datetime import datetime

from app.domain.events import DomainEvent
from app.domain.ids import new_id
from app.domain.notifications import DeliveryStatus
from app.domain.ports import UnitOfWork
from app.domain.webhooks import Delivery
from app.domain.workflows import Firing, WorkflowRun
from app.services import utcnow
from app.services.workflows import open_for

logger = logging.getLogger(__name__)
BATCH = 500


async def process_events(
    uow: UnitOfWork, *, now: datetime | None = None, batches: int = 20, batch_size: int = BATCH
) -> int:
    """Scheduled job, for every tenant: take unprocessed events in batches, each batch in one
    transaction (its rows locked, so concurrent processors take other batches): queue a
    webhook delivery per wanting subscription, fire each workflow the event triggers for the
    event's employee (a run per workflow and event, so never twice), and mark the batch
    processed. A processor killed mid-batch rolls back and the batch is taken again.
    Returns how many events were processed."""
    moment = now or utcnow()
    processed = 0
    for _ in range(batches):
        async with uow:
            batch = await uow.events.unprocessed(batch_size)
            if not batch:
                break
            tenants = {event.tenant_id for event in batch}
            subscriptions = await uow.webhooks.active_of(tenants)
            await uow.webhooks.enqueue(
                [
                    Delivery(
                        id=new_id(),
                        tenant_id=event.tenant_id,
                        subscription_id=subscription.id,
                        event_id=event.id,
                        event_type=event.type,
                        status=DeliveryStatus.PENDING,
                        attempts=0,
                        next_attempt_at=moment,
                        created_at=moment,
                    )
                    for event in batch
                    for subscription in subscriptions
                    if subscription.wants(event)
                ]
            )
            await _fire_event_triggers(uow, batch, moment)
            await uow.events.mark_processed([event.id for event in batch], moment)
            await uow.commit()
        processed += len(batch)
    return processed


async def _fire_event_triggers(uow: UnitOfWork, batch: list[DomainEvent], now: datetime) -> None:
    """Per workflow, a run for each event that fires it, claimed together; the people of
    the runs claimed (not claimed before) get their assessments in one opening."""
    for workflow in await uow.workflows.every_tenant(active_only=True):
        runs = [
            WorkflowRun.of(
                workflow.tenant_id,
                Firing(workflow.id, f"event:{event.type.value}", str(event.id)),
                now,
                employee_id=event.employee_id,
            )
            for event in batch
            if workflow.fires_on(event)
        ]
        claimed = await uow.workflows.claim_runs(runs)
        if claimed:
            opened = await open_for(uow, workflow, claimed, now)
            logger.info(
                "Workflow fired by events",
                extra={"workflow_id": str(workflow.id), "runs": len(claimed), "opened": opened},
            )


async def record_overdue_plans(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Scheduled job: record plan_overdue once for every active plan past its due date, in
    every tenant, in one statement. Returns how many plans newly went overdue."""
    moment = now or utcnow()
    async with uow:
        recorded = await uow.events.plans_overdue(moment.date(), moment)
        await uow.commit()
    return recorded
