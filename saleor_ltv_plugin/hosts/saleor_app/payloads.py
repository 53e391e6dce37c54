"""A webhook body, or a GraphQL node read by backfill, → the inbox's events `(kind, object_ref, payload)`.

One mapping for both: a webhook carries the same fragments (subscriptions.py) that backfill queries, so
`order_data(node)` reads either. The facts come out as the plugin's ORM mapping gives them for the same
Saleor object (`source = "saleor"`, the same external ids and object refs), so a shop moving from the
plugin to the App keeps its rows; the Saleor tier compares the two field by field.

Kinds, as `inbox.apply_payload_events` applies them: "order", "checkout" (each with its lines' products for
the catalogue), "customer", "erase"; and
"refetch" (REFETCH) where Saleor sent only the object's `ref` alias because its full selection failed to
resolve: sync.make_applier re-reads that object by its global id. An App deletion is no inbox event:
the webhook view removes the installation itself.

Amounts are Decimal (parse bodies with `parse_body`: GraphQL sends them as JSON floats), quantised to the
three places Saleor stores, so the JSON kept in the inbox reads as the plugin's does.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ... import conf
from ...ingest.facts import (
    CheckoutData, CustomerData, OrderData, OrderLineData, ProductData, ShipmentData, ShipmentLine, to_jsonable,
)
from ...models import Source
from ..saleor import catalogue, customers
from ..saleor.customers import SaleorAddress, SaleorUser, customer_ref
from ..saleor.ids import checkout_ref, order_ref, pk_from_global_id, user_ref
from ..saleor.rules import consent_from_metadata, refunded_total
from . import subscriptions

Event = tuple[str, str, dict]
REFETCH = "refetch"
# payload "type" of a refetch event → the GraphQL type of its global id
REFETCH_TYPES = {"order": "Order", "checkout": "Checkout", "user": "User"}
# Saleor's enum names are its values upper-cased with "_" for " " and "-": one value has a space.
_ORDER_STATUS = {"PARTIALLY_FULFILLED": "partially fulfilled"}
_PLACES = Decimal("0.001")  # Saleor's money columns
FULFILLED = "FULFILLED"  # FulfillmentStatus: the others are returns, refunds, cancelled or unapproved


class PayloadError(ValueError):
    """A body that is not what the subscription asks for; the message names the field."""


def parse_body(raw: bytes | str) -> dict:
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body: not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise PayloadError("body: not a JSON object")
    return body


# --- webhook bodies ---------------------------------------------------------------------------------

def events_from_webhook(saleor_event: str, body: dict) -> list[Event]:
    """The inbox events of one delivery (`saleor_event`: the Saleor-Event header, any case).

    A null object with its `ref` gives a refetch event; a null object without one gives none (nothing
    names it: reconcile finds it). PayloadError for an event no webhook asked for or a malformed body.
    """
    event = saleor_event.strip().upper()
    try:
        if event in subscriptions.ORDER_EVENTS:
            return _one(body, "order", order_event)
        if event in subscriptions.ORDER_BULK_EVENTS:
            return _bulk(body)
        if event in subscriptions.CHECKOUT_EVENTS:
            return _one(body, "checkout", checkout_event)
        if event in subscriptions.CUSTOMER_EVENTS:
            return _one(body, "user", customer_event)
        if event in subscriptions.DELETION_EVENTS:
            return [erase_event(_field(body, "user"))] if body.get("user") else []
        if event in subscriptions.APP_DELETED_EVENTS:
            return []
    except (KeyError, TypeError, AttributeError, InvalidOperation) as exc:
        raise PayloadError(f"{event.lower()}: malformed body ({type(exc).__name__}: {exc})") from None
    raise PayloadError(f"Saleor-Event: {saleor_event!r} is no event this app subscribes to")


def _field(body: dict, name: str) -> dict:
    value = body.get(name)
    if not isinstance(value, dict):
        raise PayloadError(f"{name}: expected an object")
    return value


def _one(body: dict, field: str, mapper) -> list[Event]:
    if body.get(field) is not None:
        return [mapper(_field(body, field))]
    ref = body.get("ref")
    return [refetch_event(field, ref)] if isinstance(ref, dict) and ref.get("id") else []


def _bulk(body: dict) -> list[Event]:
    if body.get("orders") is not None:
        return [order_event(node) for node in body["orders"]]
    return [refetch_event("order", ref) for ref in body.get("ref") or () if ref and ref.get("id")]


def refetch_event(object_type: str, ref: dict) -> Event:
    """An object Saleor named (by its `ref` alias) but could not send whole: re-read it by id when applied."""
    gid = ref["id"]
    pk = pk_from_global_id(gid, REFETCH_TYPES[object_type])
    if object_type == "checkout":
        pk = ref.get("token") or pk
    object_ref = {"order": order_ref, "checkout": checkout_ref, "user": user_ref}[object_type](pk)
    return REFETCH, object_ref, {"type": object_type, "id": gid, "updated_at": ref.get("updatedAt")}


def erase_event(user: dict) -> Event:
    pk = pk_from_global_id(user["id"], "User")
    return "erase", user_ref(pk), {"user_id": pk, "email": user.get("email") or ""}


# --- nodes (webhook objects and GraphQL query results alike) → events -----------------------------------

def order_event(node: dict) -> Event:
    data = order_data(node)
    return "order", order_ref(data.external_id), {**to_jsonable(data), **_catalogue(node)}


def checkout_event(node: dict) -> Event:
    data = checkout_data(node)
    return "checkout", checkout_ref(data.token), {**to_jsonable(data), **_catalogue(node)}


def _catalogue(node: dict) -> dict:
    """What the lines tell of their products rides with the order or cart (inbox: merged into the catalogue)."""
    entries = catalogue_of_lines([node])
    return {"catalogue": to_jsonable(entries)} if entries else {}


def catalogue_of_lines(nodes) -> list[ProductData]:
    """The catalogue entries the orders' or carts' lines name (their variants), one per SKU; no price: an
    order's is not the listing's."""
    entries: dict[str, ProductData] = {}
    for node in nodes:
        for line in (node or {}).get("lines") or ():
            variant = line.get("variant") or {}
            product = variant.get("product") or {}
            categories, category = [], product.get("category")
            while isinstance(category, dict):
                categories.insert(0, category.get("name") or "")
                category = category.get("parent")
            found = catalogue.entry(sku=variant.get("sku") or "", product=product.get("name") or "",
                                    variant=variant.get("name") or "", categories=categories,
                                    image_url=_image_url(variant), slug=product.get("slug") or "")
            if found is not None:
                entries[found.sku] = found
    return list(entries.values())


def customer_event(node: dict) -> Event:
    data = customer_data(node)
    return "customer", user_ref(data.customer.user_id), to_jsonable(data)


# --- nodes → facts ---------------------------------------------------------------------------------------

def _money(value) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(_PLACES)


def _amount(money: dict | None) -> Decimal:
    return _money((money or {}).get("amount"))


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _metadata(items) -> dict:
    return {item["key"]: item["value"] for item in items or ()}


def _language(enum_name: str | None) -> str:
    """LanguageCodeEnum → the model's value: JA → ja, EN_US → en-us (Saleor's codes are all lower-case)."""
    return (enum_name or "").lower().replace("_", "-")


def _address(node: dict | None) -> SaleorAddress | None:
    if not node:
        return None
    return SaleorAddress(
        first_name=node.get("firstName") or "", last_name=node.get("lastName") or "",
        company_name=node.get("companyName") or "", phone=node.get("phone") or "",
        postal_code=node.get("postalCode") or "", country=(node.get("country") or {}).get("code") or "",
        country_area=node.get("countryArea") or "", city=node.get("city") or "", city_area=node.get("cityArea") or "",
        street_address_1=node.get("streetAddress1") or "", street_address_2=node.get("streetAddress2") or "",
        metadata=_metadata(node.get("metadata")))


def _user(node: dict | None) -> SaleorUser | None:
    if not node:
        return None
    return SaleorUser(pk=pk_from_global_id(node["id"], "User"), email=node.get("email") or "",
                      first_name=node.get("firstName") or "", last_name=node.get("lastName") or "",
                      metadata=_metadata(node.get("metadata")),
                      private_metadata=_metadata(node.get("privateMetadata")))


def _image_url(variant: dict | None) -> str:
    """The variant's own first image, else its product's first (Saleor's media order), at 256 px."""
    if not variant:
        return ""
    product = variant.get("product") or {}
    for media in (*(variant.get("media") or ()), *(product.get("media") or ())):
        if media.get("type") == "IMAGE":
            return media.get("url") or ""
    return ""


def _product_fields(variant: dict | None) -> dict:
    product = (variant or {}).get("product")
    return {
        "product_id": pk_from_global_id(product["id"], "Product") if product else "",
        "variant_name": (variant.get("name") or "") if variant else "",
        "product_slug": (product.get("slug") or "") if product else "",
        "image_url": _image_url(variant),
    }


def _order_line(node: dict) -> OrderLineData:
    variant = node.get("variant")
    fields = _product_fields(variant)
    return OrderLineData(
        line_ref=pk_from_global_id(node["id"], "OrderLine"),
        sku=node.get("productSku") or "",
        quantity=int(node["quantity"]),
        unit_price=_amount(node["unitPrice"]["gross"]),
        amount=_amount(node["totalPrice"]["gross"]),
        product_name=node.get("productName") or "",
        variant_id=pk_from_global_id(variant["id"], "ProductVariant") if variant else "",
        # the order keeps the variant's name as it was sold, even after the variant is gone
        **{**fields, "variant_name": node.get("variantName") or fields["variant_name"]},
    )


def _shipments(node: dict, lines: tuple[OrderLineData, ...]) -> tuple[ShipmentData, ...]:
    skus = {line.line_ref: line.sku for line in lines}
    shipments = []
    for fulfillment in node.get("fulfillments") or ():
        if fulfillment.get("status") != FULFILLED:
            continue
        shipped = []
        for line in fulfillment.get("lines") or ():
            ref = pk_from_global_id(line["orderLine"]["id"], "OrderLine") if line.get("orderLine") else ""
            shipped.append(ShipmentLine(line_ref=ref, sku=skus.get(ref, ""), quantity=int(line["quantity"])))
        shipments.append(ShipmentData(ref=pk_from_global_id(fulfillment["id"], "Fulfillment"),
                                      shipped_at=_dt(fulfillment["created"]),
                                      tracking_number=fulfillment.get("trackingNumber") or "", lines=tuple(shipped)))
    return tuple(shipments)


def order_status(enum_name: str) -> str:
    """OrderStatus enum name → the model value the facts keep (NON_PURCHASE_STATUSES reads those)."""
    return _ORDER_STATUS.get(enum_name, enum_name.lower())


def order_data(node: dict, shop: conf.ShopSettings | None = None) -> OrderData:
    """`shop`: the settings, for a caller mapping a page of orders (read here when not given)."""
    shop = shop or conf.get_settings()
    pk = pk_from_global_id(node["id"], "Order")
    channel = node["channel"]["slug"]
    status = order_status(node["status"])
    lines = tuple(_order_line(line) for line in node.get("lines") or ())
    refunds = refunded_total(
        ((txn["kind"].lower(), bool(txn["isSuccess"]), _amount(txn["amount"]))
         for payment in node.get("payments") or () for txn in payment.get("transactions") or ()),
        (_amount(item.get("refundedAmount")) for item in node.get("transactions") or ()))
    return OrderData(
        source=Source.SALEOR,
        external_id=pk,
        number=str(node["number"]),
        channel=channel,
        currency=node["total"]["gross"]["currency"],
        created_at=_dt(node["created"]),
        status=status,
        total_gross=_amount(node["total"]["gross"]),
        total_net=_amount(node["total"]["net"]),
        refunded_amount=refunds,
        customer=customer_ref(_address(node.get("billingAddress")), _user(node.get("user")),
                              node.get("userEmail") or "", _language(node.get("languageCodeEnum")), shop),
        lines=lines,
        checkout_token=pk_from_global_id(node["checkoutId"], "Checkout") if node.get("checkoutId") else "",
        source_updated_at=_dt(node.get("updatedAt")),
        acquisition=customers.acquisition(channel, _metadata(node.get("metadata")), node.get("voucherCode"), shop),
        shipments=_shipments(node, lines),
        raw={"id": pk, "number": int(node["number"]), "status": status,
             "origin": (node.get("origin") or "").lower(), "charge_status": (node.get("chargeStatus") or "").lower()},
    )


def _checkout_line(node: dict) -> dict:
    variant = node.get("variant")
    quantity = int(node["quantity"])
    unit, amount = customers.checkout_line_prices(
        _amount((node.get("totalPrice") or {}).get("gross")), quantity, _amount(node.get("undiscountedUnitPrice")))
    return {
        "sku": (variant.get("sku") or "") if variant else "",
        "variant_id": pk_from_global_id(variant["id"], "ProductVariant") if variant else "",
        "product_name": ((variant.get("product") or {}).get("name") or "") if variant else "",
        **_product_fields(variant),
        "quantity": quantity,
        "unit_price": unit,
        "amount": amount,
    }


def checkout_data(node: dict, shop: conf.ShopSettings | None = None) -> CheckoutData:
    shop = shop or conf.get_settings()
    lines = tuple(_checkout_line(line) for line in node.get("lines") or ())
    total = node.get("totalPrice") or {}
    return CheckoutData(
        source=Source.SALEOR,
        token=str(node["token"]),
        channel=node["channel"]["slug"],
        currency=((total.get("gross") or {}).get("currency")) or node["channel"].get("currencyCode") or "",
        last_change=_dt(node["updatedAt"]),
        customer=customer_ref(_address(node.get("billingAddress")), _user(node.get("user")),
                              node.get("email") or "", _language(node.get("languageCode")), shop),
        total_gross=_amount(total.get("gross")) or sum((Decimal(line["amount"]) for line in lines), Decimal(0)),
        lines=lines,
    )


def customer_data(node: dict, shop: conf.ShopSettings | None = None) -> CustomerData:
    shop = shop or conf.get_settings()
    user = _user(node)
    return CustomerData(
        source=Source.SALEOR,
        customer=customer_ref(_address(node.get("defaultBillingAddress")), user, node.get("email") or "",
                              _language(node.get("languageCode")), shop),
        is_active=bool(node.get("isActive", True)),
        registered_at=_dt(node.get("dateJoined")),
        marketing_consent=consent_from_metadata(user.metadata, shop),
    )
