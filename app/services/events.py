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
    processed. A processor killed mid-batch rolls back and the batch is taken again. A batch
    that fails is taken again event by event, so one bad event (or one tenant's broken
    workflow) is set aside with its error instead of stopping everyone's events.
    Returns how many events were processed."""
    moment = now or utcnow()
    processed = 0
    for _ in range(batches):
        try:
            async with uow:
                batch = await uow.events.unprocessed(batch_size)
                await _handle(uow, batch, moment)
                await uow.commit()
        except Exception:
            logger.exception("An event batch failed: processing its events one by one")
            batch = await _one_by_one(uow, moment, batch_size)
        if not batch:
            break
        processed += len(batch)
    return processed


async def _handle(uow: UnitOfWork, batch: list[DomainEvent], now: datetime) -> None:
    if not batch:
        return
    subscriptions = await uow.webhooks.active_of({event.tenant_id for event in batch})
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
                next_attempt_at=now,
                created_at=now,
            )
            for event in batch
            for subscription in subscriptions
            if subscription.wants(event)
        ]
    )
    await _fire_event_triggers(uow, batch, now)
    await uow.events.mark_processed([event.id for event in batch], now)


async def _one_by_one(uow: UnitOfWork, now: datetime, batch_size: int) -> list[DomainEvent]:
    async with uow:
        batch = await uow.events.unprocessed(batch_size)
    for event in batch:
        try:
            async with uow:
                await _handle(uow, [event], now)
                await uow.commit()
        except Exception as error:
            logger.exception("An event could not be processed", extra={"event_id": str(event.id)})
            async with uow:
                await uow.events.mark_failed(event.id, f"{type(error).__name__}: {error}", now)
                await uow.commit()
    return batch


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
