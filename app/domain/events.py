"""Domain events: what happened, recorded in the same transaction as the change that caused
it (an outbox), then handed to the workflows that react to it and the webhooks that asked."""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.domain.ids import new_id


class EventType(StrEnum):
    EMPLOYEE_CREATED = "employee_created"
    ROLE_CHANGED = "role_changed"
    CHECKIN_LOGGED = "checkin_logged"
    ASSESSMENT_FINALISED = "assessment_finalised"
    PLAN_COMPLETED = "plan_completed"
    PLAN_OVERDUE = "plan_overdue"


@dataclass(frozen=True)
class DomainEvent:
    id: uuid.UUID
    tenant_id: uuid.UUID
    type: EventType
    occurred_at: datetime
    employee_id: uuid.UUID | None = None
    """Whom it is about: the person a workflow's event trigger would open an assessment for."""
    subject_id: uuid.UUID | None = None
    """The assessment or plan it is about, if any."""
    data: Mapping[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    """Set for an event that happens once per subject (a plan going overdue): recording it
    again changes nothing."""

    @classmethod
    def of(
        cls,
        tenant_id: uuid.UUID,
        type: EventType,
        now: datetime,
        *,
        employee_id: uuid.UUID | None = None,
        subject_id: uuid.UUID | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> "DomainEvent":
        return cls(new_id(), tenant_id, type, now, employee_id, subject_id, dict(data or {}))

    def payload(self) -> dict[str, Any]:
        """The Standard Webhooks body: type, timestamp and data (ids as strings)."""
        data = {
            "event_id": str(self.id),
            **({"employee_id": str(self.employee_id)} if self.employee_id else {}),
            **({"subject_id": str(self.subject_id)} if self.subject_id else {}),
            **self.data,
        }
        return {"type": self.type.value, "timestamp": self.occurred_at.isoformat(), "data": data}

    def body(self) -> bytes:
        return json.dumps(self.payload(), separators=(",", ":"), sort_keys=True).encode()


def driven_by(workflow_id: uuid.UUID | None) -> dict[str, str]:
    """Event data naming the workflow whose loop the event comes from, if any: that
    workflow does not fire on its own loop's events."""
    return {} if workflow_id is None else {"workflow_id": str(workflow_id)}
