"""Email delivery: over SMTP with the standard library, or to the log in the embedded mode."""

import asyncio
import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime

from app.domain.notifications import Attempt, EmailMessage

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 200


class SmtpEmailSender:
    def __init__(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        sender: str,
        starttls: bool,
        timeout: float,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("an SMTP username and password are given together or not at all")
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._sender = sender
        self._starttls = starttls
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> Attempt:
        try:
            mime = self._mime(message)
        except ValueError as error:
            # A header with a line break in it can never be sent: a retry would fail alike.
            return Attempt(ok=False, permanent=True, error=_describe(error))
        try:
            # smtplib blocks; a thread keeps the event loop serving while the server answers.
            await asyncio.to_thread(self._submit, mime)
        # The port never raises: any failure is an attempt, retried unless refused for good.
        except Exception as error:
            return Attempt(ok=False, permanent=_refused_for_good(error), error=_describe(error))
        return Attempt(ok=True)

    def _mime(self, message: EmailMessage) -> MimeMessage:
        mime = MimeMessage()
        # The same Message-ID on every retry lets a receiving server drop a duplicate.
        mime["Message-ID"] = f"<{message.message_id}@tandem>"
        mime["Date"] = format_datetime(datetime.now(UTC))
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime.set_content(message.body)
        return mime

    def _submit(self, mime: MimeMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                # smtplib's own default context checks neither the certificate nor the host name.
                smtp.starttls(context=ssl.create_default_context())
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password)
            smtp.send_message(mime)


class ConsoleEmailSender:
    """The embedded mode's sender: each email goes to the log, where a developer can read it."""

    async def send(self, message: EmailMessage) -> Attempt:
        logger.info(
            "Email (console)",
            extra={
                "to": message.to,
                "subject": message.subject,
                "message_id": message.message_id,
                "body": message.body,
            },
        )
        return Attempt(ok=True)


def _refused_for_good(error: Exception) -> bool:
    """Whether the server refused this very message with a 5xx reply, at RCPT or DATA. A 4xx
    reply (greylisting, a full mailbox) asks for a later try; a 5xx about the session (connect,
    HELO, STARTTLS, login, our sender address) is a fault of the configuration, which retries
    outlast until someone mends it, rather than dead-lettering every email meanwhile."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        replies = [(error.smtp_code, error.smtp_error)]
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return text[:MAX_ERROR_LENGTH]
    # The server's own words, not the bytes repr smtplib's exceptions print.
    said = "; ".join(f"{code} {_decode(reply)}" for code, reply in replies)
    return f"{type(error).__name__}: {said}"[:MAX_ERROR_LENGTH]


def _decode(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
