"""Storefront queries for a signed-in customer: their account's reorder dates and rhythm,
and product-view tracking for browse abandonment."""

from __future__ import annotations

import datetime as dt
import re

import graphene
from django.utils import timezone

from .. import throttle
from ..ingest import product_views
from ..models import AccountMetrics, AccountSkuRhythm, Contact
from ..queries.errors import InputError
from ..queries.membership import visible_account_ids
from .core import LtvError, errors_from
from .permissions import principal, require_customer
from .types import LtvSkuReorder

# A storefront reports a view per page load (repeats inside product_views.DEDUP_MINUTES are one
# view). One visitor (session or customer) may report RATE_LIMIT views per RATE_WINDOW; as session
# keys are free, anonymous views are also bounded per client address and all together.
RATE_LIMIT = 60
RATE_WINDOW_SECONDS = 600
ADDRESS_LIMIT = 600  # an office behind one NAT is many visitors
ADDRESS_WINDOW_SECONDS = 600
ANONYMOUS_LIMIT = 3000
ANONYMOUS_WINDOW_SECONDS = 60
LIMIT_SCOPE = {"views": ("1人の閲覧者につき", "per visitor"),
               "views-address": ("1つの接続元アドレスにつき", "per client address"),
               "views-anonymous": ("未ログインの閲覧者全体で", "for all anonymous visitors together")}
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


# What each field may hold: Saleor's ids are base64 (other storefronts' ids are similar), a
# channel is a slug, a session key an opaque token such as a UUID; a SKU is free text without
# control or bidi-override characters.
_ID = re.compile(r"[A-Za-z0-9+/=_.:-]+")
_FIELDS = {
    "channel": (1, 128, re.compile(r"[A-Za-z0-9_-]+"), "英数字・-・_", "letters, digits, - and _"),
    "product_id": (1, 64, _ID, "英数字と+/=_.:-", "letters, digits and +/=_.:-"),
    "variant_id": (1, 64, _ID, "英数字と+/=_.:-", "letters, digits and +/=_.:-"),
    "sku": (1, 255, re.compile(r"[^\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+"),
            "制御文字を含まない文字", "no control characters"),
    "session_key": (8, 64, re.compile(r"[A-Za-z0-9_.:-]+"), "英数字・-・_・.・:", "letters, digits and -_.:"),
}


def _field_errors(data) -> dict[str, str]:
    errors = {}
    for name, (low, high, allowed, ja, en) in _FIELDS.items():
        value = data.get(name)
        if value is None or (value == "" and name in ("variant_id", "sku")):
            continue
        if not (low <= len(value) <= high and allowed.fullmatch(value)):
            errors[f"input.{name}"] = f"must be {low} to {high} characters: {en} / {low}〜{high}文字の{ja}で指定してください"
    return errors


def _refuse_over(name: str, who: str, limit: int, window_seconds: int) -> None:
    if throttle.over_limit(name, who, limit, window_seconds):
        minutes = window_seconds // 60
        raise InputError({"input": f"at most {limit} views per {minutes} minute(s) {LIMIT_SCOPE[name][1]}; "
                                   f"try again later / {LIMIT_SCOPE[name][0]}{minutes}分あたり{limit}回までです。"
                                   "しばらくしてから再度お試しください"}, code="rate_limited")


def _track(info, data) -> bool:
    errors = _field_errors(data)
    who = principal(info)
    contact = None
    if who.is_customer and who.user_id:
        contact = Contact.objects.filter(saleor_user_id=who.user_id, erased_at__isnull=True).first()
    elif not data.get("session_key"):
        errors["input.session_key"] = "required without a customer token / 未ログインの場合は必須です"
    if errors:
        raise InputError(errors)
    if who.is_customer:
        _refuse_over("views", f"user:{who.user_id}", RATE_LIMIT, RATE_WINDOW_SECONDS)
    else:  # a session key costs nothing to rotate: the address and the whole anonymous crowd are bounded too
        _refuse_over("views", f"session:{data['session_key']}", RATE_LIMIT, RATE_WINDOW_SECONDS)
        _refuse_over("views-address", throttle.client_address(info.context), ADDRESS_LIMIT, ADDRESS_WINDOW_SECONDS)
        _refuse_over("views-anonymous", "all", ANONYMOUS_LIMIT, ANONYMOUS_WINDOW_SECONDS)
    # A signed-in customer with no order yet has no contact row: keep the user id to stitch later.
    session = (data.get("session_key") or "") if not who.is_customer or contact else f"user:{who.user_id}"[:64]
    return product_views.record_view(
        contact=contact, session_key=session, channel=data["channel"], product_id=data["product_id"],
        variant_id=data.get("variant_id") or "", sku=data.get("sku") or "", now=timezone.now())
