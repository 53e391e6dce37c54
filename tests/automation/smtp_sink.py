"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted and can misbehave."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from ..support.net import free_port  # noqa: F401 — re-exported: tests take ports from here


class Sink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 try later"
        self.stall_seconds = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.stall_seconds:  # queued, but the reply is late (RFC 1047's lost acknowledgement)
            await asyncio.sleep(self.stall_seconds)
        return "250 OK queued"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m, (_, rcpt) in zip(self.messages, self.envelopes) if address in rcpt]


def start(port: int | None = None) -> tuple[Controller, Sink]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port or free_port(), decode_data=False,
                            data_size_limit=10 * 1024 * 1024)
    controller.start()
    return controller, sink
