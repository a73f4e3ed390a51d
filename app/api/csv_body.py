"""CSV over HTTP: a `text/csv` request body read as UTF-8 text, and a CSV response."""

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response

from app.domain.errors import FieldError, InvalidInput
from app.domain.framework_csv import MAX_CSV_BYTES

CSV_MEDIA_TYPE = "text/csv"
_UTF8 = frozenset({"utf-8", "utf8"})
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")

CSV_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            CSV_MEDIA_TYPE: {
                "schema": {
                    "type": "string",
                    "description": f"UTF-8 CSV with a header row, at most "
                    f"{MAX_CSV_BYTES // (1024 * 1024)} MB.",
                }
            }
        },
    }
}
CSV_RESPONSE_CONTENT = {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}


class CsvResponse(Response):
    media_type = CSV_MEDIA_TYPE  # Starlette adds `; charset=utf-8` to text types


def attachment(response: Response, stem: str) -> None:
    """Offer the body as a download named after `stem` (made safe for file systems)."""
    filename = _UNSAFE_IN_FILENAME.sub("_", stem)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'


async def read_csv_body(request: Request) -> str:
    """The body as text. 415 unless it is `text/csv` (UTF-8 if a charset is named); 422 on
    `body` when it is too large or not UTF-8. Read in chunks so an oversized upload is refused
    without holding all of it in memory."""
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    if media_type.strip().lower() != CSV_MEDIA_TYPE or not _names_utf8(parameters):
        raise HTTPException(415, "Send the CSV as `Content-Type: text/csv` in UTF-8.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CSV_BYTES:
            raise InvalidInput(
                "The CSV is too large.",
                [FieldError("body", f"Send at most {MAX_CSV_BYTES // (1024 * 1024)} MB.")],
            )
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            "The CSV is not UTF-8 text.",
            [FieldError("body", f"Byte {error.start} is not valid UTF-8; save the file as UTF-8.")],
        ) from None


def _names_utf8(parameters: str) -> bool:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() in _UTF8
    return True


CsvBodyDep = Annotated[str, Depends(read_csv_body)]
