"""The audit log: who changed what through an integration, and when. Entries are only added."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.domain.identity import Actor
from app.domain.ids import new_id


class Channel(StrEnum):
    SCIM = "scim"
    XAPI = "xapi"
    CASE = "case"


@dataclass(frozen=True)
class AuditEntry:
    id: uuid.UUID
    tenant_id: uuid.UUID
    at: datetime
    actor: str
    """The credential that made the call (`api_key:<id>`, or the token's subject)."""
    channel: Channel
    action: str
    """What happened, as `<thing>.<verb>`: `user.created`, `group.members_changed`, ..."""
    target_type: str
    target_id: str
    changes: Mapping[str, object] = field(default_factory=dict)
    """Per attribute changed, its value `before` and `after`; or what the call reported."""

    @classmethod
    def of(
        cls,
        actor: Actor,
        *,
        channel: Channel,
        action: str,
        target_type: str,
        target_id: object,
        changes: Mapping[str, object],
        now: datetime,
    ) -> "AuditEntry":
        return cls(
            new_id(),
            actor.tenant_id,
            now,
            actor.credential_id or f"tenant:{actor.tenant_id}",
            channel,
            action,
            target_type,
            str(target_id),
            changes,
        )


@dataclass(frozen=True)
class AuditFilter:
    channel: Channel | None = None
    target_type: str | None = None
    target_id: str | None = None
