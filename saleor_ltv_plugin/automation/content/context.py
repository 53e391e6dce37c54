"""What a mail is filled from: merge values, the trigger's items, link targets and the sender block.

Built from an outbox row at send time (`for_message`) and from a shop's own account or contact for
a preview (preview.py); the renderer never touches the database.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from django.conf import settings

from ... import conf
from .. import links
from ..mail_items import mail_items
from ..money import format_money

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass
class RenderContext:
    """`values` maps a merge field to its text, or to {"ja": …, "en": …} where the wording depends on
    the language; `targets` maps checkout/shop/first_product to a URL; `link` wraps every URL a buyer
    clicks (a signed click redirect at send time, as it is in a preview)."""

    values: dict = field(default_factory=dict)
    items: list[dict] = field(default_factory=list)  # mail_items' display-ready dicts
    total: str = ""  # the cart's total, formatted
    targets: dict[str, str] = field(default_factory=dict)
    sender_name: str = ""
    sender_postal_address: str = ""
    sender_email: str = ""
    unsubscribe_url: str = ""
    open_url: str = ""
    link: Callable[[str], str] = str


def person_name(contact, lang: str) -> str:
    """ja: 会社名 姓 名 (the mail adds 様); en: the first name. "" when the contact has none of them."""
    if contact is None:
        return ""
    if lang == "ja":
        person = " ".join(p for p in (contact.last_name, contact.first_name) if p)
        label = " ".join(p for p in (contact.company_name, person) if p)
        return label or contact.email.split("@")[0]
    return contact.first_name or contact.company_name


def format_date(value, lang: str) -> str:
    """2025年4月18日 / April 18, 2025; "" for nothing or an unreadable value."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return ""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return ""
    return f"{value.year}年{value.month}月{value.day}日" if lang == "ja" else \
        f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def shop_day(value, timezone: str):
    """An ISO moment as the shop's calendar day (a parcel sent at 01:00 JST is not yesterday's)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    return moment


def merge_values(contact, account, context: dict, shop: conf.ChannelSettings, currency: str,
                 last_order_on: Callable[[], object] = lambda: None) -> dict:
    """`last_order_on` is asked only when a mail shows {last_order_date} and the trigger stored none."""
    metadata = (contact.metadata or {}) if contact is not None else {}
    return {
        "company": (contact.company_name if contact is not None else "") or (account.display_name if account else ""),
        "name": {lang: person_name(contact, lang) for lang in ("ja", "en")},
        "first_name": contact.first_name if contact is not None else "",
        "last_name": contact.last_name if contact is not None else "",
        "department": (contact.address_department or str(metadata.get(shop.department_metadata_key) or "")
                       if contact is not None else ""),
        "email": contact.email if contact is not None else "",
        "last_order_date": lambda lang: format_date(context.get("last_purchase_at") or last_order_on(), lang),
        "shop_name": shop.sender_name,
        "coupon": str(context.get("coupon") or ""),
        "cart_total": format_money(context["total"], currency) if context.get("total") not in (None, "") else "",
        "order_number": str(context.get("order_number") or ""),
        "shipped_date": lambda lang: format_date(shop_day(context.get("shipped_at"), shop.timezone), lang),
        "tracking_number": str(context.get("tracking_number") or ""),
        "carrier": str(context.get("carrier") or ""),
    }


def build(*, contact, account, context: dict, channel: str, shop: conf.ChannelSettings,
          link: Callable[[str], str], unsubscribe_url: str, open_url: str = "",
          last_order_on: Callable[[], object] = lambda: None) -> RenderContext:
    base = links.base_url(shop)
    shop_target = shop.shop_url or base
    token = context.get("checkout_token")
    checkout = (shop.checkout_url_template.replace("{token}", token)
                if token and shop.checkout_url_template else shop_target)
    currency = context.get("currency") or (account.currency if account else "")
    items = mail_items(context, channel, currency, checkout, shop.product_url_template)
    values = merge_values(contact, account, context, shop, currency, last_order_on)
    return RenderContext(
        values=values, items=items, total=values["cart_total"],
        targets={"checkout": checkout, "shop": shop_target,
                 "first_product": items[0]["url"] if items else shop_target},
        sender_name=shop.sender_name, sender_postal_address=shop.sender_postal_address,
        sender_email=shop.sender_email or settings.DEFAULT_FROM_EMAIL,
        unsubscribe_url=unsubscribe_url, open_url=open_url, link=link)


def for_message(message, config) -> RenderContext:
    """An outbox row's context: its enrollment's items, signed click, open and unsubscribe links."""
    shop = config.shop
    base = links.base_url(shop)
    return build(contact=message.contact, account=message.account, context=message.enrollment.context,
                 channel=message.channel, shop=shop, link=lambda url: links.click_url(base, message.pk, url),
                 unsubscribe_url=links.unsubscribe_url(base, message.contact.pk, message.pk),
                 open_url=links.open_url(base, message.pk), last_order_on=last_order_lookup(message.account))


def last_order_lookup(account) -> Callable[[], object]:
    """The account's last purchase day, read once and only if asked."""
    found = []

    def lookup():
        if not found:
            from ...models import AccountMetrics

            found.append(AccountMetrics.objects.filter(account=account).values_list("last_purchase_at", flat=True)
                         .first() if account is not None else None)
        return found[0]
    return lookup
