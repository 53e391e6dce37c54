"""Saleor's ORM objects → facts, for the in-process host (imports Saleor lazily).

Events from Saleor hooks carry only a reference ("order:<uuid>",
"checkout:<token>", "user:<id>"); applying one re-reads the object's current
state here, so any replay order converges on what Saleor holds now.
"""

from __future__ import annotations

from decimal import Decimal

from ...ingest import checkouts, identity, orders, rekey
from ...ingest.facts import (
    Acquisition, CheckoutData, CustomerData, CustomerRef, OrderData, OrderLineData, PostalAddress, ShipmentData,
    ShipmentLine,
)
from ...models import InboundEvent, OrderFact, Source
from ..saleor import customers
from ..saleor.customers import SaleorAddress, SaleorUser, customer_ref
from ..saleor.rules import consent_from_metadata, refunded_total

DELETION_KINDS = frozenset({"customer_deleted", "account_deleted"})


def _address(address) -> SaleorAddress | None:
    if address is None:
        return None
    return SaleorAddress(
        first_name=address.first_name or "", last_name=address.last_name or "",
        company_name=address.company_name or "", phone=str(getattr(address, "phone", "") or ""),
        postal_code=address.postal_code or "", country=str(getattr(address.country, "code", address.country) or ""),
        country_area=address.country_area or "", city=address.city or "", city_area=address.city_area or "",
        street_address_1=address.street_address_1 or "", street_address_2=address.street_address_2 or "",
        metadata=dict(getattr(address, "metadata", None) or {}))


def _user(user) -> SaleorUser | None:
    if user is None:
        return None
    return SaleorUser(pk=str(user.pk), email=user.email or "", first_name=user.first_name or "",
                      last_name=user.last_name or "", metadata=dict(user.metadata or {}),
                      private_metadata=dict(user.private_metadata or {}))


def _address_customer(address, user, email: str, language_code: str) -> CustomerRef:
    return customer_ref(_address(address), _user(user), email, language_code)


def postal_address(address, department: str = "") -> PostalAddress | None:
    """Saleor's Address → the lines of a 宛名 label (hosts/saleor/customers.py)."""
    return customers.postal_address(_address(address), department)


def refunded_amount(order) -> Decimal:
    return refunded_total(
        ((txn.kind, txn.is_success, txn.amount) for payment in order.payments.all() for txn in payment.transactions.all()),
        (item.refunded_value for item in order.payment_transactions.all()))


# Mails show items at 64 px; 256 is one of Saleor's THUMBNAIL_SIZES and stays sharp on dense screens.
THUMBNAIL_SIZE = 256
IMAGE = "IMAGE"  # saleor.product.ProductMediaTypes.IMAGE (the other kind is an external video)


def product_image(variant):
    """The variant's own first image, else its product's first (both ordered as Saleor sorts media)."""
    if variant is None:
        return None
    for media in (*variant.media.all(), *(variant.product.media.all() if variant.product_id else ())):
        if media.type == IMAGE:
            return media
    return None


def image_url(media) -> str:
    """An absolute URL a mail client can load: Saleor's thumbnail route, as Saleor's own order mails use."""
    if media is None:
        return ""
    if not media.image:  # an image known only by its address
        return media.external_url or ""
    return _thumbnail_url(media.pk)


def _thumbnail_url(media_pk) -> str:
    from saleor.core.utils import build_absolute_uri
    from saleor.thumbnail.utils import get_image_or_proxy_url

    return build_absolute_uri(get_image_or_proxy_url(None, str(media_pk), "ProductMedia", THUMBNAIL_SIZE, None))


def _product_fields(variant) -> dict:
    """What a mail shows of a line's product: names, the slug its storefront URL is built from, an image."""
    product = variant.product if variant is not None and variant.product_id else None
    return {
        "product_id": str(product.pk) if product else "",
        "variant_name": (variant.name or "") if variant is not None else "",
        "product_slug": (product.slug or "") if product else "",
        "image_url": image_url(product_image(variant)),
    }


def _order_line(line) -> OrderLineData:
    fields = _product_fields(line.variant if line.variant_id else None)
    return OrderLineData(
        line_ref=str(line.pk),
        sku=line.product_sku or "",
        quantity=line.quantity,
        unit_price=line.unit_price_gross_amount,
        amount=line.total_price_gross_amount,
        product_name=line.product_name or "",
        variant_id=str(line.variant_id or ""),
        # the order keeps the variant's name as it was sold, even after the variant is gone
        **{**fields, "variant_name": line.variant_name or fields["variant_name"]},
    )


FULFILLED = "fulfilled"  # saleor.order.FulfillmentStatus: the others are returns, refunds, cancelled or unapproved


def shipments(order) -> tuple[ShipmentData, ...]:
    """The order's fulfilments that went out; a fulfilment is dated by its creation (Saleor keeps no
    shipping date), its lines by the order lines they carried."""
    skus = {line.pk: line.product_sku or "" for line in order.lines.all()}
    return tuple(
        ShipmentData(ref=str(fulfillment.pk), shipped_at=fulfillment.created_at,
                     tracking_number=fulfillment.tracking_number or "",
                     lines=tuple(ShipmentLine(line_ref=str(line.order_line_id), sku=skus.get(line.order_line_id, ""),
                                              quantity=line.quantity) for line in fulfillment.lines.all()))
        for fulfillment in order.fulfillments.all() if fulfillment.status == FULFILLED)


def acquisition(order) -> Acquisition:
    return customers.acquisition(order.channel.slug, order.metadata or {}, order.voucher_code)


def order_data(order) -> OrderData:
    lines = tuple(_order_line(line) for line in order.lines.all())
    return OrderData(
        source=Source.SALEOR,
        external_id=str(order.pk),
        number=str(order.number),
        channel=order.channel.slug,
        currency=order.currency,
        created_at=order.created_at,
        status=order.status,
        total_gross=order.total_gross_amount,
        total_net=order.total_net_amount,
        refunded_amount=refunded_amount(order),
        customer=_address_customer(order.billing_address, order.user, order.user_email, order.language_code),
        lines=lines,
        checkout_token=str(order.checkout_token or ""),
        source_updated_at=order.updated_at,
        acquisition=acquisition(order),
        shipments=shipments(order),
        raw={
            "id": str(order.pk),
            "number": order.number,
            "status": order.status,
            "origin": order.origin,
            "charge_status": order.charge_status,
        },
    )


def order_queryset():
    from saleor.order.models import Order

    return Order.objects.select_related("channel", "billing_address", "user").prefetch_related(
        "lines__variant__product__media", "lines__variant__media", "payments__transactions", "payment_transactions",
        "fulfillments__lines",
    )


def _checkout_line(line) -> dict:
    """A checkout line as the abandoned-cart mail lists it (customers.checkout_line_prices: before Saleor
    first prices a checkout, the listing price)."""
    variant = line.variant if line.variant_id else None
    quantity = line.quantity
    unit, amount = customers.checkout_line_prices(line.total_price_gross_amount, quantity,
                                                  line.undiscounted_unit_price_amount)
    return {
        "sku": (variant.sku or "") if variant is not None else "",
        "variant_id": str(line.variant_id or ""),
        "product_name": variant.product.name if variant is not None and variant.product_id else "",
        **_product_fields(variant),
        "quantity": quantity,
        "unit_price": unit,
        "amount": amount,
    }


def checkout_data(checkout) -> CheckoutData:
    lines = tuple(_checkout_line(line) for line in checkout.lines.all())
    return CheckoutData(
        source=Source.SALEOR,
        token=str(checkout.token),
        channel=checkout.channel.slug,
        currency=checkout.currency,
        last_change=checkout.last_change,
        customer=_address_customer(
            checkout.billing_address, checkout.user, checkout.email or "", checkout.language_code
        ),
        total_gross=checkout.total_gross_amount or sum((Decimal(line["amount"]) for line in lines), Decimal(0)),
        lines=lines,
    )


def customer_data(user) -> CustomerData:
    address = user.default_billing_address
    return CustomerData(
        source=Source.SALEOR,
        customer=_address_customer(address, user, user.email, user.language_code),
        is_active=user.is_active,
        registered_at=user.date_joined,
        marketing_consent=consent_from_metadata(user.metadata or {}),
    )


def apply_saleor_events(group: list[InboundEvent]) -> None:
    """Apply the events of one Saleor object by re-reading its current state."""
    kind, _, pk = group[-1].object_ref.partition(":")
    if kind == "order":
        _apply_order(pk)
    elif kind == "checkout":
        _apply_checkout(pk)
    elif kind == "user":
        deletion = next((e for e in group if e.kind in DELETION_KINDS), None)
        if deletion is not None:
            identity.erase_customer(deletion.payload.get("user_id"), deletion.payload.get("email"))
        else:
            _apply_user(pk)
    else:
        raise ValueError(f"unknown Saleor object reference {group[-1].object_ref!r}")


def _apply_order(pk: str) -> None:
    order = order_queryset().filter(pk=pk).first()
    if order is None:  # a deleted draft: nothing to keep
        OrderFact.objects.filter(source=Source.SALEOR, external_id=pk).delete()
        return
    orders.upsert_orders([order_data(order)])
    _store_catalogue(order.lines.all())


def _store_catalogue(lines) -> None:
    """What the lines name of their products goes into the catalogue (merged: the sync adds prices)."""
    from ...ingest.catalogue import store_products
    from .catalogue import catalogue_of_lines

    entries = catalogue_of_lines(lines)
    if entries:
        store_products(entries, merge=True)


def _apply_checkout(token: str) -> None:
    from saleor.checkout.models import Checkout

    checkout = (
        Checkout.objects.select_related("channel", "billing_address", "user")
        .prefetch_related("lines__variant__product__media", "lines__variant__media")
        .filter(token=token)
        .first()
    )
    if checkout is not None:  # a completed checkout is deleted; its order says it completed
        checkouts.upsert_checkout(checkout_data(checkout))
        _store_catalogue(checkout.lines.all())


def _apply_user(pk: str) -> None:
    from saleor.account.models import User

    user = User.objects.select_related("default_billing_address").filter(pk=pk).first()
    if user is not None:
        rekey.rekey_orders_of(identity.upsert_customer(customer_data(user)))

