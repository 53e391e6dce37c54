"""Load a synthetic shop through the same ingest path Saleor events use."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from ..contact_data import normalise_phone, normalise_postal_code
from ..ingest import checkouts, consents, identity
from ..ingest.batch import store_order_batch
from ..ingest.facts import (Acquisition, CheckoutData, CustomerData, CustomerRef, OrderData, OrderLineData,
                            PostalAddress)
from ..ingest.gc_pause import collector_paused
from ..models import Source

BATCH = 2000


def reach_fields(reach) -> dict:
    """A buyer's phone and address as ingest takes them, normalised as every source's are."""
    if reach is None:
        return {}
    address = PostalAddress(postal_code=normalise_postal_code(reach.postal_code), country="JP",
                            prefecture=reach.prefecture, city=reach.city, line1=reach.line1, line2=reach.line2,
                            company=reach.company, department=reach.department, person=reach.person)
    return {"phone": normalise_phone(reach.phone), "address": address}


def _customer(order_or_checkout, contacts_by_email, reach_by_email) -> CustomerRef:
    contact = contacts_by_email.get(order_or_checkout.email)
    return CustomerRef(
        user_id=order_or_checkout.user_id if hasattr(order_or_checkout, "user_id") else None,
        email=order_or_checkout.email,
        first_name=getattr(contact, "first_name", "") or "",
        last_name=getattr(contact, "last_name", "") or "",
        company_name=getattr(order_or_checkout, "company_name", "") or "",
        language_code=getattr(order_or_checkout, "language_code", "") or "",
        **reach_by_email.get(order_or_checkout.email, {}),  # the billing address and its phone
    )


# Where demo buyers came from (utm_source, utm_medium), one per buyer, "" for a direct visit.
SOURCES = (("google", "cpc"), ("yahoo", "cpc"), ("newsletter", "email"), ("instagram", "social"), ("", ""))


def acquisition(email: str) -> Acquisition:
    source, medium = SOURCES[hashlib.sha256(email.encode()).digest()[0] % len(SOURCES)]
    return Acquisition(utm_source=source, utm_medium=medium)


def order_data(order, contacts_by_email, reach_by_email=None) -> OrderData:
    return OrderData(
        source=Source.DEMO,
        external_id=order.external_id,
        channel=order.channel,
        currency=order.currency,
        created_at=order.created_at,
        status=order.status,
        total_gross=order.total_gross,
        total_net=order.total_net,
        refunded_amount=order.refunded_amount,
        customer=_customer(order, contacts_by_email, reach_by_email or {}),
        lines=tuple(
            OrderLineData(
                line_ref=str(index),
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.total,
                product_name=line.product_name,
                product_id=line.product_id,
                variant_id=line.variant_id,
            )
            for index, line in enumerate(order.lines, start=1)
        ),
        checkout_token=order.checkout_token or "",
        source_updated_at=order.created_at,
        acquisition=acquisition(order.email),
        raw={"demo": True},
    )


def load_shop(shop, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Customers, then orders in batches, then open checkouts. Idempotent."""
    with collector_paused():  # a bulk load, as a file import (ingest/gc_pause.py)
        return _load_shop(shop, progress)


def _load_shop(shop, progress: Callable[[int], None] | None) -> dict[str, int]:
    contacts_by_email = {c.email: c for c in shop.contacts}
    reach_by_email = {email: reach_fields(r) for email, r in shop.reach.items()}
    registered = [
        CustomerData(
            source=Source.DEMO,
            customer=CustomerRef(
                user_id=contact.user_id, email=contact.email, first_name=contact.first_name,
                last_name=contact.last_name, company_name=contact.company_name,
                language_code=contact.language_code, **reach_by_email.get(contact.email, {}),
                line_user_id=shop.reach[contact.email].line_user_id if contact.email in shop.reach else "",
                birthday=shop.reach[contact.email].birthday if contact.email in shop.reach else None,
            ),
            registered_at=contact.registered_at,
        )
        for contact in shop.contacts
        if contact.user_id  # guests have no account to register
    ]
    for start in range(0, len(registered), BATCH):
        identity.upsert_customers(registered[start : start + BATCH])
    # The bulk-file door: chunks of one transaction each, the touched accounts re-scored once at the end.
    store_order_batch((order_data(order, contacts_by_email, reach_by_email) for order in shop.orders),
                      progress=progress)
    for checkout in shop.checkouts:
        checkouts.upsert_checkout(
            CheckoutData(
                source=Source.DEMO,
                token=checkout.token,
                channel=checkout.channel,
                currency=checkout.currency,
                last_change=checkout.last_change,
                customer=_customer(checkout, contacts_by_email, reach_by_email),
                total_gross=checkout.total_gross,
                lines=tuple(checkout.lines),
            )
        )
    followers = [(shop.reach[c.email].line_user_id, c.registered_at) for c in shop.contacts
                 if c.user_id and c.email in shop.reach and shop.reach[c.email].line_user_id]
    for line_user_id, at in followers:  # they follow the shop's LINE account: LINE consent, as the webhook gives
        consents.line_follow(line_user_id, True, at)
    return {"contacts": len(shop.contacts), "orders": len(shop.orders), "checkouts": len(shop.checkouts),
            "line_followers": len(followers)}
