"""Bulk operations: per-row outcomes, and the fingerprint that makes a retried call safe."""

import hashlib
import json
from dataclasses import asdict, dataclass, is_dataclass
from enum import StrEnum

from app.domain.errors import FieldError, InvalidInput

MAX_BULK_ROWS = 10_000


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class RowResult:
    index: int
    status: RowStatus
    id: str | None = None
    reference: str | None = None
    """How the row named its subject (an external id, a key), to match results to input."""
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True)
class BulkResult:
    rows: tuple[RowResult, ...]

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status is status)

    def to_json(self) -> dict:
        return {
            "rows": [
                {
                    "index": row.index,
                    "status": row.status.value,
                    "id": row.id,
                    "reference": row.reference,
                    "errors": [{"field": e.field, "message": e.message} for e in row.errors],
                }
                for row in self.rows
            ]
        }

    @classmethod
    def from_json(cls, document: dict) -> "BulkResult":
        return cls(
            rows=tuple(
                RowResult(
                    index=row["index"],
                    status=RowStatus(row["status"]),
                    id=row["id"],
                    reference=row["reference"],
                    errors=tuple(FieldError(**error) for error in row["errors"]),
                )
                for row in document["rows"]
            )
        )


def check_batch_size(count: int) -> None:
    if not 1 <= count <= MAX_BULK_ROWS:
        raise InvalidInput(
            "The batch size is out of range.",
            [FieldError("rows", f"Send 1 to {MAX_BULK_ROWS} rows per call.")],
        )


def fingerprint(payload: object) -> str:
    """A stable digest of a request's content, to tell a retry from a different request."""

    def plain(value: object) -> object:
        if is_dataclass(value) and not isinstance(value, type):
            return normalised(asdict(value))
        if isinstance(value, set | frozenset):
            return sorted((normalised(item) for item in value), key=repr)
        return str(value)

    def normalised(value: object) -> object:
        # JSON needs text keys, and sets have no order of their own.
        if isinstance(value, dict):
            return {str(key): normalised(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [normalised(item) for item in value]
        return value

    canonical = json.dumps(
        normalised(payload), default=plain, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
