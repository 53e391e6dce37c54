"""Marketing e-mail to the buyer, two-phase over SMTP (see smtp.py) or plainly through a provider backend."""

from __future__ import annotations

from ...models import DeliveryKind
from .. import render
from . import Outcome
from .base import EMAIL, DeliveryChannel
from .email import sender


class BuyerEmail(DeliveryChannel):
    kind = DeliveryKind.EMAIL
    needs = (EMAIL,)
    consent_key = "email"
    two_phase = True

    def send(self, message, config, commit) -> Outcome:
        from ..flows.content_ref import message_document

        document = message_document(message, config.params.get("copy"))
        return self.connections.get("mail", sender).send(render.buyer_email(message, config, document), commit)
