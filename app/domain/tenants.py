"""Tenants (organisations) and the API keys that let a caller act inside one."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from app.domain.errors import FieldError, InvalidInput, InvalidTransition
from app.domain.identity import Role
from app.domain.ids import new_id
from app.domain.values import check_name

API_KEY_SCHEME = "tdm"
PREFIX_BYTES = 6
SECRET_BYTES = 24
LAST_USED_PRECISION = timedelta(minutes=5)
MAX_KEY_LIFETIME = timedelta(days=3653)


@dataclass(frozen=True)
class Tenant:
    id: uuid.UUID
    name: str
    created_at: datetime
    active: bool = True

    @classmethod
    def create(cls, name: str, now: datetime) -> "Tenant":
        errors: list[FieldError] = []
        cleaned = check_name(name, "name", errors)
        if errors:
            raise InvalidInput("The tenant cannot be created.", errors)
        return cls(id=new_id(), name=cleaned, created_at=now)


@dataclass(frozen=True)
class ApiKey:
    """A stored API key: its visible prefix and a salted hash of its secret, never the secret.

    A key reads `tdm_<prefix>_<secret>`. The prefix finds the row; the salted SHA-256 of the
    secret, compared in constant time, proves the caller holds it. SHA-256 rather than a slow
    password hash is enough because the secret is 192 random bits, not something a person chose.
    """

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    prefix: str
    secret_hash: str
    salt: str
    roles: frozenset[Role]
    created_at: datetime
    employee_id: uuid.UUID | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, _hash_secret(self.salt, secret))

    def record_use(self, now: datetime) -> "ApiKey | None":
        """The key with `last_used_at` moved to `now`, or None while the stored value is recent
        enough: recording every use would turn each read request into a write."""
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_PRECISION:
            return None
        return replace(self, last_used_at=now)

    def revoke(self, now: datetime) -> "ApiKey":
        if self.revoked_at is not None:
            raise InvalidTransition(f"API key {self.id} is already revoked.")
        return replace(self, revoked_at=now)


@dataclass(frozen=True)
class IssuedApiKey:
    """A key just created: the only moment its plaintext exists."""

    key: ApiKey
    plaintext: str = field(repr=False)


@dataclass(frozen=True)
class PresentedApiKey:
    prefix: str
    secret: str = field(repr=False)


def issue_api_key(
    tenant_id: uuid.UUID,
    *,
    name: str,
    roles: frozenset[Role],
    now: datetime,
    employee_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> IssuedApiKey:
    """Create a key with fresh random material; refuse keys that could never be used."""
    errors: list[FieldError] = []
    cleaned_name = check_name(name, "name", errors)
    if not roles:
        errors.append(FieldError("roles", "Give the key at least one role."))
    if expires_at is not None and expires_at.tzinfo is None:
        errors.append(FieldError("expires_at", "Give a time zone offset, e.g. 2027-01-31T00:00Z."))
    elif expires_at is not None and expires_at <= now:
        errors.append(FieldError("expires_at", "Must be in the future."))
    elif expires_at is not None and expires_at - now > MAX_KEY_LIFETIME:
        errors.append(FieldError("expires_at", "Must be within ten years; omit it for no expiry."))
    if errors:
        raise InvalidInput("The API key cannot be created.", errors)
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    salt = secrets.token_hex(16)
    key = ApiKey(
        id=new_id(),
        tenant_id=tenant_id,
        name=cleaned_name,
        prefix=prefix,
        secret_hash=_hash_secret(salt, secret),
        salt=salt,
        roles=roles,
        created_at=now,
        employee_id=employee_id,
        expires_at=expires_at,
    )
    return IssuedApiKey(key=key, plaintext=f"{API_KEY_SCHEME}_{prefix}_{secret}")


def parse_api_key(text: str) -> PresentedApiKey | None:
    """Split a presented key into prefix and secret; None when it is not shaped like one."""
    scheme, _, rest = text.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != API_KEY_SCHEME or len(prefix) != PREFIX_BYTES * 2 or not secret:
        return None
    return PresentedApiKey(prefix=prefix, secret=secret)


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Keys revoked or expired before this instant are no longer kept."""
    return now - timedelta(days=retention_days)


def _hash_secret(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()
