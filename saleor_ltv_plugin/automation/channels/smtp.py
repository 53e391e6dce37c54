"""SMTP with the outbox's hand-over between the message body and its final dot.

A worker killed before the hand-over leaves the DATA unterminated; the server drops the
connection's message (RFC 5321 §4.1.1.4), the lease runs out, and the row is sent
again: no duplicate. From the hand-over on the row is `committing`, and only the server's
250 to the final dot makes it `sent`. A worker killed in that window, or a reply lost after
the dot (RFC 1047), leaves a row whose message the server may or may not have: the sweeper
sends it again with the same Message-ID, a copy the receiver can fold — never a row that
says sent for a message that was not accepted.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.errors import MessageError
from typing import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

from . import DEAD, LOST_LEASE, RETRY, SENT, UNCONFIRMED, Outcome
from .webhook import BlockedAddress, vet_address

_LINE_START_DOT = re.compile(rb"(?m)^\.")
_BARE_EOL = re.compile(rb"(?:\r\n|\n|\r(?!\n))")


class SMTPError(Exception):
    def __init__(self, code: int, text: str):
        self.code, self.text = code, text
        super().__init__(f"{code} {text}")


def _check(code: int, response: bytes | str, accepted: tuple[int, ...]) -> None:
    if code not in accepted:
        raise SMTPError(code, response.decode(errors="replace") if isinstance(response, bytes) else str(response))


def _envelope(email: EmailMessage) -> tuple[str, list[str], bytes]:
    """MAIL FROM, RCPT TO and the dot-stuffed DATA; raises ValueError for what cannot be sent."""
    encoding = email.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(email.from_email, encoding)
    recipients = [sanitize_address(a, encoding) for a in email.recipients()]
    data = _BARE_EOL.sub(b"\r\n", email.message().as_bytes(linesep="\r\n"))
    body = _LINE_START_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return sender, recipients, body


@dataclass(frozen=True)
class SmtpServer:
    """A shop's own mail server (the smtp_* settings), in place of the deployment's EMAIL_*."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    security: str = "starttls"  # starttls, ssl or none

    @classmethod
    def of(cls, shop) -> "SmtpServer | None":
        if not getattr(shop, "smtp_host", ""):
            return None
        # conf refuses a password without encryption; a per-channel mix could still make one: never send it
        password = shop.smtp_password if shop.smtp_security != "none" else ""
        return cls(shop.smtp_host, shop.smtp_port, shop.smtp_username, password, shop.smtp_security)


class _Pinned:
    """Connects to the one address vetted for the host name; TLS (SNI, the certificate check) and
    EHLO still use the name."""

    def __init__(self, address: str, **kwargs):
        self._address = address
        super().__init__(**kwargs)

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((self._address, port), timeout, self.source_address)
        if isinstance(self, smtplib.SMTP_SSL):
            return self.context.wrap_socket(sock, server_hostname=self._host)
        return sock


class _PinnedSMTP(_Pinned, smtplib.SMTP):
    pass


class _PinnedSMTPSSL(_Pinned, smtplib.SMTP_SSL):
    pass


class TwoPhaseSMTP:
    """One connection, reused for a batch: to the shop's own server when it has one (its address
    vetted like a staff webhook's: a shop admin must not make our workers talk to the deployment's
    private network), else configured like Django's SMTP backend."""

    def __init__(self, server: SmtpServer | None = None):
        self.server = server
        if server is None:
            self.host, self.port = settings.EMAIL_HOST, settings.EMAIL_PORT
            self.username, self.password = settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD
            self.use_tls, self.use_ssl = settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL
        else:
            self.host, self.port, self.username, self.password = server.host, server.port, server.username, server.password
            self.use_tls, self.use_ssl = server.security == "starttls", server.security == "ssl"
        self.timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
        self.connection: smtplib.SMTP | None = None

    def _connect(self, context) -> smtplib.SMTP:
        if self.server is None:
            if self.use_ssl:
                return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            return smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        address = vet_address(self.host, self.port)  # BlockedAddress: a retry (a setting to fix), said why
        if self.use_ssl:
            return _PinnedSMTPSSL(address, host=self.host, port=self.port, timeout=self.timeout, context=context)
        return _PinnedSMTP(address, host=self.host, port=self.port, timeout=self.timeout)

    def _open(self) -> smtplib.SMTP:
        if self.connection is None:
            context = ssl.create_default_context()
            conn = self._connect(context)
            if self.use_tls and not self.use_ssl:
                conn.starttls(context=context)
            # The final dot goes out as its own small write: without NODELAY, Nagle's algorithm
            # holds it until the server's delayed ACK (~40 ms a message).
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.ehlo_or_helo_if_needed()
            if self.username and self.password:
                conn.login(self.username, self.password)
            self.connection = conn
        return self.connection

    def connect(self) -> None:
        """Open the connection (TLS, login) now: what the setup check calls to prove the settings."""
        self._open()

    def close(self, polite: bool = True) -> None:
        if self.connection is not None:
            try:
                if polite:
                    self.connection.quit()
                else:  # mid-DATA: drop the socket so the server discards the message
                    self.connection.close()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def send(self, email: EmailMessage, commit: Callable[[], bool]) -> Outcome:
        try:
            sender, recipients, body = _envelope(email)
        except (ValueError, MessageError) as exc:  # a bad address or header: this message never will build
            return Outcome(DEAD, f"cannot build the message: {type(exc).__name__}: {exc}")
        try:
            conn = self._open()
            _check(*conn.mail(sender), (250,))
            for recipient in recipients:
                _check(*conn.rcpt(recipient), (250, 251))
            _check(*conn.docmd("DATA"), (354,))
            conn.send(body)
        except SMTPError as exc:
            self._reset_after(exc.code)
            return Outcome(DEAD if 500 <= exc.code < 600 else RETRY, str(exc))
        except (smtplib.SMTPException, OSError, BlockedAddress) as exc:
            self.close(polite=False)
            return Outcome(RETRY, f"{type(exc).__name__}: {exc}")
        if not commit():  # the hand-over: another worker owns the row, so the dot must not go
            self.close(polite=False)
            return Outcome(LOST_LEASE)
        try:
            conn.send(b".\r\n")
            code, text = conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self.close(polite=False)
            return Outcome(UNCONFIRMED, f"no reply to the end of data: {type(exc).__name__}: {exc}")
        reply = text.decode(errors="replace")
        if code == 250:
            return Outcome(SENT, f"{code} {reply}"[:500])
        self._reset_after(code)
        return Outcome(DEAD if 500 <= code < 600 else RETRY, f"{code} {reply}")

    def _reset_after(self, code: int) -> None:
        if code == 421 or self.connection is None:
            self.close(polite=False)
            return
        try:
            self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self.close(polite=False)
