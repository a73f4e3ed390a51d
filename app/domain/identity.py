"""Who is calling: the actor every use case receives first, with its tenant and roles."""

import uuid
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import Forbidden


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    HR_ADMIN = "hr_admin"
    INTEGRATION = "integration"


@dataclass(frozen=True)
class Actor:
    """An authenticated caller, always inside exactly one tenant.

    `employee_id` is the person the credential speaks for (a JWT `sub`, or an API key bound to an
    employee); integration and admin keys may have none.
    """

    tenant_id: uuid.UUID
    roles: frozenset[Role]
    employee_id: uuid.UUID | None = None
    credential_id: str | None = None

    def has_any(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def require_any(self, *roles: Role) -> None:
        """Raise Forbidden unless the actor holds at least one of `roles`."""
        if not self.has_any(*roles):
            allowed = ", ".join(sorted(role.value for role in roles))
            raise Forbidden(f"This needs one of the roles: {allowed}.")
