"""Job functions. Each opens a unit of work through a service; each is safe to run twice."""

import logging

from arq import cron
from arq.cron import CronJob

from app.services import api_keys
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


FUNCTIONS = [purge_dead_api_keys]
CRON_JOBS: list[CronJob] = [cron(purge_dead_api_keys, hour={3}, minute={17})]
