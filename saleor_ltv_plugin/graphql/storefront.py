"""Storefront queries for a signed-in customer: their account's reorder dates and rhythm,
and product-view tracking for browse abandonment."""

from __future__ import annotations

import datetime as dt
import hashlib

import graphene
from django.core.cache import cache
from django.utils import timezone

from ..models import AccountMetrics, AccountSkuRhythm, Contact, ProductView
from ..queries.errors import InputError
from ..queries.membership import visible_account_ids
from .core import LtvError, errors_from
from .permissions import principal, require_customer
from .types import LtvSkuReorder

# A storefront reports a view per page load: repeats of one product inside this window
# are one view, and one visitor may report at most RATE_LIMIT views per RATE_WINDOW.
DEDUP_MINUTES = 30
RATE_LIMIT = 60
RATE_WINDOW_SECONDS = 600
# The expected-order window spans this share of the account's interval on each side.
WINDOW_SHARE = 0.2


def _account_ids(info, channel: str | None) -> list[int]:
    who = require_customer(info)
    contacts = Contact.objects.filter(saleor_user_id=who.user_id, erased_at__isnull=True)
    qs = AccountMetrics.objects.filter(account__contacts__in=contacts, account__erased=False)
    if channel:
        qs = qs.filter(channel=channel)
    # A shared (company) account only once the shop confirmed the buyer belongs to it.
    return visible_account_ids(contacts.values_list("pk", flat=True), qs.values_list("account_id", flat=True))


class LtvAccountInsights(graphene.ObjectType):
    channel = graphene.String(required=True)
    currency = graphene.String(required=True)
    orders_count = graphene.Int(required=True, description="Purchase occasions so far.")
    last_order_on = graphene.Date()
    typical_interval_days = graphene.Float()
    next_order_expected_on = graphene.Date()
    next_order_window_start = graphene.Date()
    next_order_window_end = graphene.Date()


class StorefrontQueries(graphene.ObjectType):
    my_reorder_suggestions = graphene.List(
        graphene.NonNull(LtvSkuReorder), required=True,
        channel=graphene.String(), due_within_days=graphene.Int(default_value=30),
        first=graphene.Int(default_value=20, description="At most 100."),
        description="SKUs of the customer's account likely due for reorder, soonest first. Customer token.",
    )
    my_account_insights = graphene.List(
        graphene.NonNull(LtvAccountInsights), required=True, channel=graphene.String(),
        description="The customer's account(s): when the next order is expected. Customer token.",
    )

    @staticmethod
    def resolve_my_reorder_suggestions(root, info, channel=None, due_within_days=30, first=20):
        if not (0 <= due_within_days <= 3650):
            raise InputError({"due_within_days": "must be between 0 and 3650"})
        if not (0 <= first <= 100):
            raise InputError({"first": "must be between 0 and 100"})
        due_by = dt.date.today() + dt.timedelta(days=due_within_days)
        return list(
            AccountSkuRhythm.objects.filter(account_id__in=_account_ids(info, channel), next_reorder_on__lte=due_by)
            .order_by("next_reorder_on", "sku")[:first]
        )

    @staticmethod
    def resolve_my_account_insights(root, info, channel=None):
        out = []
        for m in AccountMetrics.objects.filter(account_id__in=_account_ids(info, channel)).order_by("channel", "currency"):
            start = end = None
            if m.next_purchase_on and m.typical_interval_days:
                half = dt.timedelta(days=round(m.typical_interval_days * WINDOW_SHARE))
                start, end = m.next_purchase_on - half, m.next_purchase_on + half
            out.append(LtvAccountInsights(
                channel=m.channel, currency=m.currency, orders_count=m.frequency, last_order_on=m.last_purchase_at,
                typical_interval_days=m.typical_interval_days, next_order_expected_on=m.next_purchase_on,
                next_order_window_start=start, next_order_window_end=end,
            ))
        return out


class TrackProductViewInput(graphene.InputObjectType):
    channel = graphene.String(required=True)
    product_id = graphene.String(required=True, description="Saleor Product id.")
    variant_id = graphene.String()
    sku = graphene.String()
    session_key = graphene.String(description="Anonymous visitors: a stable session id (required without a token).")


class TrackProductView(graphene.Mutation):
    recorded = graphene.Boolean(required=True, description="False when deduplicated.")
    errors = graphene.List(graphene.NonNull(LtvError), required=True)

    class Arguments:
        input = TrackProductViewInput(required=True)

    @staticmethod
    def mutate(root, info, input):
        try:
            return TrackProductView(recorded=_track(info, input), errors=[])
        except InputError as exc:
            return TrackProductView(recorded=False, errors=errors_from(exc))


def _track(info, data) -> bool:
    errors = {}
    for name, limit in (("channel", 128), ("product_id", 64), ("variant_id", 64), ("sku", 255), ("session_key", 64)):
        value = data.get(name)
        if value is not None and (len(value) > limit or (name in ("channel", "product_id") and not value.strip())):
            errors[f"input.{name}"] = f"must be 1 to {limit} characters"
    who = principal(info)
    contact = None
    if who.is_customer and who.user_id:
        contact = Contact.objects.filter(saleor_user_id=who.user_id, erased_at__isnull=True).first()
    elif not (data.get("session_key") or "").strip():
        errors["input.session_key"] = "required without a customer token"
    if errors:
        raise InputError(errors)
    visitor = f"user:{who.user_id}" if who.is_customer else f"session:{data['session_key']}"
    rate_key = "ltv:views:" + hashlib.sha256(visitor.encode()).hexdigest()[:32]  # any text, safe key
    cache.add(rate_key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(rate_key)
    except ValueError:  # expired between add and incr
        cache.set(rate_key, 1, RATE_WINDOW_SECONDS)
        count = 1
    if count > RATE_LIMIT:
        raise InputError({"input": f"at most {RATE_LIMIT} views per {RATE_WINDOW_SECONDS // 60} minutes"}, code="rate_limited")
    now = timezone.now()
    recent = ProductView.objects.filter(product_id=data["product_id"], channel=data["channel"],
                                        viewed_at__gte=now - dt.timedelta(minutes=DEDUP_MINUTES))
    # A signed-in customer with no order yet has no contact row: keep the user id to stitch later.
    session = (data.get("session_key") or "") if not who.is_customer or contact else visitor
    recent = recent.filter(contact=contact) if contact else recent.filter(contact=None, session_key=session)
    if recent.exists():
        return False
    ProductView.objects.create(
        contact=contact, session_key=session[:64], channel=data["channel"],
        product_id=data["product_id"], variant_id=data.get("variant_id") or "", sku=data.get("sku") or "",
        viewed_at=now,
    )
    return True
