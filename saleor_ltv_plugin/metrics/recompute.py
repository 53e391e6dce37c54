"""Full recompute (per channel: load → engine → bulk write → snapshot) and the incremental update.

The full run stores, per channel, the engine's fit report in the RecomputeRun and its FittedShop
as the channel's next FittedState, so a new order re-scores its account (metrics and per-SKU
reorder dates) at once with the same cut points, priors and model parameters, without a refit.
"""

from __future__ import annotations

import contextvars
import logging
import math
import time
import zoneinfo
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import conf, thresholds
from ..engine.account_metrics import MetricsSettings, fit_shop, with_prospects
from ..engine.cycle import SkuPriors, replenishment
from ..engine.fitted import FittedShop, score_accounts
from ..models import Account, AccountMetrics, AccountSkuRhythm, FittedState, OrderFact, OrderLineFact, RecomputeRun
from ..ingest.prospects import link_prospects, prospect_channel
from . import insights, load, prospects, store

logger = logging.getLogger(__name__)


def engine_settings(settings: conf.ChannelSettings, limits: thresholds.EngineThresholds) -> MetricsSettings:
    """The engine's settings: the host's for accounts and time, the channel's thresholds for the rest."""
    return MetricsSettings(
        merge_same_day=settings.merge_same_day_orders, tz=settings.timezone,
        rfm=limits.rfm, cpm=limits.cpm, lifecycle=limits.lifecycle, rhythm=limits.rhythm,
    )


def today_in(tz: str, now: datetime | None = None) -> date:
    """The shop's calendar day now (the as-of date of a recompute)."""
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tz)).date()


def channels() -> list[str]:
    return sorted(Account.objects.values_list("channel", flat=True).distinct())


RUNNING_FOR_AT_MOST_HOURS = 6  # a "running" row older than this was left by a killed worker
_LOCK_KEY = 0x6C7476_5245  # "ltv" "RE": this package's advisory lock for starting a recompute


def start_run() -> RecomputeRun | None:
    """A new running RecomputeRun, or None while another one runs (at most one at a time).

    The check and the insert hold one lock, so two triggers at the same moment cannot both
    see "none running": PostgreSQL an advisory transaction lock, SQLite its write lock.
    """
    since = timezone.now() - timezone.timedelta(hours=RUNNING_FOR_AT_MOST_HOURS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            elif connection.vendor == "sqlite":  # a write statement takes the database's write lock
                cursor.execute(f"UPDATE {RecomputeRun._meta.db_table} SET id = id WHERE 0")
        if RecomputeRun.objects.filter(status="running", started_at__gte=since).exists():
            return None
        return RecomputeRun.objects.create(status="running")


def recompute(
    only_channel: str | None = None, now: datetime | None = None,
    progress: Callable[[float, str], None] | None = None, run_id: int | None = None,
) -> RecomputeRun:
    """Recompute every channel (or one); returns the finished RecomputeRun with per-stage seconds.

    `run_id` is the run a trigger started with `start_run`; without it a new run is recorded.
    """
    run = RecomputeRun.objects.get(pk=run_id) if run_id else RecomputeRun.objects.create(status="running")
    if only_channel in (None, prospect_channel()):
        link_prospects()  # contacts registered before prospects were kept, or whose link went
    todo = [only_channel] if only_channel else channels()
    details: dict = {"channels": {}}
    try:
        for index, channel in enumerate(todo):
            details["channels"][channel] = recompute_channel(channel, now=now, run=run)
            run.accounts += details["channels"][channel]["accounts"]
            run.progress = (index + 1) / max(len(todo), 1)
            run.details = details
            run.save(update_fields=["accounts", "progress", "details"])
            if progress:
                progress(run.progress, channel)
        run.status = "done"
    except Exception as exc:
        logger.exception("ltv: recompute failed")
        run.status, details["error"] = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        run.finished_at, run.details = timezone.now(), details
        run.save(update_fields=["status", "finished_at", "details"])
    return run


def recompute_channel(channel: str, now: datetime | None = None, run: RecomputeRun | None = None) -> dict:
    settings = conf.channel_settings(channel)
    as_of = today_in(settings.timezone, now)
    computed_at = now or timezone.now()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    orders = load.load_purchases(channel, settings.timezone)
    seconds["load"] = time.perf_counter() - started
    started = time.perf_counter()
    limits = thresholds.engine_thresholds(channel)
    frame, report, fitted = fit_shop(orders, as_of, engine_settings(settings, limits))
    # Registered, never bought: a row each (stage prospect), after the bought ones; the fit never sees them.
    found = prospects.prospect_accounts(channel)
    everyone = with_prospects(frame, found, limits.lifecycle)
    seconds["compute"] = time.perf_counter() - started
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as pool:
        # PostgreSQL stores AccountMetrics (COPY, index builds: server work) from its own
        # connection while this thread computes the shop analyses; inside a transaction
        # (tests) another connection could not see its rows, so it runs here.
        # (In this context: the thread works for the tenant this task entered, tenancy.)
        writing = pool.submit(contextvars.copy_context().run, _own_connection, _write_metrics, everyone,
                              channel, computed_at) if _can_write_beside() else None
        if writing is None:
            seconds["write"] = _write_metrics(everyone, channel, computed_at)
        lines = load.load_lines(channel, settings.timezone)
        skus = replenishment(lines, as_of, limits.rhythm, per_unit=limits.sku_per_unit)
        store.write_sku_rhythms(skus, channel, computed_at, full=True)
        if "priors" in skus.attrs:
            fitted = replace(fitted, sku_priors=skus.attrs["priors"].to_dict())
        seconds["sku_rhythm"] = time.perf_counter() - started
        analyses = insights.analyses(orders, lines, frame)
        snapshot = store.snapshot_rows(everyone, channel, as_of) if connection.vendor == "postgresql" else None
        seconds["insights"] = time.perf_counter() - started - seconds["sku_rhythm"]
        if writing is not None:
            seconds["write"] = writing.result()
    seconds["write_and_insights"] = time.perf_counter() - started
    started = time.perf_counter()
    store.write_snapshot(channel, as_of, snapshot)
    store.write_stage_changes(channel, as_of)
    insights.store_insights(channel, analyses, computed_at)
    insights.count_saved_segments(channel, as_of)
    store.vacuum_after_full_write([AccountSkuRhythm])
    version = keep_fit(channel, fitted, as_of, run)
    seconds["snapshot"] = time.perf_counter() - started
    return json_safe({
        "as_of": as_of.isoformat(), "accounts": int(len(everyone)), "prospects": int(len(found)), "report": report,
        "fitted_version": version, "seconds": {k: round(v, 3) for k, v in seconds.items()},
    })


KEEP_FITS = 5  # per channel: the latest re-scores; a few before it, to compare runs


def keep_fit(channel: str, fitted: FittedShop, as_of: date, run: RecomputeRun | None) -> int:
    """Store the run's fitted state as the channel's next version; returns the version."""
    for _ in range(3):  # two runs of one channel at once: the unique version lets one win, the other retries
        latest = FittedState.objects.filter(channel=channel).order_by("-version").values_list("version", flat=True)
        version = (latest.first() or 0) + 1
        try:
            with transaction.atomic():
                FittedState.objects.create(channel=channel, version=version, format=FittedShop.FORMAT,
                                           state=json_safe(fitted.to_dict()), as_of=as_of, run=run)
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError(f"could not store channel {channel!r}'s fitted state")
    FittedState.objects.filter(channel=channel, version__lte=version - KEEP_FITS).delete()
    return version


def _write_metrics(frame: pd.DataFrame, channel: str, computed_at: datetime) -> float:
    """Store the full run's rows and their statistics; returns seconds taken."""
    started = time.perf_counter()
    store.write_account_metrics(frame, channel, computed_at, full=True)
    store.vacuum_after_full_write([AccountMetrics])
    return time.perf_counter() - started


def _can_write_beside() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _own_connection(function, *args):
    """Run in a worker thread: Django gives it its own connection, closed here after."""
    try:
        return function(*args)
    finally:
        connection.close()


def json_safe(value):
    """NaN and ±inf (a failed fit's parameters) become None: JSON columns reject them."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    return value


def latest_channel_state(channel: str, key: str) -> tuple[datetime, dict] | None:
    """(finished_at, the channel's entry) of the latest finished recompute whose entry has ``key``."""
    for finished_at, details in RecomputeRun.objects.filter(status="done").order_by(
        "-finished_at").values_list("finished_at", "details")[:20]:
        state = (details or {}).get("channels", {}).get(channel)
        if state and key in state:
            return finished_at, state
    return None


def latest_fit(channel: str) -> FittedShop | None:
    """The FittedShop of the channel's latest full recompute (None before the first)."""
    state = FittedState.objects.filter(channel=channel).order_by("-version").values_list("state", flat=True).first()
    return FittedShop.from_dict(state) if state is not None else None


def latest_prediction_model(channel: str) -> dict | None:
    """The purchase-count model the channel's latest recompute uses, why, and when it was chosen."""
    found = latest_channel_state(channel, "report")
    model = (found[1]["report"] or {}).get("prediction_model") if found else None
    return {**model, "computed_at": found[0]} if model else None


RESCORE_CHUNK = 5000  # accounts a pass: bounds every IN list (an import touches 100 k; SQLite takes 32 766 variables)


def update_accounts(account_ids: Iterable[int], now: datetime | None = None) -> int:
    """Re-score these accounts with their channel's fitted state; returns rows written."""
    ids, now = sorted(set(account_ids)), now or timezone.now()
    return sum(_update_some(ids[start:start + RESCORE_CHUNK], now) for start in range(0, len(ids), RESCORE_CHUNK))


def _update_some(account_ids: list[int], now: datetime) -> int:
    written, maybe_prospects = 0, set()
    by_channel: dict[str, list[int]] = {}
    for pk, channel in Account.objects.filter(pk__in=account_ids).values_list("pk", "channel"):
        by_channel.setdefault(channel, []).append(pk)
    for channel, ids in by_channel.items():
        fitted = latest_fit(channel)
        if fitted is None:
            continue  # no full run yet: the first recompute will score them
        settings = conf.channel_settings(channel)
        orders = _orders_of(ids)
        frame = score_accounts(orders, today_in(settings.timezone, now), fitted,
                               engine_settings(settings, thresholds.engine_thresholds(channel)))
        written += store.write_account_metrics(frame, channel, now, full=False)
        if fitted.sku_priors:
            _rescore_skus(ids, channel, settings, fitted, now)
        gone = set(ids) - set(frame["account_id"].astype(int))
        if gone:  # no counted purchase left (cancelled, refunded): no metrics row, unless a prospect's
            AccountMetrics.objects.filter(account_id__in=gone).delete()
            maybe_prospects |= gone | prospects.fellow_accounts(gone)
    # A first order ends a prospect: its own row (when not scored above), the same company's in
    # another currency, the buyer's other accounts.
    maybe_prospects |= set(AccountMetrics.objects.filter(account_id__in=account_ids, stage="prospect")
                           .values_list("account_id", flat=True))
    maybe_prospects |= prospects.related_accounts(account_ids)
    return written + prospects.refresh(maybe_prospects, now)


def _rescore_skus(ids: list[int], channel: str, settings: conf.ChannelSettings, fitted: FittedShop,
                  computed_at: datetime) -> None:
    """The accounts' per-SKU reorder dates, with the full run's priors (so they equal its rows)."""
    limits = thresholds.engine_thresholds(channel)
    rows = (OrderLineFact.objects.filter(order__account_id__in=ids, order__counts_as_purchase=True)
            .exclude(sku="").values_list("order__account_id", "sku", "order__created_at", "quantity"))
    lines = pd.DataFrame(list(rows), columns=["account_id", "sku", "created_at", "quantity"])
    skus = replenishment(lines, today_in(settings.timezone, computed_at), limits.rhythm,
                         per_unit=limits.sku_per_unit, tz=settings.timezone,
                         priors=SkuPriors.from_dict(fitted.sku_priors))
    store.write_sku_rhythms(skus, channel, computed_at, full=False)
    AccountSkuRhythm.objects.filter(account_id__in=ids, computed_at__lt=computed_at).delete()  # SKUs gone


def _orders_of(account_ids: list[int]) -> pd.DataFrame:
    rows = OrderFact.objects.filter(Q(account_id__in=account_ids), counts_as_purchase=True).values_list(
        "account_id", "currency", "created_at", "amount"
    )
    frame = pd.DataFrame(list(rows), columns=["account_id", "currency", "created_at", "amount"])
    frame["amount"] = frame["amount"].astype(float)
    return frame
