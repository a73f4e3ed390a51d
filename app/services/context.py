"""What every entry point (REST, GraphQL, worker) is handed by the composition root."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.notifications import EmailSender, WebhookSender
from app.domain.ports import DependencyProbe, TokenVerifier, UnitOfWorkFactory
from app.services.rate_limits import RateLimiter


@dataclass(frozen=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    token_verifier: TokenVerifier
    probes: Sequence[DependencyProbe]
    api_key_retention_days: int
    email: EmailSender
    webhooks: WebhookSender
    rate_limiter: RateLimiter | None = None
    """None when requests are not limited (and in the worker, which serves none)."""
