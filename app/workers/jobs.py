"""Job functions. Each opens a unit of work through a service; each is safe to run twice."""

import logging

from arq import cron
from arq.cron import CronJob

from app.services import api_keys, assessments, events, notifications, webhooks, workflows
from app.services.context import ServiceContext

logger = logging.getLogger(__name__)
SERVICES = "services"


async def purge_dead_api_keys(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    deleted = await api_keys.purge_dead_api_keys(
        services.uow(), retention_days=services.api_key_retention_days
    )
    logger.info("Purged dead API keys", extra={"job": "purge_dead_api_keys", "deleted": deleted})
    return deleted


async def expire_overdue_assessments(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    expired = await assessments.expire_overdue_assessments(services.uow())
    logger.info(
        "Expired overdue assessments",
        extra={"job": "expire_overdue_assessments", "expired": expired},
    )
    return expired


async def fire_due_workflows(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    fired = await workflows.fire_due_workflows(services.uow())
    if fired:
        logger.info("Fired workflows", extra={"job": "fire_due_workflows", "fired": fired})
    return fired


async def advance_workflows(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    return await workflows.advance_workflows(services.uow())


async def deliver_notifications(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    return await notifications.deliver_notifications(services.uow(), services.email)


async def process_events(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    return await events.process_events(services.uow())


async def deliver_webhooks(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    return await webhooks.deliver_webhooks(services.uow(), services.webhooks)


async def record_overdue_plans(ctx: dict) -> int:
    services: ServiceContext = ctx[SERVICES]
    return await events.record_overdue_plans(services.uow())


EVERY_MINUTE = set(range(60))
FUNCTIONS = [
    purge_dead_api_keys,
    expire_overdue_assessments,
    fire_due_workflows,
    advance_workflows,
    deliver_notifications,
    process_events,
    deliver_webhooks,
    record_overdue_plans,
]
CRON_JOBS: list[CronJob] = [
    cron(purge_dead_api_keys, hour={3}, minute={17}),
    cron(expire_overdue_assessments, minute={5}),
    # Both decide from the database what is due, so a missed or doubled tick changes nothing.
    cron(fire_due_workflows, minute=EVERY_MINUTE, unique=True),
    cron(deliver_notifications, minute=EVERY_MINUTE, second={30}, unique=True),
    cron(process_events, minute=EVERY_MINUTE, second={15}, unique=True),
    cron(deliver_webhooks, minute=EVERY_MINUTE, second={45}, unique=True),
    cron(record_overdue_plans, minute={7}, unique=True),
    # Reminders count in days; a quarter of an hour late is on time.
    cron(advance_workflows, minute={2, 17, 32, 47}, unique=True),
]
