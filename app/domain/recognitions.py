"""Recognition: a manager or a peer thanks an employee, perhaps for a capability they showed
or a goal of theirs. It is given by a person (never by a system) and never to oneself; once
given it stays as written."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import FieldError, InvalidInput
from app.domain.ids import new_id
from app.domain.values import check_text

MESSAGE_MAX_LENGTH = 2_000


@dataclass(frozen=True)
class Recognition:
    id: uuid.UUID
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    """Who is recognised."""
    given_by: uuid.UUID
    """The employee who recognises them."""
    message: str
    capability_id: uuid.UUID | None
    goal_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def give(
        cls,
        tenant_id: uuid.UUID,
        *,
        employee_id: uuid.UUID,
        given_by: uuid.UUID,
        message: str,
        capability_id: uuid.UUID | None = None,
        goal_id: uuid.UUID | None = None,
        goal_owner: uuid.UUID | None = None,
        now: datetime,
    ) -> "Recognition":
        """`goal_owner` is the employee whose goal `goal_id` is (None: nobody's, or no such
        goal). Raises InvalidInput."""
        errors: list[FieldError] = []
        if employee_id == given_by:
            errors.append(FieldError("employee_id", "Recognise someone other than yourself."))
        before = len(errors)
        cleaned = check_text(message, "message", errors)
        if len(errors) == before and not 1 <= len(cleaned) <= MESSAGE_MAX_LENGTH:
            errors.append(FieldError("message", f"Give 1 to {MESSAGE_MAX_LENGTH} characters."))
        if goal_id is not None and goal_owner != employee_id:
            errors.append(FieldError("goal_id", "Not a goal of the employee recognised."))
        if errors:
            raise InvalidInput("The recognition is not valid.", errors)
        return cls(new_id(), tenant_id, employee_id, given_by, cleaned, capability_id, goal_id, now)


@dataclass(frozen=True)
class RecognitionFilter:
    employee_id: uuid.UUID | None = None
    given_by: uuid.UUID | None = None
    visible_to: uuid.UUID | None = None
    """Only recognition this person gave, or received, or (when `managing`) that people below
    them received."""
    managing: bool = False
