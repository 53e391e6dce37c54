"""Webhook bodies and GraphQL nodes in Saleor 3.23.28's shape, for the fragments in subscriptions.py.

Shapes as Saleor sends them (research/saleor_app.md §2.2, §6.7): the body is the `event` object itself,
amounts are JSON floats, ids are global ids (base64 "Type:pk"), enums are upper-case names, and a
non-null field that failed nulls its object and adds `errors`. `as_delivered` serialises a body the way
Saleor's transport does (json.dumps) so tests parse real bytes.
"""

from __future__ import annotations

import json

from saleor_ltv_plugin.hosts.saleor.ids import global_id

APP = global_id("App", 1)
ISSUED = "2026-05-01T09:00:00.350000+00:00"


def as_delivered(body: dict) -> bytes:
    return json.dumps(body).encode()


def money(amount, currency=None) -> dict:
    return {"amount": amount, **({"currency": currency} if currency else {})}


def address(**overrides) -> dict:
    value = {"firstName": "太郎", "lastName": "鈴木", "companyName": "鈴木工業株式会社", "phone": "+81312345678",
             "postalCode": "1000005", "country": {"code": "JP"}, "countryArea": "東京都", "city": "千代田区",
             "cityArea": "", "streetAddress1": "丸の内1-1-1", "streetAddress2": "", "metadata": []}
    value.update(overrides)
    return value


def buyer(pk=42, email="suzuki@suzuki-kogyo.example", metadata=(), private=()) -> dict:
    return {"id": global_id("User", pk), "email": email, "firstName": "Taro", "lastName": "Suzuki",
            "metadata": [{"key": k, "value": v} for k, v in metadata],
            "privateMetadata": [{"key": k, "value": v} for k, v in private]}


def variant(pk=51, sku="SUP-0187", name="500枚×5冊", product_pk=11, image=True, product="コピー用紙 A4",
            slug="copy-paper-a4", category=("文具", "コピー用紙")) -> dict:
    media = [{"type": "IMAGE", "url": f"https://api.shop.example/thumbnail/media-{pk}/256/"}] if image else []
    tree = None
    for name_ in category:  # root first; Saleor nests the parent inside
        tree = {"name": name_, "parent": tree}
    return {"id": global_id("ProductVariant", pk), "sku": sku, "name": name, "media": media,
            "product": {"id": global_id("Product", product_pk), "name": product, "slug": slug,
                        "media": [{"type": "VIDEO", "url": "https://youtube.example/v"}], "category": tree}}


def order_line(pk: str, quantity=2, unit=2980.0, sku="SUP-0187", line_variant=None) -> dict:
    return {"id": global_id("OrderLine", pk), "productSku": sku, "productName": "コピー用紙 A4",
            "variantName": "500枚×5冊", "quantity": quantity, "unitPrice": {"gross": money(unit)},
            "totalPrice": {"gross": money(round(unit * quantity, 2))},
            "variant": line_variant if line_variant is not None else variant()}


ORDER_PK = "5f0e6a51-3a3b-4b8f-9d1e-0c2b7d9a1e01"
LINE_PK = "9a7c2f10-1b2c-4d3e-8f90-a1b2c3d4e5f6"
CHECKOUT_TOKEN = "0d8a3c1e-7e1f-4c55-b6a2-2f9d8c7b6a50"


def order(pk=ORDER_PK, number=1001, status="UNFULFILLED", updated="2026-05-01T09:00:00+00:00", gross=5960.0,
          net=5418.18, currency="JPY", user=None, email="suzuki@suzuki-kogyo.example", language="JA",
          payments=(), transactions=(), fulfillments=(), metadata=(), lines=None, billing=None) -> dict:
    return {
        "id": global_id("Order", pk), "number": str(number), "created": "2026-05-01T08:59:00+00:00",
        "updatedAt": updated, "status": status, "origin": "CHECKOUT", "chargeStatus": "FULL",
        "channel": {"slug": "default-channel"}, "userEmail": email, "languageCodeEnum": language,
        "checkoutId": global_id("Checkout", CHECKOUT_TOKEN), "voucherCode": None,
        "metadata": [{"key": k, "value": v} for k, v in metadata],
        "total": {"gross": money(gross, currency), "net": money(net)},
        "user": user, "billingAddress": billing if billing is not None else address(),
        "lines": lines if lines is not None else [order_line(LINE_PK)],
        "payments": [{"transactions": list(payment)} for payment in payments],
        "transactions": [{"refundedAmount": money(amount)} for amount in transactions],
        "fulfillments": list(fulfillments),
    }


def payment_txn(kind: str, amount: float, ok=True) -> dict:
    return {"kind": kind, "isSuccess": ok, "amount": money(amount)}


def order_event(typename: str, node: dict | None, ref: dict | None = None, errors=None) -> dict:
    body = {"__typename": typename, "issuedAt": ISSUED, "version": "3.23.28", "recipient": {"id": APP},
            "ref": ref if ref is not None else ({"id": node["id"], "number": node["number"],
                                                 "updatedAt": node["updatedAt"]} if node else None),
            "order": node}
    if errors:
        body["errors"] = errors
    return body


def populatedb_trap(pk="c2b1a0f9-0000-4000-8000-000000000777", number=17) -> dict:
    """Saleor's sample data: origin '' is no OrderOriginEnum value, so the non-null `origin` nulls the order."""
    return order_event("OrderUpdated", None, ref={"id": global_id("Order", pk), "number": str(number),
                                                  "updatedAt": "2026-05-01T09:00:00+00:00"},
                       errors=[{"message": "Cannot return null for non-nullable field Order.origin.",
                                "path": ["event", "order", "origin"]}])


def checkout(token=CHECKOUT_TOKEN, updated="2026-05-01T08:30:00+00:00", total=5960.0, user=None,
             email="suzuki@suzuki-kogyo.example", language="JA", lines=None) -> dict:
    return {"id": global_id("Checkout", token), "token": token, "updatedAt": updated, "email": email,
            "languageCode": language, "channel": {"slug": "default-channel", "currencyCode": "JPY"},
            "totalPrice": {"gross": money(total, "JPY")}, "user": user, "billingAddress": address(),
            "lines": lines if lines is not None else [
                {"id": global_id("CheckoutLine", "l1"), "quantity": 2, "totalPrice": {"gross": money(total)},
                 "undiscountedUnitPrice": money(2980.0), "variant": variant()}]}


def checkout_event(typename: str, node: dict | None) -> dict:
    return {"__typename": typename, "issuedAt": ISSUED, "version": "3.23.28", "recipient": {"id": APP},
            "ref": {"id": node["id"], "token": node["token"], "updatedAt": node["updatedAt"]} if node else None,
            "checkout": node}


def user(pk=42, email="suzuki@suzuki-kogyo.example", metadata=(), private=(), language="JA", active=True) -> dict:
    return {**buyer(pk, email, metadata, private), "isActive": active, "dateJoined": "2026-04-01T00:00:00+00:00",
            "updatedAt": "2026-05-01T09:00:00+00:00", "languageCode": language,
            "defaultBillingAddress": address(metadata=[{"key": "department", "value": "購買部"}])}


def customer_event(typename: str, node: dict) -> dict:
    return {"__typename": typename, "issuedAt": ISSUED, "version": "3.23.28", "recipient": {"id": APP},
            "ref": {"id": node["id"], "email": node["email"]}, "user": node}


def deletion(typename: str, pk=42, email="suzuki@suzuki-kogyo.example") -> dict:
    """CustomerDeleted / AccountDeleted as seen live: the deleted user's id and e-mail only."""
    return {"__typename": typename, "issuedAt": ISSUED, "version": "3.23.28", "recipient": {"id": APP},
            "user": {"id": global_id("User", pk), "email": email}}
