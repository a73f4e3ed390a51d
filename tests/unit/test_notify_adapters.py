"""The webhook sender against mock HTTP receivers, the SMTP sender against a real local SMTP
server, and the console sender against the log."""

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope
from standardwebhooks.webhooks import Webhook

from app.adapters.notify.email import ConsoleEmailSender, SmtpEmailSender
from app.adapters.notify.webhooks import HttpxWebhookSender
from app.domain.notifications import Attempt, EmailMessage, WebhookMessage, new_webhook_secret

SECRET = new_webhook_secret()
BODY = b'{"type": "plan.created", "data": {"id": "pln_1"}}'
SMTP_USER, SMTP_PASSWORD = "tandem", "correct horse battery staple"
SENDER = "Tandem <tandem@example.com>"


def webhook(url: str = "https://hooks.example.com/in?token=s3cret") -> WebhookMessage:
    return WebhookMessage("msg_1", url, BODY, (SECRET,))


async def deliver(
    handler: Callable[[httpx.Request], object], sender_timeout: float = 10.0, **client_options
) -> Attempt:
    transport = httpx.MockTransport(handler)
    async with httpx.AsyncClient(transport=transport, **client_options) as client:
        return await HttpxWebhookSender(client, sender_timeout).send(webhook(), datetime.now(UTC))


async def test_a_2xx_is_delivered_with_headers_the_receiver_verifies():
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    assert await deliver(receiver) == Attempt(ok=True, status_code=204)
    [request] = received
    assert request.method == "POST"
    assert str(request.url) == webhook().url
    Webhook(SECRET).verify(request.content, dict(request.headers), json_parse=False)


@pytest.mark.parametrize(
    ("status_code", "attempt"),
    [
        (200, Attempt(ok=True, status_code=200)),
        (500, Attempt(ok=False, status_code=500, error="HTTP 500")),
        (429, Attempt(ok=False, status_code=429, error="HTTP 429")),
        (410, Attempt(ok=False, status_code=410, error="HTTP 410 Gone", permanent=True)),
    ],
)
async def test_the_status_code_decides_the_attempt(status_code, attempt):
    assert await deliver(lambda request: httpx.Response(status_code, text="ignored")) == attempt


async def test_a_redirect_is_not_followed_even_by_a_client_that_would():
    requested: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(302, headers={"location": "https://elsewhere.example.com/"})

    attempt = await deliver(receiver, follow_redirects=True)

    assert attempt == Attempt(
        ok=False, status_code=302, error="redirect to another URL is not followed"
    )
    assert requested == [webhook().url]


async def test_a_transport_error_is_retryable_and_keeps_the_url_token_out_of_the_error():
    def receiver(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"[Errno 111] Connection refused: {request.url}", request=request)

    attempt = await deliver(receiver)

    assert attempt.ok is False
    assert attempt.permanent is False
    assert attempt.status_code is None
    assert attempt.error == (
        "ConnectError: [Errno 111] Connection refused: https://hooks.example.com/in"
    )


async def test_an_error_text_is_cut_at_200_characters():
    def receiver(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("x" * 500, request=request)

    attempt = await deliver(receiver)
    assert attempt.error is not None
    assert len(attempt.error) == 200


async def test_a_receiver_slower_than_the_timeout_is_a_retryable_failure():
    async def receiver(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    attempt = await deliver(receiver, sender_timeout=0.05)
    assert attempt == Attempt(ok=False, error="TimeoutError: no response within 0.05s")


async def test_only_the_start_of_a_large_response_body_is_read():
    chunks_read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        while True:
            chunks_read += 1
            yield b"x" * 1024

    attempt = await deliver(lambda request: httpx.Response(200, content=endless()))

    assert attempt == Attempt(ok=True, status_code=200)
    assert chunks_read <= 5


class Mailbox:
    """An aiosmtpd handler keeping what it accepts; some recipients it refuses."""

    REFUSALS = {
        "nobody@example.com": "550 5.1.1 No such user",
        "busy@example.com": "450 4.2.0 Greylisted, try again later",
    }

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.REFUSALS:
            return self.REFUSALS[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    credentials = (auth_data.login, auth_data.password)
    # handled=False: aiosmtpd itself is to answer 535 to a refusal.
    return AuthResult(
        success=credentials == (SMTP_USER.encode(), SMTP_PASSWORD.encode()), handled=False
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    # AUTH is offered without TLS only because this server listens on loopback for one test.
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


def smtp_sender(port: int, password: str | None = SMTP_PASSWORD) -> SmtpEmailSender:
    username = SMTP_USER if password is not None else None
    return SmtpEmailSender("127.0.0.1", port, username, password, SENDER, False, 5.0)


def email(to: str = "zoe@example.com", subject: str = "Your plan, Zoë") -> EmailMessage:
    return EmailMessage("ntf_1", to, subject, "Hello Zoë,\n\nYour plan is ready.\n")


async def test_an_email_arrives_with_its_headers_and_body(smtp_server):
    port, mailbox = smtp_server

    assert await smtp_sender(port).send(email()) == Attempt(ok=True)

    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "tandem@example.com"
    assert envelope.rcpt_tos == ["zoe@example.com"]
    assert isinstance(envelope.content, bytes)
    received = message_from_bytes(envelope.content, policy=policy.default)
    assert received["Message-ID"] == "<ntf_1@tandem>"
    assert received["From"] == SENDER
    assert received["To"] == "zoe@example.com"
    assert received["Subject"] == "Your plan, Zoë"
    assert received["Date"] is not None
    assert received.get_content_type() == "text/plain"
    assert received.get_content().replace("\r\n", "\n") == "Hello Zoë,\n\nYour plan is ready.\n"


async def test_a_server_without_authentication_is_used_without_logging_in(smtp_server):
    port, mailbox = smtp_server
    assert await smtp_sender(port, password=None).send(email()) == Attempt(ok=True)
    assert len(mailbox.envelopes) == 1


async def test_a_recipient_refused_with_5xx_is_a_permanent_failure(smtp_server):
    port, mailbox = smtp_server

    attempt = await smtp_sender(port).send(email(to="nobody@example.com"))

    assert attempt == Attempt(
        ok=False, permanent=True, error="SMTPRecipientsRefused: 550 5.1.1 No such user"
    )
    assert mailbox.envelopes == []


async def test_a_recipient_refused_with_4xx_is_retried(smtp_server):
    port, _ = smtp_server
    attempt = await smtp_sender(port).send(email(to="busy@example.com"))
    assert (attempt.ok, attempt.permanent) == (False, False)
    assert attempt.error is not None
    assert "450" in attempt.error


async def test_a_refused_login_is_retried_and_the_password_stays_out_of_it(smtp_server, caplog):
    port, mailbox = smtp_server

    with caplog.at_level(logging.DEBUG, logger="app"):
        attempt = await smtp_sender(port, password="wrong password").send(email())

    assert (attempt.ok, attempt.permanent) == (False, False)
    assert attempt.error is not None
    assert attempt.error.startswith("SMTPAuthenticationError: 535")
    assert "wrong password" not in attempt.error
    assert caplog.records == []
    assert mailbox.envelopes == []


async def test_an_unreachable_server_is_a_retryable_failure():
    attempt = await smtp_sender(free_port()).send(email())
    assert (attempt.ok, attempt.permanent) == (False, False)
    assert attempt.error is not None
    assert attempt.error.startswith("ConnectionRefusedError")


async def test_a_subject_with_a_line_break_is_refused_for_good_without_connecting():
    attempt = await smtp_sender(free_port()).send(email(subject="Hi\nBcc: everyone@example.com"))
    assert (attempt.ok, attempt.permanent) == (False, True)


def test_a_username_without_a_password_is_a_configuration_error():
    with pytest.raises(ValueError, match="together"):
        SmtpEmailSender("localhost", 25, SMTP_USER, None, SENDER, True, 5.0)


async def test_the_console_sender_logs_the_email_and_nothing_else(caplog):
    standard = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    with caplog.at_level(logging.INFO, logger="app.adapters.notify.email"):
        attempt = await ConsoleEmailSender().send(email())

    assert attempt == Attempt(ok=True)
    [record] = caplog.records
    assert (record.name, record.levelno, record.getMessage()) == (
        "app.adapters.notify.email",
        logging.INFO,
        "Email (console)",
    )
    fields = {key: value for key, value in record.__dict__.items() if key not in standard}
    assert fields == {
        "to": "zoe@example.com",
        "subject": "Your plan, Zoë",
        "message_id": "ntf_1",
        "body": "Hello Zoë,\n\nYour plan is ready.\n",
    }
