"""A mail as one of the shop's own buyers would get it, before anything is sent.

Filled from a real account or contact: its buyer, its last purchase day, and as the product list
its open cart, else its SKUs due for reorder, else its last order's lines. Links are the plain
targets (a preview must not count clicks) and the unsubscribe link leads nowhere.
"""

from __future__ import annotations

from ... import conf
from ...models import Account, AccountContact, AccountSkuRhythm, CheckoutFact, Contact, OrderFact
from .. import links
from ..mail_items import MAX_ITEMS
from .context import RenderContext, build, last_order_lookup
from .document import Document
from .rendering import Rendered, render


class PreviewError(LookupError):
    def __init__(self, field: str, message: str, code: str = "not_found"):
        self.field, self.message, self.code = field, message, code
        super().__init__(f"{field}: {message}")


def preview(doc: Document | dict, language: str, *, channel: str, account_id: int | None = None,
            contact_id: int | None = None) -> Rendered:
    return render(doc, language, preview_context(channel, account_id, contact_id))


def preview_context(channel: str, account_id: int | None = None, contact_id: int | None = None) -> RenderContext:
    """PreviewError names the field when neither is given or the one given is not the shop's."""
    account, contact = _who(channel, account_id, contact_id)
    shop = conf.channel_settings(channel)
    return build(contact=contact, account=account, context=_trigger_context(account, contact, channel),
                 channel=channel, shop=shop, link=str, unsubscribe_url=f"{links.base_url(shop)}u/preview",
                 last_order_on=last_order_lookup(account))


def sample_recipient(channel: str, account_id: int | None = None, contact_id: int | None = None):
    """(account, contact, the trigger context) a preview fills from — for a letter as for a mail."""
    account, contact = _who(channel, account_id, contact_id)
    return account, contact, _trigger_context(account, contact, channel)


def _who(channel: str, account_id: int | None, contact_id: int | None) -> tuple[Account | None, Contact | None]:
    if account_id is None and contact_id is None:
        raise PreviewError("accountId", "give an account or a contact to fill the preview from", "required")
    account = contact = None
    if account_id is not None:
        account = Account.objects.filter(pk=account_id, channel=channel).first()
        if account is None:
            raise PreviewError("accountId", f"no account {account_id} in channel {channel}")
    if contact_id is not None:
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None:
            raise PreviewError("contactId", f"no contact {contact_id}")
    if contact is None:  # the account's most recent buyer
        link = (AccountContact.objects.filter(account=account).select_related("contact")
                .order_by("-last_seen_at", "-id").first())
        contact = link.contact if link else None
    elif account is None:
        link = (AccountContact.objects.filter(contact=contact, account__channel=channel).select_related("account")
                .order_by("-last_seen_at", "-id").first())
        account = link.account if link else None
    return account, contact


def _trigger_context(account: Account | None, contact: Contact | None, channel: str) -> dict:
    if contact is not None:
        cart = (CheckoutFact.objects.filter(contact=contact, channel=channel).exclude(state="completed")
                .exclude(line_count=0).order_by("-last_change").first())
        if cart is not None:
            return {"checkout_token": cart.token, "lines": cart.lines[:MAX_ITEMS], "total": str(cart.total_gross),
                    "currency": cart.currency}
    if account is None:
        return {}
    due = list(AccountSkuRhythm.objects.filter(account=account, next_reorder_on__isnull=False)
               .order_by("next_reorder_on").values_list("sku", "next_reorder_on")[:MAX_ITEMS])
    if due:
        return {"items": [{"sku": sku, "due_on": on.isoformat()} for sku, on in due]}
    order = OrderFact.objects.filter(account=account, counts_as_purchase=True).order_by("-created_at").first()
    if order is None:
        return {}
    lines = order.lines.values("sku", "product_name", "variant_name", "product_slug", "image_url", "quantity",
                               "unit_price")[:MAX_ITEMS]
    return {"items": [{**line, "unit_price": str(line["unit_price"])} for line in lines], "currency": order.currency}
