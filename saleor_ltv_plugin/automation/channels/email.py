"""E-mail through the shop's own SMTP server or Django's configured backend: SMTP two-phase,
anything else (anymail …) plainly."""

from __future__ import annotations

from email.errors import MessageError
from typing import Callable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.utils.module_loading import import_string

from . import DEAD, LOST_LEASE, RETRY, SENT, Outcome
from .smtp import SmtpServer, TwoPhaseSMTP


def uses_smtp() -> bool:
    try:
        return issubclass(import_string(settings.EMAIL_BACKEND), DjangoSMTPBackend)
    except ImportError:
        return False


class BackendSender:
    """A provider API (django-anymail) or a test backend: hand over, send, and the outbox marks it sent.

    A crash after the hand-over leaves the row committing; the sweeper sends it again with
    the same Message-ID, which the provider or the mailbox can fold.
    """

    def __init__(self):
        self.connection = get_connection(fail_silently=False)

    def send(self, email: EmailMessage, commit: Callable[[], bool]) -> Outcome:
        try:  # built here first, so a bad header is this message's permanent error, not a retry
            email.message()
        except (ValueError, MessageError) as exc:
            return Outcome(DEAD, f"cannot build the message: {type(exc).__name__}: {exc}")
        if not commit():
            return Outcome(LOST_LEASE, "another worker owns the row")
        try:
            sent = self.connection.send_messages([email])
        except Exception as exc:  # providers raise their own error classes
            return Outcome(RETRY, f"{type(exc).__name__}: {exc}")
        if not sent:
            return Outcome(RETRY, "the backend sent nothing")
        return Outcome(SENT)

    def close(self, polite: bool = True) -> None:
        try:
            self.connection.close()
        except Exception:
            pass


def sender(shop=None):
    """The mail path for `shop` (its ChannelSettings): its own server when it names one, else the
    deployment's (two-phase SMTP, or the configured backend)."""
    server = SmtpServer.of(shop) if shop is not None else None
    if server is not None:
        return TwoPhaseSMTP(server)
    return TwoPhaseSMTP() if uses_smtp() else BackendSender()


def connection_name(shop=None) -> str:
    """One connection per mail server in a send run (channels may name different servers)."""
    server = SmtpServer.of(shop) if shop is not None else None
    return "mail" if server is None else f"mail:{server.host}:{server.port}:{server.username}"
