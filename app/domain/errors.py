"""Domain errors. They carry no transport status: each adapter maps them once."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One reason an input was refused; `field` is a dotted path such as `body.roles.0`."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error the domain or the services raise on purpose."""

    code = "domain_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The thing does not exist, or exists in another tenant (the caller cannot tell which)."""

    code = "not_found"

    def __init__(self, kind: str, identifier: object) -> None:
        super().__init__(f"{kind} {identifier} was not found.")
        self.kind = kind
        self.identifier = identifier


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule; `errors` says where."""

    code = "invalid_input"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []

    def relocated(self, roots: dict[str, str]) -> "InvalidInput":
        """The same error with field paths whose first part is a key of `roots` renamed,
        for an adapter that took those fields from somewhere else than the body."""

        def moved(path: str) -> str:
            root, dot, rest = path.partition(".")
            return f"{roots[root]}{dot}{rest}" if root in roots else path

        return InvalidInput(
            self.detail, [FieldError(moved(e.field), e.message) for e in self.errors]
        )


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a concurrent change)."""

    code = "conflict"


class InvalidTransition(Conflict):
    """A lifecycle move the state machine does not allow from the current state."""

    code = "invalid_transition"


class Unauthenticated(DomainError):
    """No credentials, or credentials that do not prove who the caller is."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """The caller is known but their roles do not allow this."""

    code = "forbidden"


class Unavailable(DomainError):
    """A dependency (the database) could not be reached or dropped the connection: nothing
    was changed, and the same request may be sent again."""

    code = "service_unavailable"


class PreconditionFailed(DomainError):
    """The caller's copy is stale: the If-Match version is not the current one."""

    code = "precondition_failed"


class IdempotencyKeyReused(InvalidInput):
    """An Idempotency-Key already used for a different request by the same caller."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used for a different request; use a new key.",
            [
                FieldError(
                    "header.idempotency-key", "Already used with another payload or endpoint."
                )
            ],
        )
