"""Mailing the outbox over SMTP, when a mail server is configured.

The job queue's clock calls ``deliver_outbox`` every minute. Each message is claimed with one
conditional update before it is sent, so two workers do not send it twice; a failure is retried
after 2, 4, 8 and 16 minutes and then marked ``failed`` with the server's answer. A worker that
dies while sending leaves its claim, which lapses after ``CLAIM_MINUTES`` and is retried.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.outbox import MAX_ATTEMPTS, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

CLAIM_MINUTES = 15
BATCH = 100  # messages one run sends at most, so a backlog does not hold one worker for long


def email_of(settings: Settings, message: OutboxMessage) -> EmailMessage:
    """The message as an email (plain text; the key goes in a header for tracing)."""
    email = EmailMessage()
    email["From"] = formataddr(
        (f"{settings.state_name} {settings.portal_name}", settings.mail_from)
    )
    email["To"] = formataddr((message.recipient_name, message.recipient))
    email["Subject"] = " ".join(message.subject.split())  # a header holds no line breaks
    email["Message-ID"] = make_msgid(domain=settings.mail_from.rsplit("@", 1)[1])
    email["X-Statedata-Key"] = message.key
    email.set_content(message.body)
    return email


def _connect(settings: Settings) -> smtplib.SMTP:
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "tls":
        return smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    if settings.smtp_security == "starttls":
        server.starttls(context=ssl.create_default_context())
    return server


def send_emails(settings: Settings, emails: list[tuple[int, EmailMessage]]) -> dict[int, str]:
    """Send over one connection; the error of each message that failed, by its id."""
    failures: dict[int, str] = {}
    try:
        with _connect(settings) as server:
            if settings.smtp_username:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                server.login(settings.smtp_username, password)
            for message_id, email in emails:
                try:
                    server.send_message(email)
                except (smtplib.SMTPException, ValueError) as exc:  # this one; others may go
                    failures[message_id] = _describe(exc)
    except (OSError, smtplib.SMTPException) as exc:  # the server: every unsent message failed
        reason = f"{settings.smtp_host}:{settings.smtp_port}: {_describe(exc)}"
        for message_id, _ in emails:
            failures.setdefault(message_id, reason)
    return failures


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"the mail server answered {exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = [
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in exc.recipients.values()
        ]
        return f"the mail server refused the recipient: {'; '.join(answers)}"
    return str(exc) or type(exc).__name__


def _claim(session: Session, message_id: int, attempts: int, now: datetime) -> bool:
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts)
        .where(OutboxMessage.attempts < MAX_ATTEMPTS)
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        .values(
            status=OutboxStatus.SENDING,
            attempts=attempts + 1,
            next_attempt_at=now + timedelta(minutes=CLAIM_MINUTES),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _fail_lapsed_claims(session: Session, now: datetime) -> None:
    """A message whose last allowed attempt was claimed and never finished has failed."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.attempts >= MAX_ATTEMPTS,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(
            status=OutboxStatus.FAILED,
            next_attempt_at=None,
            last_error=f"the mailer stopped while sending it, {MAX_ATTEMPTS} times",
        )
        .execution_options(synchronize_session=False)
    )


def deliver_outbox(
    settings: Settings,
    factory: sessionmaker[Session],
    enqueue: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Mail the messages whose time has come; how many were sent and how many failed."""
    if not settings.smtp_host:
        return {"sent": 0, "failed": 0}
    now = now or utcnow()
    with unit_of_work(factory) as session:
        _fail_lapsed_claims(session, now)
        due = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts)
            .where(
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .order_by(OutboxMessage.id)
            .limit(BATCH)
        ).all()
        claimed = [mid for mid, attempts in due if _claim(session, mid, attempts, now)]
        emails, failures = [], {}
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))):
            try:
                emails.append((message.id, email_of(settings, message)))
            except ValueError as exc:  # e.g. a line break in an address
                failures[message.id] = f"it cannot be written as an email: {exc}"
    if emails:
        failures |= send_emails(settings, emails)
    with unit_of_work(factory) as session:
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))):
            if message.id not in failures:
                message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, ""
                message.next_attempt_at = None
                continue
            message.last_error = failures[message.id]
            if message.attempts >= MAX_ATTEMPTS:
                message.status, message.next_attempt_at = OutboxStatus.FAILED, None
            else:
                message.status = OutboxStatus.PENDING
                message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
    if failures:
        log.warning("%s of %s messages could not be mailed", len(failures), len(claimed))
    return {"sent": len(claimed) - len(failures), "failed": len(failures)}
