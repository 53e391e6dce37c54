"""Computed metrics: one row per account (and per account × SKU), daily segment snapshots.

Rows are rewritten in bulk by a recompute and adjusted one account at a time when
an order arrives. Days are whole days in the channel's time zone; money is in the
account's currency.
"""

from django.db import models
from django.db.models import F

from .facts import Account


class AccountMetrics(models.Model):
    # Derived data rewritten in bulk: no database FK (its per-row check costs more than
    # the insert); Django still cascades deletes of an Account. The account is the key:
    # a separate id cost a sequence call and a second unique index per row written.
    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="metrics", db_constraint=False, primary_key=True
    )
    channel = models.CharField(max_length=128)
    currency = models.CharField(max_length=3)
    # summary
    first_purchase_at = models.DateField(null=True)
    last_purchase_at = models.DateField(null=True)
    frequency = models.IntegerField(default=0, help_text="Purchase occasions.")
    recency_days = models.IntegerField(null=True, help_text="Days since the last purchase.")
    tenure_days = models.IntegerField(null=True, help_text="Last − first purchase, days.")
    monetary = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    average_order_value = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    # scores and segments
    r_score = models.SmallIntegerField(null=True)
    f_score = models.SmallIntegerField(null=True)
    m_score = models.SmallIntegerField(null=True)
    rfm_segment = models.CharField(max_length=32, blank=True, default="")
    rfm_rank = models.SmallIntegerField(null=True, help_text="1 (best) … 7.")
    cpm_cell = models.CharField(max_length=32, blank=True, default="")
    stage = models.CharField(max_length=16, blank=True, default="")
    # rhythm
    typical_interval_days = models.FloatField(null=True)
    next_purchase_on = models.DateField(null=True)
    overdue_ratio = models.FloatField(null=True, help_text="Days since last ÷ typical interval.")
    churn_risk = models.BooleanField(default=False)
    # probabilistic models
    p_alive = models.FloatField(null=True)
    expected_purchases = models.FloatField(null=True, help_text="Over the configured horizon.")
    expected_order_value = models.DecimalField(max_digits=20, decimal_places=3, null=True)
    clv = models.DecimalField(max_digits=20, decimal_places=3, null=True)
    computed_at = models.DateTimeField()

    class Meta:
        # For "first 100 sorted by …" pages: the API orders nulls last with the account id as
        # tiebreak, and an index serves a sort only when it matches that exactly, so on
        # PostgreSQL migration 0009 builds these with NULLS LAST (SQLite has no NULLS LAST
        # in an index; the state keeps the portable form). No channel prefix: a shop has
        # few channels, and a text key first tripled each index build of a full recompute.
        # Stage / CPM / RFM filters are low-cardinality and scan a channel anyway: no index.
        indexes = [
            models.Index(F("next_purchase_on").asc(), F("account_id").asc(), name="ltv_metrics_by_next"),
            models.Index(F("overdue_ratio").desc(), F("account_id").desc(), name="ltv_metrics_by_overdue"),
            models.Index(F("monetary").desc(), F("account_id").desc(), name="ltv_metrics_by_spend"),
        ]


class AccountSkuRhythm(models.Model):
    """Replenishment rhythm of one SKU in one account (買い忘れ防止 reminders)."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="sku_rhythms", db_constraint=False
    )
    sku = models.CharField(max_length=255)
    purchases = models.IntegerField()
    last_purchase_at = models.DateField()
    typical_interval_days = models.FloatField(null=True)
    next_reorder_on = models.DateField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "sku"], name="ltv_sku_rhythm_unique")]
        indexes = [models.Index(fields=["next_reorder_on"], name="ltv_sku_rhythm_due")]


class SegmentSnapshot(models.Model):
    """Daily counts and revenue per dimension value, for trends and stage movements."""

    day = models.DateField()
    channel = models.CharField(max_length=128)
    currency = models.CharField(max_length=3)
    dimension = models.CharField(max_length=16, help_text="stage, cpm_cell or rfm_segment")
    value = models.CharField(max_length=32)
    accounts = models.IntegerField()
    revenue = models.DecimalField(max_digits=24, decimal_places=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "currency", "dimension", "value"], name="ltv_snapshot_unique"
            )
        ]


class AccountStageChange(models.Model):
    """An account's lifecycle stage from ``day`` on, as that day's recompute found it: a row per
    change, not per day (the stage holds until the account's next row), so a year of nightly
    runs costs what the shop's stage moves cost. '' = no longer scored (no counted purchase)."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="stage_changes", db_constraint=False, db_index=False
    )
    day = models.DateField()
    stage = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        # Also serves "the latest row on or before a day" per account (trends' movements).
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="ltv_stage_change_unique")]


class RecomputeRun(models.Model):
    """One recompute: its progress for the Dashboard, and what the model fits reported."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=16, default="running")
    accounts = models.IntegerField(default=0)
    progress = models.FloatField(default=0.0, help_text="0 … 1")
    details = models.JSONField(default=dict, blank=True)


class FittedState(models.Model):
    """What a channel's full recompute learnt about the shop (engine.fitted.FittedShop): RFM cut
    points, CPM spend bounds, rhythm and per-SKU priors, the prediction models' parameters. A
    re-score of a few accounts reads the channel's latest; a few earlier ones are kept to compare.
    ``format`` is FittedShop's layout version, so a newer engine can read an older state."""

    channel = models.CharField(max_length=128)
    version = models.PositiveIntegerField(help_text="1, 2, … per channel: one per full recompute.")
    format = models.PositiveSmallIntegerField()
    state = models.JSONField()
    as_of = models.DateField(help_text="The shop's day the recompute scored as of.")
    run = models.ForeignKey(RecomputeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "version"], name="ltv_fitted_state_version")]
