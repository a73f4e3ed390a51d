"""Job functions. Each opens a unit of work through a service; each is safe to run twice."""

import logging

from arq import cron
from arq.cron import CronJob

from app.services import api_keys, assessments
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


FUNCTIONS = [purge_dead_api_keys, expire_overdue_assessments]
CRON_JOBS: list[CronJob] = [
    cron(purge_dead_api_keys, hour={3}, minute={17}),
    cron(expire_overdue_assessments, minute={5}),
]
