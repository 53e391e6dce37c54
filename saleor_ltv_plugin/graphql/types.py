"""Object types: an account with its metrics, contacts, SKU reorder dates and orders."""

from __future__ import annotations

import datetime as dt

import graphene
from graphene import relay

from ..automation.segment_use import uses_of
from ..engine.metric_columns import FIGURES
from ..models import Account, SavedSegment
from . import loaders
from .core import CountableConnection
from .enums import LtvCpmCell, LtvRfmSegment, LtvStage

MAX_NESTED = 50


def _node(info, queryset, id):
    """Node lookup for staff: the read permission, then the row or None (Relay's not-found)."""
    from ..auth import Scope
    from .permissions import require

    require(info, Scope.READ)
    try:
        return queryset.get(pk=int(id))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        return None


def _bounded(value: int | None, default: int) -> int:
    return max(0, min(MAX_NESTED, default if value is None else value))


class LtvMoney(graphene.ObjectType):
    amount = graphene.Float(required=True)
    currency = graphene.String(required=True)


def money(amount, currency):
    return None if amount is None else LtvMoney(amount=float(amount), currency=currency)


def money_field(attribute: str, required: bool = False, **kwargs) -> graphene.Field:
    """An amount in the row's currency, read from `attribute`."""
    return graphene.Field(LtvMoney, required=required, **kwargs,
                          resolver=lambda root, info: money(getattr(root, attribute), root.currency))


class LtvCompanyMembership(graphene.Enum):
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"

    @property
    def description(self):
        return ("Staff confirmed the buyer belongs to the account (they see its rhythm on the storefront)."
                if self == LtvCompanyMembership.CONFIRMED else "Only the typed company name links them.")


def _link(contact):
    return getattr(contact, "ltv_link", None)


class LtvContact(graphene.ObjectType):
    contact_id = graphene.ID(required=True, description="For ltvContactMembershipSet.")
    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    company_name = graphene.String(required=True)
    language_code = graphene.String(required=True)
    saleor_user_id = graphene.String(description="Saleor's User id, when the buyer has an account.")
    external_key = graphene.String(required=True, description="A mall's or ERP's customer id (rakuten:…), for "
                                                              "ltvCustomerAccountLink; empty for others.")
    marketing_consent = graphene.String(required=True)
    unsubscribed = graphene.Boolean(required=True)
    phone = graphene.String(required=True, description="E.164 (+81312345678), empty when unknown; for tel: links.")

    membership = graphene.Field(
        LtvCompanyMembership, description="In the account it was listed under (null elsewhere).")
    membership_confirmed_at = graphene.DateTime()
    membership_confirmed_by = graphene.String()
    joined_at = graphene.DateTime(description="The buyer's first order in the account.")

    @staticmethod
    def resolve_contact_id(root, info):
        return relay.Node.to_global_id("LtvContact", root.pk)

    @staticmethod
    def resolve_unsubscribed(root, info):
        return root.unsubscribed_at is not None

    @staticmethod
    def resolve_membership(root, info):
        link = _link(root)
        if link is None:
            return None
        return LtvCompanyMembership.CONFIRMED if link.confirmed_at else LtvCompanyMembership.UNCONFIRMED

    @staticmethod
    def resolve_membership_confirmed_at(root, info):
        return getattr(_link(root), "confirmed_at", None)

    @staticmethod
    def resolve_membership_confirmed_by(root, info):
        link = _link(root)
        return link.confirmed_by if link is not None and link.confirmed_at else None

    @staticmethod
    def resolve_joined_at(root, info):
        return getattr(_link(root), "first_seen_at", None)


class LtvSkuReorder(graphene.ObjectType):
    sku = graphene.String(required=True)
    product_name = graphene.String(required=True)
    purchases = graphene.Int(required=True)
    last_purchase_on = graphene.Date(required=True, source="last_purchase_at")
    typical_interval_days = graphene.Float()
    next_reorder_on = graphene.Date(description="Predicted date the SKU runs out (買い忘れ防止).")
    days_until_due = graphene.Int(description="Negative: overdue.")

    @staticmethod
    def resolve_product_name(root, info):
        return loaders.loader(info, loaders.ProductNameBySku).load(root.sku)

    @staticmethod
    def resolve_days_until_due(root, info):
        return None if root.next_reorder_on is None else (root.next_reorder_on - dt.date.today()).days


class LtvOrderLine(graphene.ObjectType):
    sku = graphene.String(required=True)
    product_name = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    amount = graphene.Float(required=True)


class LtvShipment(graphene.ObjectType):
    ref = graphene.String(required=True, source="shipment_ref", description="The source's fulfilment id.")
    shipped_at = graphene.DateTime(required=True)
    tracking_number = graphene.String(required=True)
    carrier = graphene.String(required=True)


class LtvAcquisition(graphene.ObjectType):
    """Where an account came from: its first order's campaign tags, voucher and sales source ('' when none)."""

    source = graphene.String(required=True, source="acquisition_source", description="utm_source")
    medium = graphene.String(required=True, source="acquisition_medium", description="utm_medium")
    campaign = graphene.String(required=True, source="acquisition_campaign", description="utm_campaign")
    voucher_code = graphene.String(required=True, source="acquisition_voucher")
    sales_source = graphene.String(required=True, source="acquisition_sales_source")
    acquired_at = graphene.DateTime(description="When the first order was placed.")


class LtvOrder(graphene.ObjectType):
    external_id = graphene.String(required=True)
    number = graphene.String(required=True)
    source = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    status = graphene.String(required=True)
    counts_as_purchase = graphene.Boolean(required=True)
    total = money_field("total_gross", True, description="Gross total.")
    net_amount = money_field("amount", True, description="Gross minus refunds: what counts as spend.")
    lines = graphene.List(graphene.NonNull(LtvOrderLine), required=True)
    shipments = graphene.List(graphene.NonNull(LtvShipment), required=True, description="Parcels sent (発送).")

    @staticmethod
    def resolve_lines(root, info):
        return loaders.loader(info, loaders.LinesByOrder).load(root.pk)

    @staticmethod
    def resolve_shipments(root, info):
        return loaders.loader(info, loaders.ShipmentsByOrder).load(root.pk)


_LABELS = {"rfm_segment": LtvRfmSegment, "cpm_cell": LtvCpmCell, "stage": LtvStage}


def _metric_field(column):
    """The GraphQL field of one metric column (engine/metric_columns.py), typed by its kind."""
    about = {"description": column.description or None}
    if column.kind == "date":
        return graphene.Date(source=column.name, **about)
    if column.kind == "count":
        return graphene.Int(required=True, **about)
    if column.kind in ("days", "score"):
        return graphene.Int(**about)
    if column.kind == "money":
        return money_field(column.name, column.required, **about)
    if column.kind == "label":  # '' (none) is null
        return graphene.Field(_LABELS[column.name], **about,
                              resolver=lambda root, info, name=column.name: getattr(root, name) or None)
    if column.kind == "ratio":
        return graphene.Float(**about)
    assert column.kind == "flag", column
    return graphene.Boolean(required=True, **about)


def _metric_name(column) -> str:
    """A day is `…On` in GraphQL (first_purchase_at → firstPurchaseOn): the store keeps days, not moments."""
    return column.name[:-3] + "_on" if column.kind == "date" and column.name.endswith("_at") else column.name


LtvAccountMetrics = type("LtvAccountMetrics", (graphene.ObjectType,), {
    **{_metric_name(column): _metric_field(column) for column in FIGURES},
    "computed_at": graphene.DateTime(required=True),
})


class LtvAccount(graphene.ObjectType):
    name = graphene.String(required=True)
    channel = graphene.String(required=True)
    currency = graphene.String(required=True)
    key_kind = graphene.String(required=True, description="company, metadata, user or email.")
    erased = graphene.Boolean(required=True, description="Its person was erased: the key is an anonymous hash.")
    acquisition = graphene.Field(LtvAcquisition, required=True)
    metrics = graphene.Field(LtvAccountMetrics, description="Null until the first recompute scores it.")
    contacts = graphene.List(graphene.NonNull(LtvContact), required=True)
    unconfirmed_contacts = graphene.Int(
        required=True, description="Buyers not confirmed as members: new ones joined by typing the company's name.")
    sku_reorders = graphene.List(
        graphene.NonNull(LtvSkuReorder), required=True,
        first=graphene.Int(default_value=10, description=f"At most {MAX_NESTED}."),
        due_within_days=graphene.Int(description="Only SKUs due within this many days (or overdue)."),
    )
    orders = graphene.List(
        graphene.NonNull(LtvOrder), required=True, first=graphene.Int(default_value=20, description=f"At most {MAX_NESTED}.")
    )

    class Meta:
        interfaces = (relay.Node,)

    @classmethod
    def get_node(cls, info, id):
        return _node(info, Account.objects.select_related("metrics"), id)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, Account)

    @staticmethod
    def resolve_name(root, info):
        return root.display_name or root.key

    @staticmethod
    def resolve_acquisition(root, info):
        return root

    @staticmethod
    def resolve_metrics(root, info):
        return getattr(root, "metrics", None)

    @staticmethod
    def resolve_contacts(root, info):
        return loaders.loader(info, loaders.ContactsByAccount).load(root.pk)

    @staticmethod
    def resolve_unconfirmed_contacts(root, info):
        contacts = loaders.loader(info, loaders.ContactsByAccount).load(root.pk)
        return contacts.then(lambda rows: sum(1 for c in rows if _link(c).confirmed_at is None))

    @staticmethod
    def resolve_sku_reorders(root, info, first=10, due_within_days=None):
        due_by = None if due_within_days is None else dt.date.today() + dt.timedelta(days=due_within_days)
        return loaders.loader(info, loaders.SkuRhythmsByAccount).load((root.pk, _bounded(first, 10), due_by))

    @staticmethod
    def resolve_orders(root, info, first=20):
        return loaders.loader(info, loaders.OrdersByAccount).load((root.pk, _bounded(first, 20)))


class LtvAccountCountableConnection(CountableConnection):
    class Meta:
        node = LtvAccount


class LtvSegmentCount(graphene.ObjectType):
    day = graphene.Date(required=True)
    accounts = graphene.Int(required=True)
    revenue = graphene.Float(required=True)


class LtvSegmentUse(graphene.ObjectType):
    """A ready scenario whose `segment_id` parameter names a saved segment, or a shop's own flow
    whose trigger, entry filter or a split names it."""

    kind = graphene.String(required=True, description="`scenario` or `flow`.")
    channel = graphene.String(required=True)
    scenario = graphene.String(required=True, description="The scenario's or the flow's key.")
    name = graphene.String(required=True)
    enabled = graphene.Boolean(required=True, description="The scenario is on; the flow is live.")

    @staticmethod
    def resolve_scenario(root, info):
        return root.key


class LtvSavedSegment(graphene.ObjectType):
    name = graphene.String(required=True)
    channel = graphene.String(required=True)
    description = graphene.String(required=True)
    filter = graphene.JSONString(required=True, description="The ltvAccounts filter it stands for.")
    accounts_count = graphene.Int(required=True, description="Accounts matching now.")
    history = graphene.List(graphene.NonNull(LtvSegmentCount), required=True, since=graphene.Date())
    used_by = graphene.List(graphene.NonNull(LtvSegmentUse), required=True,
                            description="Scenarios (on or off) and flows (not archived) that use it.")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    class Meta:
        interfaces = (relay.Node,)

    @classmethod
    def get_node(cls, info, id):
        return _node(info, SavedSegment.objects.all(), id)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, SavedSegment)

    @staticmethod
    def resolve_accounts_count(root, info):
        from ..queries.accounts import clean_filter, filter_accounts

        return filter_accounts(clean_filter({**root.filter, "channel": root.channel})).count()

    @staticmethod
    def resolve_used_by(root, info):
        return uses_of(root.pk)

    @staticmethod
    def resolve_history(root, info, since=None):
        counts = root.counts.order_by("day")
        if since is not None:
            counts = counts.filter(day__gte=since)
        return [LtvSegmentCount(day=c.day, accounts=c.accounts, revenue=float(c.revenue)) for c in counts[:800]]


class LtvSavedSegmentCountableConnection(CountableConnection):
    class Meta:
        node = LtvSavedSegment
