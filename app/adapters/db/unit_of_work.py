"""The SQL unit of work: one connection, one transaction, rolled back unless committed."""

import logging
from typing import Self

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.adapters.db.assessments import SqlAssessmentRepository, SqlGapRepository
from app.adapters.db.case import SqlCaseRecordRepository
from app.adapters.db.catalogue import (
    SqlCapabilityRepository,
    SqlFrameworkRepository,
    SqlRoleRepository,
    SqlScaleRepository,
)
from app.adapters.db.checkins import SqlCheckinRepository
from app.adapters.db.directory import (
    SqlAuditLog,
    SqlDirectoryRepository,
    SqlStatementRepository,
)
from app.adapters.db.events import SqlEventRepository
from app.adapters.db.goals import SqlGoalRepository, SqlRecognitionRepository
from app.adapters.db.idempotency import SqlIdempotencyStore
from app.adapters.db.learning import SqlLearningRepository
from app.adapters.db.notifications import SqlNotificationRepository
from app.adapters.db.people import (
    SqlCohortRepository,
    SqlEmployeeRepository,
    SqlOrgUnitRepository,
)
from app.adapters.db.plans import SqlPlanRepository
from app.adapters.db.repositories import SqlApiKeyRepository, SqlTenantRepository
from app.adapters.db.webhooks import SqlWebhookRepository
from app.adapters.db.workflows import SqlWorkflowRepository
from app.adapters.db.workforce import SqlWorkforceReportRepository
from app.domain.errors import Conflict, Unavailable

logger = logging.getLogger(__name__)
UNREACHABLE = "The database could not be reached; nothing was changed. Retry shortly."
OUTCOME_UNKNOWN = (
    "The database connection was lost while the change was being saved; it may or may not "
    "have been saved. Read it back, or retry with the same Idempotency-Key."
)


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("This unit of work is already open; ask the factory for another.")
        try:
            self._conn = await self._engine.connect()
        except (OperationalError, InterfaceError, OSError, PoolTimeout) as error:
            # Logged with its cause: a wrong password or a missing database looks the same
            # to the caller as a restart, but not to the operator.
            logger.warning("The database could not be reached", exc_info=error)
            raise Unavailable(UNREACHABLE) from error
        await self._conn.begin()
        self.tenants = SqlTenantRepository(self._conn)
        self.api_keys = SqlApiKeyRepository(self._conn)
        self.scales = SqlScaleRepository(self._conn)
        self.frameworks = SqlFrameworkRepository(self._conn)
        self.capabilities = SqlCapabilityRepository(self._conn)
        self.roles = SqlRoleRepository(self._conn)
        self.org_units = SqlOrgUnitRepository(self._conn)
        self.employees = SqlEmployeeRepository(self._conn)
        self.cohorts = SqlCohortRepository(self._conn)
        self.assessments = SqlAssessmentRepository(self._conn)
        self.gaps = SqlGapRepository(self._conn)
        self.learning = SqlLearningRepository(self._conn)
        self.plans = SqlPlanRepository(self._conn)
        self.checkins = SqlCheckinRepository(self._conn)
        self.goals = SqlGoalRepository(self._conn)
        self.recognitions = SqlRecognitionRepository(self._conn)
        self.workflows = SqlWorkflowRepository(self._conn)
        self.notifications = SqlNotificationRepository(self._conn)
        self.events = SqlEventRepository(self._conn)
        self.webhooks = SqlWebhookRepository(self._conn)
        self.idempotency = SqlIdempotencyStore(self._conn)
        self.directory = SqlDirectoryRepository(self._conn)
        self.audit = SqlAuditLog(self._conn)
        self.statements = SqlStatementRepository(self._conn)
        self.case_records = SqlCaseRecordRepository(self._conn)
        self.workforce = SqlWorkforceReportRepository(self._conn)
        return self

    async def __aexit__(self, exc_type: object, exc: object, traceback: object) -> None:
        assert self._conn is not None
        try:
            if self._conn.in_transaction():
                await self._conn.rollback()
        except DBAPIError as error:
            # The connection died (the rollback found out): the database rolls the
            # transaction back itself. The error that ended the block, if any, is the one
            # to report.
            if exc is None:
                exc = error
        finally:
            await self._conn.close()
            self._conn = None
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            # The connection died under the transaction (a database restart, a failover)
            # before it committed: the database rolled it back whole, so the request can
            # simply be sent again.
            logger.warning("The database connection was lost", exc_info=exc)
            raise Unavailable(UNREACHABLE) from exc
        if isinstance(exc, IntegrityError):
            # The services check uniqueness and references first; this is the backstop for two
            # requests racing past those checks at once.
            raise Conflict(
                "The change clashes with data written at the same moment; retry it."
            ) from exc

    async def commit(self) -> None:
        assert self._conn is not None
        try:
            await self._conn.commit()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # Lost during COMMIT: the database may have committed or not, so unlike a loss
            # before it, a blind retry could apply the change twice.
            logger.warning("The database connection was lost while committing", exc_info=error)
            raise Unavailable(OUTCOME_UNKNOWN) from error


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine)
