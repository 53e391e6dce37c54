"""The plugin's own tables: what was bought, by whom, and what came in.

Money is stored as Decimal in the order's currency; every table keeps the
source's raw payload or id so a fact can always be traced back and rebuilt.
"""

from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    SALEOR = "saleor", "Saleor"
    REST = "rest", "REST API"
    CSV = "csv", "CSV import"
    DEMO = "demo", "Demo data"


class AccountKeyKind(models.TextChoices):
    COMPANY = "company", "Company (billing company name)"
    METADATA = "metadata", "User metadata key"
    USER = "user", "Saleor user"
    EXTERNAL = "external", "A mall's or ERP's customer id"
    EMAIL = "email", "E-mail (guests)"


class SalesSource(models.TextChoices):
    """Where an order was sold (reports split by it), apart from how it reached us (Source)."""

    OWN_SHOP = "own_shop", "Own shop"
    RAKUTEN = "rakuten", "Rakuten Ichiba"
    AMAZON = "amazon", "Amazon"
    YAHOO = "yahoo", "Yahoo! Shopping"
    SHOPIFY = "shopify", "Shopify"
    MAKESHOP = "makeshop", "MakeShop"
    FUTURESHOP = "futureshop", "futureshop"
    PHONE = "phone", "Phone"
    FAX = "fax", "FAX"
    ERP = "erp", "ERP / sales system"
    OTHER = "other", "Other"


class Account(models.Model):
    """The unit analysed: a buying company (B2B) or a person (B2C), per channel and currency."""

    channel = models.CharField(max_length=128)
    currency = models.CharField(max_length=3)
    key_kind = models.CharField(max_length=16, choices=AccountKeyKind.choices)
    key = models.CharField(max_length=255, help_text="Normalised key for key_kind.")
    display_name = models.CharField(max_length=255, blank=True, default="")
    erased = models.BooleanField(default=False)
    # Where the account came from: its first order's campaign tags, voucher and sales source
    # (ingest/acquisition.py keeps them; an earlier order arriving later replaces them).
    acquisition_source = models.CharField(max_length=255, blank=True, default="", db_default="",
                                          help_text="utm_source of the first order ('' when it had none).")
    acquisition_medium = models.CharField(max_length=255, blank=True, default="", db_default="")
    acquisition_campaign = models.CharField(max_length=255, blank=True, default="", db_default="")
    acquisition_voucher = models.CharField(max_length=255, blank=True, default="", db_default="")
    acquisition_sales_source = models.CharField(max_length=32, blank=True, default="", db_default="")
    acquired_at = models.DateTimeField(null=True, blank=True, help_text="When the first order was placed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "currency", "key_kind", "key"], name="ltv_account_unique_key"
            )
        ]
        indexes = [models.Index(fields=["channel", "currency"], name="ltv_account_channel"),
                   models.Index(fields=["channel", "acquisition_source"], name="ltv_account_acquisition")]

    def __str__(self):
        return f"{self.display_name or self.key} ({self.channel}, {self.currency})"


class ConsentState(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    GRANTED = "granted", "Granted"
    REVOKED = "revoked", "Revoked"


class Contact(models.Model):
    """A buyer: a Saleor user, or a guest known only by e-mail."""

    saleor_user_id = models.CharField(max_length=64, null=True, blank=True)
    # A mall's customer id ("rakuten:…"): mall buyers' e-mails are masked, so they are keyed by this.
    external_key = models.CharField(max_length=128, blank=True, default="", db_default="")
    email = models.CharField(max_length=254, blank=True, default="", db_index=True)
    first_name = models.CharField(max_length=256, blank=True, default="")
    last_name = models.CharField(max_length=256, blank=True, default="")
    company_name = models.CharField(max_length=256, blank=True, default="")
    language_code = models.CharField(max_length=35, blank=True, default="")
    metadata = models.JSONField(
        default=dict, blank=True, help_text="The user's public metadata (account key rule 'metadata')."
    )
    company_confirmed = models.BooleanField(
        default=False, help_text="The Saleor user's private metadata confirms their company (rule 'metadata')."
    )
    # A shop linked this buyer (a mall customer) to an account: their orders go there, whatever the key
    # rule says (ingest/customer_links.py). Kind and key of the account, in every channel.
    linked_account_kind = models.CharField(max_length=16, blank=True, default="", db_default="")
    linked_account_key = models.CharField(max_length=255, blank=True, default="", db_default="")
    linked_account_name = models.CharField(max_length=255, blank=True, default="", db_default="")
    linked_at = models.DateTimeField(null=True, blank=True)
    marketing_consent = models.CharField(
        max_length=16, choices=ConsentState.choices, default=ConsentState.UNKNOWN
    )
    consent_updated_at = models.DateTimeField(null=True, blank=True)
    consent_source = models.CharField(max_length=32, blank=True, default="", db_default="",
                                      help_text="Where the e-mail consent came from: import, rest, saleor, staff …")
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    # What channels other than e-mail need (contact_data.py normalises them on the way in). db_default:
    # rows written by COPY (the benches, bulk loaders) that do not name these columns stay valid.
    phone = models.CharField(max_length=16, blank=True, default="", db_default="", help_text="E.164, e.g. +81312345678.")
    line_user_id = models.CharField(max_length=64, blank=True, default="", db_default="", db_index=True,
                                    help_text="LINE Messaging API user id (U + 32 hex digits).")
    birthday = models.DateField(null=True, blank=True)
    # The postal address, with every line a 宛名 label prints.
    address_postal_code = models.CharField(max_length=16, blank=True, default="", db_default="", help_text="Japan: 123-4567.")
    address_country = models.CharField(max_length=2, blank=True, default="", db_default="", help_text="ISO 3166-1 alpha-2.")
    address_prefecture = models.CharField(max_length=128, blank=True, default="", db_default="")
    address_city = models.CharField(max_length=256, blank=True, default="", db_default="")
    address_line1 = models.CharField(max_length=256, blank=True, default="", db_default="")
    address_line2 = models.CharField(max_length=256, blank=True, default="", db_default="")
    address_company = models.CharField(max_length=256, blank=True, default="", db_default="")
    address_department = models.CharField(max_length=256, blank=True, default="", db_default="")
    address_person = models.CharField(max_length=256, blank=True, default="", db_default="")
    erased_at = models.DateTimeField(null=True, blank=True)
    accounts = models.ManyToManyField(Account, through="AccountContact", related_name="contacts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saleor_user_id"],
                condition=Q(saleor_user_id__isnull=False),
                name="ltv_contact_unique_user",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(saleor_user_id__isnull=True) & ~Q(email="") & Q(external_key=""),
                name="ltv_contact_unique_guest_email",
            ),
            models.UniqueConstraint(
                fields=["external_key"],
                condition=Q(saleor_user_id__isnull=True) & ~Q(external_key=""),
                name="ltv_contact_unique_external",
            ),
        ]

    def __str__(self):
        return self.email or f"user {self.saleor_user_id}"


class ContactConsent(models.Model):
    """A buyer's consent for one medium other than e-mail, with where it came from and when.

    E-mail consent stays on Contact (marketing_consent, unsubscribed_at) as it always was.
    A LINE follow grants "line", an unfollow revokes it; the latest event wins.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    medium = models.CharField(max_length=16, help_text="A delivery channel's consent_key: line, sms, postal …")
    state = models.CharField(max_length=16, choices=ConsentState.choices)
    source = models.CharField(max_length=32, help_text="line_follow, line_unfollow, saleor_metadata, rest, staff …")
    updated_at = models.DateTimeField(help_text="When the source says it changed.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "medium"], name="ltv_contact_consent_unique")]


class AccountContact(models.Model):
    """Membership of a buyer in an account; one buyer may buy for several accounts."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # A typed company name is no proof of belonging: staff confirm it (issue 15 #7).
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "contact"], name="ltv_account_contact_unique")
        ]


class OrderFact(models.Model):
    """One order as the plugin sees it; `counts_as_purchase` decides if metrics use it."""

    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SALEOR)
    external_id = models.CharField(max_length=64, help_text="Saleor order id, or the source's id.")
    number = models.CharField(max_length=64, blank=True, default="")
    sales_source = models.CharField(max_length=32, choices=SalesSource.choices, default=SalesSource.OWN_SHOP,
                                    db_default=SalesSource.OWN_SHOP)
    # No index of its own: ltv_order_account_date leads with it (each index is upkeep on every import).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders", db_index=False)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    channel = models.CharField(max_length=128)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(help_text="When the order was placed (purchase date).")
    status = models.CharField(max_length=32)
    total_gross = models.DecimalField(max_digits=20, decimal_places=3)
    total_net = models.DecimalField(max_digits=20, decimal_places=3)
    refunded_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    amount = models.DecimalField(
        max_digits=20, decimal_places=3, help_text="Gross total net of refunds, never below 0."
    )
    counts_as_purchase = models.BooleanField()
    billing_company_name = models.CharField(max_length=256, blank=True, default="")
    checkout_token = models.CharField(max_length=64, blank=True, default="")  # indexed in Meta: no LIKE twin
    # Campaign tags (Saleor: the order's metadata, copied from the checkout's) and the voucher used.
    utm_source = models.CharField(max_length=255, blank=True, default="", db_default="")
    utm_medium = models.CharField(max_length=255, blank=True, default="", db_default="")
    utm_campaign = models.CharField(max_length=255, blank=True, default="", db_default="")
    voucher_code = models.CharField(max_length=255, blank=True, default="", db_default="")
    source_updated_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    ingested_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="ltv_orderfact_unique_ext")
        ]
        indexes = [
            models.Index(fields=["account", "created_at"], name="ltv_order_account_date"),
            models.Index(fields=["checkout_token"], name="ltv_order_checkout_token"),
            models.Index(fields=["channel", "created_at"], name="ltv_order_channel_date"),
            models.Index(
                fields=["channel", "currency", "account", "created_at"],
                condition=Q(counts_as_purchase=True),
                name="ltv_order_purchases",
            ),
        ]


class CatalogueProduct(models.Model):
    """A product as the shop's catalogue names it: what mails and tables show where an order line
    or a cart has only the SKU (standalone shops and malls; inside Saleor, Saleor's own data)."""

    sku = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=386)
    category = models.CharField(max_length=255, blank=True, default="", db_index=True,
                                help_text="The shop's category path, e.g. 文具/コピー用紙 (for analyses and segments).")
    price = models.DecimalField(max_digits=20, decimal_places=3, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    image_url = models.CharField(max_length=2048, blank=True, default="")
    product_url = models.CharField(max_length=2048, blank=True, default="")
    slug = models.CharField(max_length=255, blank=True, default="", db_default="",
                            help_text="Saleor's product slug: the channel's product_url_template links it.")
    source = models.CharField(max_length=32, default="import", help_text="import, rest …")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.sku} {self.name}"


class OrderLineFact(models.Model):
    # No index of its own: ltv_orderline_unique_ref leads with it.
    order = models.ForeignKey(OrderFact, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_ref = models.CharField(max_length=64, help_text="Source's line id, or the line's position.")
    variant_id = models.CharField(max_length=64, blank=True, default="")
    product_id = models.CharField(max_length=64, blank=True, default="")
    sku = models.CharField(max_length=255, blank=True, default="")  # indexed in Meta: no LIKE twin
    product_name = models.CharField(max_length=386, blank=True, default="")
    variant_name = models.CharField(max_length=255, blank=True, default="", db_default="")
    product_slug = models.CharField(max_length=255, blank=True, default="", db_default="",
                                    help_text="The storefront's product link is built from it (product_url_template).")
    image_url = models.CharField(max_length=2048, blank=True, default="", db_default="")
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=20, decimal_places=3)
    amount = models.DecimalField(max_digits=20, decimal_places=3, help_text="Line gross total.")
    # Copies of the order's account, date and purchase flag, so that "bought SKU X in a window" is one
    # range of the indexes below instead of a join to every order of X (1.7 s at 1 M accounts). Every
    # writer of orders or lines keeps them equal to the order's (ingest/line_copies.py).
    account_id = models.BigIntegerField(help_text="The order's account (a copy).")
    ordered_at = models.DateTimeField(help_text="The order's created_at (a copy).")
    counts_as_purchase = models.BooleanField(help_text="The order's counts_as_purchase (a copy).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "line_ref"], name="ltv_orderline_unique_ref")
        ]
        # Segments' "bought SKU / product P (in a window, N times)" reads a range of one of these
        # without the table (key columns, not INCLUDE: SQLite has none); mails and the GraphQL loaders look product
        # names up by SKU through the same index (equality only: no varchar_pattern_ops twin).
        indexes = [
            models.Index(fields=["product_id", "ordered_at", "account_id", "counts_as_purchase", "order"],
                         name="ltv_orderline_product_date"),
            models.Index(fields=["sku", "ordered_at", "account_id", "counts_as_purchase", "order"],
                         name="ltv_orderline_sku_date"),
        ]

    def save(self, *args, **kwargs):
        if self.order_id is not None and (self.account_id is None or self.ordered_at is None
                                          or self.counts_as_purchase is None):
            order = self.order
            self.account_id, self.ordered_at = order.account_id, order.created_at
            self.counts_as_purchase = order.counts_as_purchase
        super().save(*args, **kwargs)


class ShipmentFact(models.Model):
    """One parcel of an order sent on its way (Saleor: a fulfilment; a file: its 発送日 column)."""

    order = models.ForeignKey(OrderFact, on_delete=models.CASCADE, related_name="shipments")
    shipment_ref = models.CharField(max_length=64, help_text="The source's fulfilment id, or '1' for a file's one.")
    shipped_at = models.DateTimeField()
    tracking_number = models.CharField(max_length=255, blank=True, default="")
    carrier = models.CharField(max_length=128, blank=True, default="")
    lines = models.JSONField(default=list, blank=True,
                             help_text="What it carried: [{line_ref, sku, quantity}]; [] = the whole order.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "shipment_ref"], name="ltv_shipment_unique_ref")]
        indexes = [models.Index(fields=["shipped_at"], name="ltv_shipment_shipped_at")]


class CheckoutState(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned"


class CheckoutFact(models.Model):
    token = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SALEOR)
    channel = models.CharField(max_length=128)
    currency = models.CharField(max_length=3)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)
    email = models.CharField(max_length=254, blank=True, default="")
    total_gross = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    lines = models.JSONField(default=list, blank=True, help_text="Snapshot: sku, name, qty, amount.")
    line_count = models.IntegerField(default=0)
    last_change = models.DateTimeField()
    state = models.CharField(max_length=16, choices=CheckoutState.choices, default=CheckoutState.OPEN)
    completed_order_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "last_change"], name="ltv_checkout_state_change")]


class ProductView(models.Model):
    """A product view reported by the storefront (feeds browse abandonment)."""

    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True, default="")
    channel = models.CharField(max_length=128)
    product_id = models.CharField(max_length=64)
    variant_id = models.CharField(max_length=64, blank=True, default="")
    sku = models.CharField(max_length=255, blank=True, default="")
    viewed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["contact", "viewed_at"], name="ltv_view_contact_date"),
                   models.Index(fields=["session_key", "viewed_at"], name="ltv_view_session_date")]


class InboundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (will retry)"
    DEAD = "dead", "Gave up"


class InboundEvent(models.Model):
    """Every event that came in, kept until applied; failed ones are retried by the sweep.

    Saleor hooks store only a reference (the object is re-read when applied, so
    replaying events in any order converges on Saleor's current state); other
    sources store the whole fact payload.
    """

    source = models.CharField(max_length=16, choices=Source.choices)
    kind = models.CharField(max_length=48)
    object_ref = models.CharField(max_length=128)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=InboundStatus.choices, default=InboundStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status__in=["pending", "failed"]),
                name="ltv_inbound_due",
            ),
            models.Index(fields=["object_ref"], name="ltv_inbound_ref"),
        ]


class ErasedIdentity(models.Model):
    """Hashes of erased e-mails and user ids, so replayed or reconciled orders stay anonymous."""

    identity_hash = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField(auto_now_add=True)
