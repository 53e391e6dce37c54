"""What one flow did, for the enrollments that entered it between two days (a cohort).

Counts come from the cohort's rows: enrollments (entered, holdout, active / done / exited by
reason), step runs (passed, branches), outbox rows (sent, opened, clicked per step; delivered,
opened, clicked per A/B variant, each counted once per recipient). Revenue is attributed as in
automation/report.py (last touch among all the channel's buyer mail, within the attribution
window) and the holdout effect is its `holdout_effect`; A/B significance is engine/experiments:
Beta-Binomial P(best) of each variant and the two-proportion z-test's p-value of each variant
against the first, both on recipients with an attributed order.

Variant figures are keyed by (A/B step, variant): a mail belongs to the A/B step whose variant it
carries — the last A/B step upstream of it that the enrollment passed, in the enrollment's own
version (what steps.Plan.variant stamped on it) — so a flow with two A/B steps whose variants
share names ("A", "B") reports each step's test apart.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q
from django.utils import timezone

from ... import conf
from ...engine import experiments
from ...models import DeliveryKind, Enrollment, EnrollmentState, Flow, FlowAbWinner, FlowStepRun, OutboxMessage
from ...queries.errors import InputError
from .. import report as scenario_report
from ..channels import registry
from .definition import AUTO_WINNER_THRESHOLD
from .runtime import plans

MAX_REPORT_DAYS = 366


@dataclass
class StepFigures:
    step_id: str
    kind: str = ""
    name: str = ""
    passed: int = 0
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    branches: dict[str, int] = field(default_factory=dict)


@dataclass
class VariantFigures:
    step_id: str
    key: str
    recipients: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)
    converted: int = 0  # recipients with an attributed order: what significance is computed on
    probability_best: float | None = None
    p_value: float | None = None

    @property
    def revenue_per_recipient(self) -> Decimal | None:
        return (self.revenue / self.recipients).quantize(Decimal("0.001")) if self.recipients else None


@dataclass
class WinnerFigures:
    """An A/B step's auto-winner: which variant, when, and the figures it was decided on."""

    step_id: str
    key: str
    decided_at: dt.datetime
    figures: dict


@dataclass
class AutoWinnerSetting:
    """An A/B step whose auto-winner has not chosen yet: what it waits for, and for how long it has run."""

    step_id: str
    metric: str
    min_recipients: int | None
    min_days: float | None
    threshold: float
    days_running: float | None  # since the step's first assignment; None: nobody reached it yet


@dataclass
class FlowReport:
    flow_id: int
    since: dt.date
    until: dt.date
    entered: int = 0
    holdout: int = 0
    active: int = 0
    done: int = 0
    exited: dict[str, int] = field(default_factory=dict)
    steps: list[StepFigures] = field(default_factory=list)
    variants: list[VariantFigures] = field(default_factory=list)
    winners: list[WinnerFigures] = field(default_factory=list)
    auto_winners: list[AutoWinnerSetting] = field(default_factory=list)
    attributed_revenue: Decimal = Decimal(0)
    effect: scenario_report.HoldoutEffect = field(default_factory=scenario_report.HoldoutEffect)


def _pending_auto_winners(flow: Flow, decided: set[str]) -> list[AutoWinnerSetting]:
    """The live version's A/B steps with an auto-winner setting and no winner yet."""
    document = flow.live_version.definition if flow.live_version_id else {}
    pending = []
    for step in _steps(document if isinstance(document, dict) else {}):
        setting = step.get("auto_winner")
        if step.get("kind") != "ab" or not isinstance(setting, dict) or step["id"] in decided:
            continue
        first = FlowStepRun.objects.filter(enrollment__flow=flow, step_id=step["id"], visit=0).aggregate(at=Min("at"))
        days = (timezone.now() - first["at"]).total_seconds() / 86400 if first["at"] else None
        pending.append(AutoWinnerSetting(step["id"], str(setting.get("metric", "orders")), setting.get("min_recipients"),
                                         setting.get("min_days"), setting.get("threshold") or AUTO_WINNER_THRESHOLD,
                                         round(days, 2) if days is not None else None))
    return pending


def report_range(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    """Defaults: the last 30 days; at most MAX_REPORT_DAYS."""
    until = until or timezone.localdate()
    since = since or until - dt.timedelta(days=29)
    if since > until:
        raise InputError({"since": "must not be after until"})
    if (until - since).days > MAX_REPORT_DAYS:
        raise InputError({"since": f"the range may span at most {MAX_REPORT_DAYS} days"})
    return since, until


def enrollment_counts(channel: str, keys: list[str]) -> dict[str, dict[str, int]]:
    """Flow key → {"entered": all enrollments ever, "active": those moving through it now}."""
    counts = {key: {"entered": 0, "active": 0} for key in keys}
    rows = (Enrollment.objects.filter(channel=channel, scenario__in=keys).values("scenario")
            .annotate(entered=Count("id"), active=Count("id", filter=Q(state=EnrollmentState.ACTIVE))))
    for row in rows:
        counts[row["scenario"]] = {"entered": row["entered"], "active": row["active"]}
    return counts


def _definition(flow: Flow) -> dict:
    document = flow.live_version.definition if flow.live_version_id else flow.draft
    return document if isinstance(document, dict) else {}


def _steps(document: dict) -> list[dict]:
    return [s for s in document.get("steps") or [] if isinstance(s, dict) and isinstance(s.get("id"), str)]


def _unit(account_id, contact_id):
    return ("a", account_id) if account_id else ("c", contact_id)


COHORT = ("id", "account_id", "contact_id", "created_at", "holdout", "state", "stop_reason", "variants",
          "flow_version_id")


@dataclass
class CohortRows:
    """What a report reads for a cohort: its enrollments (tuples of COHORT), their sent mails and credits."""

    cohort: list[tuple]
    mails: list[tuple]  # (enrollment id, step id, variant, kind, opened_at, clicked_at)
    credits: list[tuple[tuple, Decimal]]  # ((enrollment id, mail's step id, variant), amount)
    by_account: dict
    by_contact: dict


def cohort_rows(flow: Flow, start: dt.datetime, end: dt.datetime, window: dt.timedelta) -> CohortRows:
    """The enrollments created in [start, end), their mails and the purchases credited to them."""
    cohort = list(Enrollment.objects.filter(channel=flow.channel, scenario=flow.key, created_at__gte=start,
                                            created_at__lt=end).values_list(*COHORT))
    ids = [row[0] for row in cohort]
    mails = list(OutboxMessage.objects.filter(enrollment_id__in=ids, status="sent")
                 .values_list("enrollment_id", "step_id", "variant", "kind", "opened_at", "clicked_at")
                 if ids else [])
    accounts = {r[1] for r in cohort if r[1]}
    contacts = {r[2] for r in cohort if r[2] and not r[1]}
    by_account, by_contact = scenario_report.purchases_of(flow.channel, start, end + window, accounts, contacts)
    credits = _attributed(flow, start, end + window, window, by_account, by_contact)
    return CohortRows(cohort, mails, credits, by_account, by_contact)


def flow_report(flow: Flow, since: dt.date, until: dt.date) -> FlowReport:
    shop = conf.channel_settings(flow.channel)
    window = dt.timedelta(days=shop.attribution_window_days)
    start, end = scenario_report.report_bounds(flow.channel, since, until)
    result = FlowReport(flow.pk, since, until)
    rows = cohort_rows(flow, start, end, window)
    cohort = rows.cohort
    exited = Counter()
    for _, _, _, _, holdout, state, reason, _, _ in cohort:
        result.entered += 1
        result.holdout += holdout
        result.active += state == EnrollmentState.ACTIVE
        result.done += state == EnrollmentState.DONE
        if state == EnrollmentState.EXITED:
            exited[reason or "stopped"] += 1
    result.exited = dict(exited)

    steps = {s["id"]: StepFigures(s["id"], str(s.get("kind", "")), str(s.get("name") or ""))
             for s in _steps(_definition(flow))}
    ids = [row[0] for row in cohort]
    runs = FlowStepRun.objects.filter(enrollment__in=ids).values_list("step_id", "branch") if ids else []
    for step_id, branch in runs:
        figures = steps.setdefault(step_id, StepFigures(step_id))
        figures.passed += 1
        if branch:
            figures.branches[branch] = figures.branches.get(branch, 0) + 1
    for _, step_id, _, _, opened_at, clicked_at in rows.mails:
        figures = steps.setdefault(step_id, StepFigures(step_id))
        figures.sent += 1
        figures.opened += opened_at is not None
        figures.clicked += clicked_at is not None
    result.steps = list(steps.values())

    result.attributed_revenue = sum((amount for _, amount in rows.credits), Decimal(0))
    result.variants = variant_figures(flow, rows)
    result.winners = [WinnerFigures(w.step_id, w.variant, w.decided_at, w.figures)
                      for w in FlowAbWinner.objects.filter(flow=flow).order_by("decided_at", "id")]
    result.auto_winners = _pending_auto_winners(flow, {w.step_id for w in result.winners})

    revenue = {True: [], False: []}
    for _, account_id, contact_id, created_at, holdout, _, _, _, _ in cohort:
        purchases = rows.by_account[account_id] if account_id else rows.by_contact[contact_id]
        revenue[holdout].append(scenario_report.sum_between(purchases, created_at, created_at + window))
    result.effect = scenario_report.holdout_effect(revenue[False], revenue[True])
    return result


def _attributed(flow, start, end, window, by_account, by_contact) -> list[tuple[tuple, Decimal]]:
    """[((enrollment id, step id, variant), amount)] for purchases whose last touch is this flow's mail."""
    touches = defaultdict(list)
    units = {("a", k) for k in by_account} | {("c", k) for k in by_contact}
    # every buyer medium is a touch: a posted DM counts from the day its print job was posted
    rows = (OutboxMessage.objects.filter(channel=flow.channel, kind__in=registry.buyer_kinds(), status="sent",
                                         sent_at__gte=start, sent_at__lt=end)
            .values_list("scenario", "enrollment_id", "step_id", "variant", "account_id", "contact_id", "sent_at",
                         "clicked_at"))
    for scenario, enrollment_id, step_id, variant, account_id, contact_id, sent_at, clicked_at in rows:
        unit = _unit(account_id, contact_id)
        if unit not in units:
            continue
        label = (enrollment_id, step_id, variant) if scenario == flow.key else None  # another scenario's competes
        touches[unit].append((sent_at, label))
        if clicked_at:
            touches[unit].append((clicked_at, label))
    return [(label, amount) for label, amount in scenario_report.attribute(touches, by_account, by_contact, window)
            if label is not None]


def _ab_owner(plan, step_id: str, variants: dict) -> str | None:
    """The A/B step whose variant a mail of `step_id` carries (as steps.Plan.variant chose it)."""
    found = None
    for ab_id in plan.ab_upstream.get(step_id, ()) if plan else ():
        if ab_id in variants:
            found = ab_id
    return found


def variant_figures(flow: Flow, rows: CohortRows, only_step: str | None = None) -> list[VariantFigures]:
    """Per (A/B step, variant) of the live definition, for the cohort's treated enrollments."""
    ab_steps = [s for s in _steps(_definition(flow)) if s.get("kind") == "ab" and only_step in (None, s["id"])]
    if not ab_steps:
        return []
    cohort = {row[0]: row for row in rows.cohort}
    by_version = plans({row[8] for row in rows.cohort if row[8]})

    def owner(enrollment_id, step_id):
        row = cohort.get(enrollment_id)
        return _ab_owner(by_version.get(row[8]), step_id, row[7] or {}) if row else None

    mailed = defaultdict(lambda: [False, False])  # (enrollment, A/B step, variant) → [opened, clicked]
    for enrollment_id, step_id, variant, kind, opened_at, clicked_at in rows.mails:
        ab_id = owner(enrollment_id, step_id)
        if kind != DeliveryKind.EMAIL or not variant or ab_id is None:
            continue
        seen = mailed[(enrollment_id, ab_id, variant)]
        seen[0] |= opened_at is not None
        seen[1] |= clicked_at is not None
    credited = defaultdict(lambda: [0, Decimal(0)])
    for (enrollment_id, step_id, variant), amount in rows.credits:
        ab_id = owner(enrollment_id, step_id)
        if ab_id is not None:
            credited[(enrollment_id, ab_id, variant)][0] += 1
            credited[(enrollment_id, ab_id, variant)][1] += amount
    out = []
    for step in ab_steps:
        keys = [v.get("key") for v in step.get("variants") or [] if isinstance(v, dict)]
        figures = {k: VariantFigures(step["id"], k) for k in keys if isinstance(k, str)}
        for enrollment_id, _, _, _, holdout, _, _, variants, _ in rows.cohort:
            key = (variants or {}).get(step["id"])
            if holdout or key not in figures:
                continue
            f = figures[key]
            f.recipients += 1
            seen = mailed.get((enrollment_id, step["id"], key))
            if seen:
                f.delivered += 1
                f.opened += seen[0]
                f.clicked += seen[1]
            orders, amount = credited.get((enrollment_id, step["id"], key), (0, Decimal(0)))
            f.orders += orders
            f.revenue += amount
            f.converted += orders > 0
        _significance(list(figures.values()))
        out += figures.values()
    return out


def _significance(variants: list[VariantFigures]) -> None:
    if len(variants) < 2 or any(v.recipients == 0 for v in variants):
        return  # nothing to compare yet
    chances = experiments.prob_best([(v.converted, v.recipients) for v in variants])
    control = variants[0]
    for v, chance in zip(variants, chances):
        v.probability_best = chance
        if v is not control:
            v.p_value = experiments.compare_proportions(control.converted, control.recipients,
                                                        v.converted, v.recipients).p_value
