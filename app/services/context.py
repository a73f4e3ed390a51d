"""What every entry point (REST, GraphQL, worker) is handed by the composition root."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.notifications import EmailSender, WebhookSender
from app.domain.ports import DependencyProbe, TokenVerifier, UnitOfWorkFactory


@dataclass(frozen=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    token_verifier: TokenVerifier
    probes: Sequence[DependencyProbe]
    api_key_retention_days: int
    email: EmailSender
    webhooks: WebhookSender
