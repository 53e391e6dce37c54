"""Marketing e-mail to the buyer, two-phase over SMTP (see smtp.py) or plainly through a provider backend."""

from __future__ import annotations

from ...models import DeliveryKind
from django.core.mail import EmailMessage

from .. import render, sender_identity
from . import RETRY, SENT, Outcome
from .base import EMAIL, TEST_TEXT, Connections, DeliveryChannel, TestAnswer
from .email import connection_name, sender


class BuyerEmail(DeliveryChannel):
    kind = DeliveryKind.EMAIL
    needs = (EMAIL,)
    consent_key = "email"
    two_phase = True
    required_settings = tuple(sender_identity.REQUIRED)
    test_recipient = EMAIL

    @classmethod
    def missing_settings(cls, shop) -> list[str]:
        return list(sender_identity.missing_for(shop))  # the address and URL may come from Django's settings

    @classmethod
    def send_test(cls, shop, to: str) -> TestAnswer:
        """Through the sender buyer mail uses (two-phase SMTP or the configured backend)."""
        connections = Connections()
        email = EmailMessage("LTV: test mail / テストメール", TEST_TEXT, from_email=render.from_header(shop), to=[to])
        try:
            outcome = connections.get(connection_name(shop), lambda: sender(shop)).send(email, lambda: True)
        except OSError as exc:
            return TestAnswer(False, "unreachable", f"{type(exc).__name__}: {exc}")
        finally:
            connections.close()
        code, _, text = outcome.detail.partition(" ")
        if outcome.status == SENT:
            return TestAnswer(True, code if code.isdigit() else "sent", text or outcome.detail)
        if code.isdigit():  # the mail server's reply code
            return TestAnswer(False, code, outcome.detail)
        return TestAnswer(False, "unreachable" if outcome.status == RETRY else outcome.status, outcome.detail)

    def send(self, message, config, commit) -> Outcome:
        from ..flows.content_ref import message_document

        document = message_document(message, config.params.get("copy"))
        shop = config.shop
        return self.connections.get(connection_name(shop), lambda: sender(shop)).send(
            render.buyer_email(message, config, document), commit)
