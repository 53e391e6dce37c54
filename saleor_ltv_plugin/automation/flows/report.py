"""What one flow did, for the enrollments that entered it between two days (a cohort).

Counts come from the cohort's rows: enrollments (entered, holdout, active / done / exited by
reason), step runs (passed, branches), outbox rows (sent, opened, clicked per step; delivered,
opened, clicked per A/B variant, each counted once per recipient). Revenue is attributed as in
automation/report.py (last touch among all the channel's buyer mail, within the attribution
window) and the holdout effect is its `holdout_effect`; A/B significance is engine/experiments:
Beta-Binomial P(best) of each variant and the two-proportion z-test's p-value of each variant
against the first, both on recipients with an attributed order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from ... import conf
from ...engine import experiments
from ...models import DeliveryKind, Enrollment, EnrollmentState, Flow, FlowStepRun, OutboxMessage
from ...queries.errors import InputError
from .. import report as scenario_report
from ..channels import registry

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
    attributed_revenue: Decimal = Decimal(0)
    effect: scenario_report.HoldoutEffect = field(default_factory=scenario_report.HoldoutEffect)


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


def flow_report(flow: Flow, since: dt.date, until: dt.date) -> FlowReport:
    shop = conf.channel_settings(flow.channel)
    window = dt.timedelta(days=shop.attribution_window_days)
    start, end = scenario_report.report_bounds(flow.channel, since, until)
    result = FlowReport(flow.pk, since, until)
    cohort = list(Enrollment.objects.filter(channel=flow.channel, scenario=flow.key, created_at__gte=start,
                                            created_at__lt=end)
                  .values_list("id", "account_id", "contact_id", "created_at", "holdout", "state", "stop_reason",
                               "variants"))
    by_id = {row[0]: row for row in cohort}
    exited = Counter()
    for _, _, _, _, holdout, state, reason, _ in cohort:
        result.entered += 1
        result.holdout += holdout
        result.active += state == EnrollmentState.ACTIVE
        result.done += state == EnrollmentState.DONE
        if state == EnrollmentState.EXITED:
            exited[reason or "stopped"] += 1
    result.exited = dict(exited)

    steps = {s["id"]: StepFigures(s["id"], str(s.get("kind", "")), str(s.get("name") or ""))
             for s in _steps(_definition(flow))}
    runs = (FlowStepRun.objects.filter(enrollment__in=list(by_id)).values_list("step_id", "branch")
            if by_id else [])
    for step_id, branch in runs:
        figures = steps.setdefault(step_id, StepFigures(step_id))
        figures.passed += 1
        if branch:
            figures.branches[branch] = figures.branches.get(branch, 0) + 1

    mails = list(OutboxMessage.objects.filter(enrollment_id__in=list(by_id), status="sent")
                 .values_list("enrollment_id", "step_id", "variant", "kind", "opened_at", "clicked_at")
                 if by_id else [])
    for _, step_id, _, _, opened_at, clicked_at in mails:
        figures = steps.setdefault(step_id, StepFigures(step_id))
        figures.sent += 1
        figures.opened += opened_at is not None
        figures.clicked += clicked_at is not None
    result.steps = list(steps.values())

    accounts = {r[1] for r in cohort if r[1]}
    contacts = {r[2] for r in cohort if r[2] and not r[1]}
    by_account, by_contact = scenario_report.purchases_of(flow.channel, start, end + window, accounts, contacts)
    credits = _attributed(flow, start, end + window, window, by_account, by_contact)
    result.attributed_revenue = sum((amount for _, amount in credits), Decimal(0))
    result.variants = _variants(flow, cohort, mails, credits)

    revenue = {True: [], False: []}
    for _, account_id, contact_id, created_at, holdout, _, _, _ in cohort:
        purchases = by_account[account_id] if account_id else by_contact[contact_id]
        revenue[holdout].append(scenario_report.sum_between(purchases, created_at, created_at + window))
    result.effect = scenario_report.holdout_effect(revenue[False], revenue[True])
    return result


def _attributed(flow, start, end, window, by_account, by_contact) -> list[tuple[tuple, Decimal]]:
    """[((enrollment id, variant), amount)] for purchases whose last touch is this flow's mail."""
    touches = defaultdict(list)
    units = {("a", k) for k in by_account} | {("c", k) for k in by_contact}
    # every buyer medium is a touch: a posted DM counts from the day its print job was posted
    rows = (OutboxMessage.objects.filter(channel=flow.channel, kind__in=registry.buyer_kinds(), status="sent",
                                         sent_at__gte=start, sent_at__lt=end)
            .values_list("scenario", "enrollment_id", "variant", "account_id", "contact_id", "sent_at", "clicked_at"))
    for scenario, enrollment_id, variant, account_id, contact_id, sent_at, clicked_at in rows:
        unit = _unit(account_id, contact_id)
        if unit not in units:
            continue
        label = (enrollment_id, variant) if scenario == flow.key else None  # another scenario's mail competes
        touches[unit].append((sent_at, label))
        if clicked_at:
            touches[unit].append((clicked_at, label))
    return [(label, amount) for label, amount in scenario_report.attribute(touches, by_account, by_contact, window)
            if label is not None]


def _variants(flow, cohort, mails, credits) -> list[VariantFigures]:
    ab_steps = [s for s in _steps(_definition(flow)) if s.get("kind") == "ab"]
    mailed = defaultdict(lambda: {"delivered": set(), "opened": set(), "clicked": set()})
    for enrollment_id, _, variant, kind, opened_at, clicked_at in mails:
        if kind != DeliveryKind.EMAIL or not variant:
            continue
        seen = mailed[(enrollment_id, variant)]
        seen["delivered"].add(enrollment_id)
        if opened_at:
            seen["opened"].add(enrollment_id)
        if clicked_at:
            seen["clicked"].add(enrollment_id)
    credited = defaultdict(lambda: [0, Decimal(0)])
    for (enrollment_id, variant), amount in credits:
        credited[(enrollment_id, variant)][0] += 1
        credited[(enrollment_id, variant)][1] += amount
    out = []
    for step in ab_steps:
        keys = [v.get("key") for v in step.get("variants") or [] if isinstance(v, dict)]
        figures = {k: VariantFigures(step["id"], k) for k in keys if isinstance(k, str)}
        for enrollment_id, _, _, _, holdout, _, _, variants in cohort:
            key = (variants or {}).get(step["id"])
            if holdout or key not in figures:
                continue
            f = figures[key]
            f.recipients += 1
            seen = mailed.get((enrollment_id, key))
            if seen:
                f.delivered += 1
                f.opened += bool(seen["opened"])
                f.clicked += bool(seen["clicked"])
            orders, amount = credited.get((enrollment_id, key), (0, Decimal(0)))
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
