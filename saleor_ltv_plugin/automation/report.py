"""What each scenario did for the shop: sends, opens, clicks, attributed and incremental revenue, ROAS.

Attribution is last touch: a purchase is credited to the latest buyer mail to its account
(or, for mail with no account, its contact) sent or clicked at most the attribution window
before it. Incremental revenue compares enrollments with the holdout: (revenue per treated
enrollment − revenue per holdout enrollment) × treated enrollments, each counted over the
window after enrolling. Its 95 % interval is Welch's interval for the difference of the two
means, times the treated enrollments, and its verdict follows `engine.experiments.verdict`
(too_small under `experiments.MIN_PER_ARM` per group: the demo's few holdout accounts cannot tell
a negative effect from noise). ROAS = revenue ÷ the tool cost for the period, split across
scenarios by their share of sent mail.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count

from .. import conf
from ..engine import experiments
from ..models import DeliveryKind, Enrollment, OrderFact, OutboxMessage
from ..queries.overview import main_currency
from .catalog import SCENARIOS

DAYS_PER_MONTH = Decimal("30.4375")

# What each verdict means, as the demo prints it and the API describes it.
VERDICT_TEXTS = {
    experiments.Verdict.TOO_SMALL: {
        "en": "too small to tell: needs at least {min} enrollments in both the treated and the holdout group",
        "ja": "件数が少なすぎて判定できません（配信群・対照群とも {min} 件以上が必要）"},
    experiments.Verdict.INCONCLUSIVE: {
        "en": "no clear effect yet: the 95% interval includes zero",
        "ja": "まだ効果ははっきりしません（95% 区間が 0 をまたいでいます）"},
    experiments.Verdict.POSITIVE: {
        "en": "the scenario raised revenue (the whole 95% interval is above zero)",
        "ja": "シナリオは売上を押し上げました（95% 区間全体が 0 より上）"},
    experiments.Verdict.NEGATIVE: {
        "en": "the scenario lowered revenue (the whole 95% interval is below zero)",
        "ja": "シナリオは売上を下げました（95% 区間全体が 0 より下）"},
}

NO_HOLDOUT_TEXT = {"en": "no holdout group to compare with", "ja": "対照群がないため増分は出せません"}
# The total is told only when every scenario in it can be: its own groups may be large enough.
PART_TOO_SMALL_TEXT = {"en": "too small to tell: a scenario in it is too small to tell",
                       "ja": "判定できません（含まれるシナリオに件数が少なすぎるものがあります）"}


def verdict_text(verdict: experiments.Verdict, language: str = "en") -> str:
    texts = VERDICT_TEXTS[verdict]
    return (texts.get(language) or texts["en"]).format(min=experiments.MIN_PER_ARM)


@dataclass
class ScenarioFigures:
    scenario: str
    enrolled: int = 0
    holdout: int = 0
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    opened: int = 0
    clicked: int = 0
    attributed_orders: int = 0
    attributed_revenue: Decimal = Decimal(0)
    treated_revenue_per_enrollment: Decimal | None = None
    holdout_revenue_per_enrollment: Decimal | None = None
    incremental_revenue: Decimal | None = None
    incremental_revenue_low: Decimal | None = None  # its 95 % interval (Welch), None under 2 per group
    incremental_revenue_high: Decimal | None = None
    incremental_verdict: experiments.Verdict = experiments.Verdict.TOO_SMALL
    cost: Decimal = Decimal(0)

    @property
    def open_rate(self) -> float | None:
        return self.opened / self.sent if self.sent else None

    @property
    def click_rate(self) -> float | None:
        return self.clicked / self.sent if self.sent else None

    @property
    def roas(self) -> float | None:
        return float(self.attributed_revenue / self.cost) if self.cost else None

    @property
    def incremental_roas(self) -> float | None:
        return float(self.incremental_revenue / self.cost) if self.cost and self.incremental_revenue is not None else None


@dataclass
class Report:
    channel: str
    currency: str | None
    since: dt.date
    until: dt.date
    attribution_window_days: int
    tool_cost: Decimal
    scenarios: list[ScenarioFigures]

    @property
    def total(self) -> ScenarioFigures:
        """Sums; the incremental interval adds the scenarios' independent errors (half-widths in
        quadrature), and the total can only be told when every scenario in it can."""
        total = ScenarioFigures("total", cost=self.tool_cost)
        halves, verdicts = [], []
        for s in self.scenarios:
            for name in ("enrolled", "holdout", "sent", "failed", "opened", "clicked", "attributed_orders",
                         "attributed_revenue"):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            if s.incremental_revenue is not None:
                total.incremental_revenue = (total.incremental_revenue or Decimal(0)) + s.incremental_revenue
                verdicts.append(s.incremental_verdict)
                if s.incremental_revenue_low is not None:
                    halves.append(float(s.incremental_revenue_high - s.incremental_revenue_low) / 2)
        if total.incremental_revenue is not None and len(halves) == len(verdicts):
            half = _money(sum(h * h for h in halves) ** 0.5)
            total.incremental_revenue_low = total.incremental_revenue - half
            total.incremental_revenue_high = total.incremental_revenue + half
            if experiments.Verdict.TOO_SMALL not in verdicts:
                total.incremental_verdict = experiments.interval_verdict(total.incremental_revenue_low,
                                                                         total.incremental_revenue_high)
        return total


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.001"))


def describe_incremental(f: ScenarioFigures, language: str = "en") -> str:
    """The holdout read-out in one line, for printed reports: never a bare figure it cannot back."""
    if f.incremental_revenue is None:
        return NO_HOLDOUT_TEXT.get(language) or NO_HOLDOUT_TEXT["en"]
    words = verdict_text(f.incremental_verdict, language)
    if (f.incremental_verdict is experiments.Verdict.TOO_SMALL
            and min(f.enrolled - f.holdout, f.holdout) >= experiments.MIN_PER_ARM):
        words = PART_TOO_SMALL_TEXT.get(language) or PART_TOO_SMALL_TEXT["en"]
    if f.incremental_verdict is experiments.Verdict.TOO_SMALL:
        counts = {"ja": f"配信 {f.enrolled - f.holdout} 件・対照 {f.holdout} 件",
                  "en": f"{f.enrolled - f.holdout} treated, {f.holdout} held out"}
        return f"{words} ({counts.get(language, counts['en'])})"
    return (f"{f.incremental_revenue:+,.0f} (95%: {f.incremental_revenue_low:+,.0f} … "
            f"{f.incremental_revenue_high:+,.0f}) — {words}")


def report_bounds(channel: str, since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(conf.channel_settings(channel).timezone)
    return (dt.datetime.combine(since, dt.time.min, tzinfo=zone),
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


def purchases_of(channel: str, start: dt.datetime, end: dt.datetime, accounts: set, contacts: set):
    """Purchases per account and per contact, sorted by time: (created_at, amount, order id)."""
    by_account, by_contact = defaultdict(list), defaultdict(list)
    rows = (OrderFact.objects.filter(channel=channel, counts_as_purchase=True, created_at__gte=start,
                                     created_at__lt=end)
            .values_list("id", "account_id", "contact_id", "created_at", "amount").order_by("created_at"))
    for order_id, account_id, contact_id, created_at, amount in rows:
        if account_id in accounts:
            by_account[account_id].append((created_at, amount, order_id))
        if contact_id in contacts:
            by_contact[contact_id].append((created_at, amount, order_id))
    return by_account, by_contact


def sum_between(purchases: list, start: dt.datetime, end: dt.datetime) -> Decimal:
    times = [p[0] for p in purchases]
    return sum((p[1] for p in purchases[bisect.bisect_right(times, start):bisect.bisect_right(times, end)]),
               Decimal(0))


def attribute(touches: dict, by_account: dict, by_contact: dict, window: dt.timedelta):
    """Last touch: (label, amount) for each purchase credited to a touch. `touches` maps a unit
    (("a", account id) or ("c", contact id)) to [(touch time, label)]; sorted here in place."""
    for unit, unit_touches in touches.items():
        unit_touches.sort(key=lambda touch: (touch[0], str(touch[1])))  # ties: by label, as always
        times = [t for t, _ in unit_touches]
        purchases = by_account[unit[1]] if unit[0] == "a" else by_contact[unit[1]]
        for created_at, amount, _ in purchases:
            latest = bisect.bisect_left(times, created_at) - 1  # strictly before the order
            if latest >= 0 and created_at - times[latest] <= window:
                yield unit_touches[latest][1], amount


@dataclass(frozen=True)
class HoldoutEffect:
    treated_mean: Decimal | None = None  # revenue per enrollment over the window after entering
    control_mean: Decimal | None = None
    incremental: Decimal | None = None  # (treated − control mean) × treated enrollments; None without both
    low: Decimal | None = None  # its Welch 95 % interval, None under 2 per group
    high: Decimal | None = None
    verdict: experiments.Verdict = experiments.Verdict.TOO_SMALL


def holdout_effect(treated: list[Decimal], control: list[Decimal]) -> HoldoutEffect:
    """Treated against held-out enrollments' revenue (one value per enrollment)."""
    if not treated:
        return HoldoutEffect()
    treated_mean = sum(treated, Decimal(0)) / len(treated)
    if not control:
        return HoldoutEffect(treated_mean)
    control_mean = sum(control, Decimal(0)) / len(control)
    difference = experiments.compare_means([float(v) for v in treated], [float(v) for v in control])
    low = high = None
    if difference is not None:
        low, high = _money(difference.low * len(treated)), _money(difference.high * len(treated))
    return HoldoutEffect(treated_mean, control_mean, _money((treated_mean - control_mean) * len(treated)), low, high,
                         experiments.verdict(difference))


class _Figures(dict):
    """A flow of the shop's own is counted too (its mails compete for last touch and share the tool
    cost) though the report lists the ready scenarios; ltvFlowReport reports each flow."""

    def __missing__(self, key: str) -> ScenarioFigures:
        self[key] = ScenarioFigures(key)
        return self[key]


def scenario_report(channel: str, since: dt.date, until: dt.date) -> Report:
    shop = conf.channel_settings(channel)
    window = dt.timedelta(days=shop.attribution_window_days)
    start, end = report_bounds(channel, since, until)
    figures = _Figures({key: ScenarioFigures(key) for key in SCENARIOS})

    mails = OutboxMessage.objects.filter(channel=channel, kind=DeliveryKind.EMAIL)
    for scenario, status, reason, n in (mails.filter(created_at__gte=start, created_at__lt=end)
                                        .exclude(status="sent").values_list("scenario", "status", "skip_reason")
                                        .annotate(n=Count("id"))):
        if status == "skipped":
            figures[scenario].skipped[reason] = figures[scenario].skipped.get(reason, 0) + n
        elif status in ("failed", "dead"):
            figures[scenario].failed += n
    sent = list(mails.filter(status="sent", sent_at__gte=start, sent_at__lt=end)
                .values_list("scenario", "account_id", "contact_id", "sent_at", "opened_at", "clicked_at"))
    enrollments = list(Enrollment.objects.filter(channel=channel, created_at__gte=start, created_at__lt=end)
                       .values_list("scenario", "account_id", "contact_id", "created_at", "holdout"))
    accounts = {r[1] for r in sent if r[1]} | {r[1] for r in enrollments if r[1]}
    contacts = {r[2] for r in sent if r[2] and not r[1]} | {r[2] for r in enrollments if r[2] and not r[1]}
    by_account, by_contact = purchases_of(channel, start, end + window, accounts, contacts)

    touches = defaultdict(list)  # unit → [(touch time, scenario)]
    for scenario, account_id, contact_id, sent_at, opened_at, clicked_at in sent:
        f = figures[scenario]
        f.sent += 1
        f.opened += opened_at is not None
        f.clicked += clicked_at is not None
        unit = ("a", account_id) if account_id else ("c", contact_id)
        touches[unit].append((sent_at, scenario))
        if clicked_at:
            touches[unit].append((clicked_at, scenario))
    for scenario, amount in attribute(touches, by_account, by_contact, window):
        f = figures[scenario]
        f.attributed_orders += 1
        f.attributed_revenue += amount

    revenue = defaultdict(lambda: {True: [], False: []})
    for scenario, account_id, contact_id, created_at, holdout in enrollments:
        f = figures[scenario]
        f.enrolled += 1
        f.holdout += holdout
        purchases = by_account[account_id] if account_id else by_contact[contact_id]
        revenue[scenario][holdout].append(sum_between(purchases, created_at, created_at + window))
    for scenario, groups in revenue.items():
        effect = holdout_effect(groups[False], groups[True])
        f = figures[scenario]
        f.treated_revenue_per_enrollment = effect.treated_mean
        f.holdout_revenue_per_enrollment = effect.control_mean
        f.incremental_revenue, f.incremental_verdict = effect.incremental, effect.verdict
        f.incremental_revenue_low, f.incremental_revenue_high = effect.low, effect.high

    days = Decimal((until - since).days + 1)
    tool_cost = (Decimal(shop.tool_cost_per_month) * days / DAYS_PER_MONTH).quantize(Decimal("0.001"))
    total_sent = sum(f.sent for f in figures.values())
    for f in figures.values():
        f.cost = (tool_cost * f.sent / total_sent).quantize(Decimal("0.001")) if total_sent else Decimal(0)
    return Report(channel, main_currency(channel), since, until, shop.attribution_window_days, tool_cost,
                  [figures[key] for key in SCENARIOS])

