"""Small value rules shared by every entity: keys, names, free text."""

import re

from app.domain.errors import FieldError, InvalidInput

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")
# Control characters (but tab and newline in free text) corrupt exports and are refused by
# PostgreSQL (NUL); nobody means them in a name.
# Lone surrogates cannot be stored as UTF-8 at all.
NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
NAME_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10_000


def check_key(value: str, field: str, errors: list[FieldError]) -> str:
    """A customer-chosen identifier (role key, scale key): 1-100 of letters, digits and ._:/-"""
    if not KEY_PATTERN.match(value):
        errors.append(
            FieldError(field, "Use 1 to 100 letters, digits or . _ : / -, starting alphanumeric.")
        )
    return value


def check_name(value: str, field: str, errors: list[FieldError]) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
        errors.append(FieldError(field, f"Give 1 to {NAME_MAX_LENGTH} characters."))
    elif NAME_FORBIDDEN.search(cleaned):
        errors.append(FieldError(field, "Control characters are not allowed."))
    return cleaned


def check_text(value: str, field: str, errors: list[FieldError]) -> str:
    cleaned = value.strip()
    if len(cleaned) > TEXT_MAX_LENGTH:
        errors.append(FieldError(field, f"Give at most {TEXT_MAX_LENGTH} characters."))
    elif TEXT_FORBIDDEN.search(cleaned):
        errors.append(FieldError(field, "Control characters are not allowed."))
    return cleaned


def check_reference(value: str, field: str, errors: list[FieldError]) -> str:
    """Text that names something elsewhere (an external id, a search term): at most 200
    characters and no control characters, which PostgreSQL refuses outright."""
    cleaned = value.strip()
    if len(cleaned) > NAME_MAX_LENGTH:
        errors.append(FieldError(field, f"Give at most {NAME_MAX_LENGTH} characters."))
    elif NAME_FORBIDDEN.search(cleaned):
        errors.append(FieldError(field, "Control characters are not allowed."))
    return cleaned


def checked_filter(value: str | None, field: str) -> str | None:
    """A filter or search term from a query, or InvalidInput naming the parameter."""
    if value is None:
        return None
    errors: list[FieldError] = []
    cleaned = check_reference(value, field, errors)
    if errors:
        raise InvalidInput("The filter is not acceptable.", errors)
    return cleaned


class Unset:
    """Marks a field a partial update leaves as it is (distinct from None, which clears)."""

    _instance = None

    def __new__(cls) -> "Unset":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET = Unset()
