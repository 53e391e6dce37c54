"""Standalone carts: `POST checkouts` (a JSON batch), so the abandoned-cart flow fires for shops off Saleor.

A cart is identified by its `token`; sending the same snapshot again changes nothing, a newer
`last_change` replaces it. An order sent with the cart's `checkout_token` completes it (the flow's
mail then stops). All or nothing: every cart is validated first, a refusal names the cart (its
1-based position), the field and the reason in English and Japanese.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Optional

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, ValidationError, field_validator

from .. import db
from ..auth import Scope
from ..ingest.checkouts import store_checkouts
from ..ingest.facts import CheckoutData
from ..ingest.formats.customers import FIELD_JA as CUSTOMER_JA
from ..models import CheckoutFact, Source
from .catalogue import _web_url
from .customers import _inlined
from .file_import import pydantic_errors
from .imports import ERRORS, _refused, json_batch
from .orders import to_customer_ref
from .schemas import MAX_BATCH, MAX_LINES, MONEY_LIMIT, CustomerIn, Input, Money, OrderTime
from .security import need

router = Router(tags=["checkouts"])
FIELD_JA = {**CUSTOMER_JA, "token": "カートID", "channel": "チャネル", "currency": "通貨",
            "last_change": "最終更新日時", "total_gross": "合計金額", "lines": "カート明細", "customer": "購入者",
            "sku": "商品番号", "product_name": "商品名", "variant_name": "バリエーション名", "variant_id": "バリエーションID",
            "product_id": "商品ID", "product_slug": "商品スラッグ", "quantity": "数量", "unit_price": "単価",
            "amount": "金額", "image_url": "画像URL", "product_url": "商品URL", "checkouts": "カート", "body": "本文"}


class CheckoutLineIn(Input):
    sku: Annotated[str, Field(min_length=1, max_length=255)]
    product_name: Annotated[str, Field(max_length=386)] = Field(
        "", description="Shown in the mail; empty: the catalogue's or the latest order line's name for the SKU.")
    variant_name: Annotated[str, Field(max_length=255)] = ""
    product_id: Annotated[str, Field(max_length=64)] = ""
    variant_id: Annotated[str, Field(max_length=64)] = ""
    product_slug: Annotated[str, Field(max_length=255)] = Field(
        "", description="Fills the channel's product_url_template {slug}.")
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    unit_price: Optional[Money] = None
    amount: Optional[Money] = Field(None, description="Line total; defaults to quantity × unit_price.")
    image_url: Annotated[str, Field(max_length=2048)] = ""
    product_url: Annotated[str, Field(max_length=2048)] = ""

    @field_validator("image_url", "product_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _web_url(value)

    @field_validator("unit_price")
    @classmethod
    def _line_total_fits(cls, value, info):
        quantity = info.data.get("quantity")
        if value is not None and quantity is not None and value * quantity >= MONEY_LIMIT:
            raise ValueError(f"quantity × unit_price must be below {MONEY_LIMIT:,.0f}")
        return value


class CheckoutIn(Input):
    token: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        ..., description="Your cart's id: sending it again updates the same cart.")
    channel: Annotated[str, Field(min_length=1, max_length=128)] = "default-channel"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "JPY"
    last_change: OrderTime = Field(
        ..., description="When the buyer last changed the cart, with a time zone. The abandoned-cart flow counts "
                         "idle time from it; an older snapshot never overwrites a newer one.")
    customer: CustomerIn = Field(..., description="The buyer; a cart without an e-mail is never 'abandoned'.")
    total_gross: Optional[Money] = Field(None, description="Defaults to the sum of the lines' amounts.")
    lines: Annotated[list[CheckoutLineIn], Field(max_length=MAX_LINES)] = []


class CheckoutBatchIn(Input):
    checkouts: Annotated[list[dict], Field(min_length=1, max_length=MAX_BATCH)] = Field(
        ..., description="CheckoutIn objects.")


class CheckoutsOut(Schema):
    received: int
    created: int
    updated: int
    unchanged: int
    written: int


def _line(line: CheckoutLineIn) -> dict:
    amount = line.amount if line.amount is not None else (
        line.unit_price * line.quantity if line.unit_price is not None else None)
    values = line.model_dump(exclude={"unit_price", "amount"})
    return {**{k: v for k, v in values.items() if v != ""}, "sku": line.sku, "quantity": line.quantity,
            "unit_price": str(line.unit_price) if line.unit_price is not None else "",
            "amount": str(amount) if amount is not None else ""}


def to_checkout_data(checkout: CheckoutIn) -> CheckoutData:
    lines = tuple(_line(line) for line in checkout.lines)
    total = checkout.total_gross if checkout.total_gross is not None else sum(
        (Decimal(line["amount"]) for line in lines if line["amount"]), Decimal(0))
    return CheckoutData(source=Source.REST, token=checkout.token, channel=checkout.channel,
                        currency=checkout.currency, last_change=checkout.last_change,
                        customer=to_customer_ref(checkout.customer), total_gross=total, lines=lines)


def _validate(records: list[dict]) -> tuple[list[CheckoutData], list[dict]]:
    good, errors = {}, []
    for position, record in enumerate(records, start=1):
        try:
            good[position] = to_checkout_data(CheckoutIn.model_validate(record))
        except ValidationError as exc:
            errors.extend(pydantic_errors(exc, position, names=FIELD_JA))
    others = dict(CheckoutFact.objects.filter(token__in=[c.token for c in good.values()])
                  .exclude(source=Source.REST).values_list("token", "source"))
    for position, checkout in good.items():
        if checkout.token in others:  # a Saleor checkout's token: REST must not overwrite the shop's own cart
            errors.append({"row": position, "field": "token",
                           "message": f"token belongs to a {others[checkout.token]} checkout",
                           "message_ja": f"カートID: {others[checkout.token]} のカートのIDです"})
    return list(good.values()), sorted(errors, key=lambda e: e["row"])


BATCH_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["checkouts"], "properties": {
        "checkouts": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                      "items": _inlined(CheckoutIn.model_json_schema())}}}}}}}


@router.post("checkouts", response={200: CheckoutsOut, **ERRORS}, openapi_extra=BATCH_DOC,
             summary="Store a batch of carts (standalone checkouts; idempotent by token, all or nothing)")
def ingest_checkouts(request: HttpRequest):
    """Up to 5 000 carts per call, in a body of at most 24 MiB. A cart with lines and a buyer's e-mail
    that stays unchanged past the channel's `abandoned_checkout_minutes` is abandoned, and the
    abandoned-cart flow mails its buyer (consent and the send policy permitting). Lines need a
    `sku` and a `quantity`; a name, a picture (`image_url`) and a page (`product_url`) shown in the
    mail default to the catalogue's. An order sent with `checkout_token` equal to the cart's token
    completes it. One invalid cart refuses the call with 422 naming each cart (`row`: its 1-based
    position), field and reason in English and Japanese; nothing is stored."""
    need(request, Scope.INGEST)
    batch, refused = json_batch(request, CheckoutBatchIn, FIELD_JA)
    if refused:
        return refused
    good, errors = _validate(batch.checkouts)
    if errors:
        bad = len({e["row"] for e in errors})
        return _refused(f"{bad} cart(s) are invalid; nothing was stored",
                        f"不正なカートが {bad} 件あります。何も保存していません", errors)
    with db.writer():
        counts = store_checkouts(good)
    return Status(200, {"received": len(good), "created": counts.created, "updated": counts.updated,
                        "unchanged": counts.unchanged, "written": counts.written})
