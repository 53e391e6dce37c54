"""The storefront's step of LINE's account-link flow: a logged-in buyer's nonce and where to send them."""

from __future__ import annotations

import graphene

from ..automation import line_link
from ..models import Contact
from .core import LtvError
from .permissions import require_customer

MAX_LINK_TOKEN = 512  # LINE's link tokens are short opaque strings


class LtvLineAccountLinkStart(graphene.Mutation):
    """For a buyer who opened the shop's LINE linking page with `linkToken` (sent by the shop's LINE account)
    and logged in: the accountLink URL on LINE to redirect them to, carrying a signed nonce valid for 10
    minutes. LINE then tells the plugin's webhook which LINE user that was (a customer's token)."""

    class Arguments:
        link_token = graphene.String(required=True, description="The linkToken query parameter of the linking page.")

    redirect_url = graphene.String()
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    @staticmethod
    def mutate(root, info, link_token):
        who = require_customer(info)
        link_token = link_token.strip()
        if not link_token or len(link_token) > MAX_LINK_TOKEN:
            return LtvLineAccountLinkStart(errors=[LtvError(
                field="linkToken", message=f"must be 1–{MAX_LINK_TOKEN} characters", code="invalid")])
        contact = Contact.objects.filter(saleor_user_id=who.user_id, erased_at__isnull=True).order_by("pk").first()
        if contact is None:
            return LtvLineAccountLinkStart(errors=[LtvError(
                field=None, message="no contact for this customer yet (they have not ordered or signed up)",
                code="not_found")])
        return LtvLineAccountLinkStart(redirect_url=line_link.account_link_url(link_token, line_link.nonce_for(contact.pk)),
                                       errors=[])
