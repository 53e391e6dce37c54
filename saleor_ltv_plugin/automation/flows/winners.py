"""A/B auto-winner: decide an A/B step's winner once its setting says so, and record it once.

An A/B step with `auto_winner` ({"metric": "orders" | "clicks", "min_recipients", "min_days",
"threshold"}, definition.AUTO_WINNER) is decided by engine/experiments.pick_winner on the step's
treated recipients since its first assignment: successes are recipients with an attributed order
("orders") or with a click ("clicks") on the step's mails (report.variant_figures, the report's
own counting). The decision is a FlowAbWinner row (unique per flow and step: a second decider, a
retried task, finds it there and does nothing); from then on steps.ab gives new entrants the winner
and those already assigned keep theirs. The winner applies where the enrollment's own version's step
still has the setting and still has that variant (a shop that switches the auto-winner off, or
renames the variants, gets the plain weighted split again). A cheap count of recipients per variant comes first, so a
test still short of N recipients and D days costs two small queries per check, not a report.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone

from ... import conf
from ...engine import experiments
from ...models import Flow, FlowAbWinner, FlowState, FlowStepRun
from .definition import AUTO_WINNER_THRESHOLD, Step, parse
from .report import cohort_rows, variant_figures

logger = logging.getLogger(__name__)


def candidates() -> list[tuple[Flow, Step]]:
    """(live flow, A/B step of its live version) with an auto-winner setting and no winner yet."""
    decided = set(FlowAbWinner.objects.values_list("flow_id", "step_id"))
    out = []
    for flow in Flow.objects.filter(state=FlowState.LIVE, live_version__isnull=False).select_related("live_version"):
        definition, _ = parse(flow.live_version.definition)
        for step in (definition.steps.values() if definition else ()):
            if step.kind == "ab" and step.params.get("auto_winner") and (flow.pk, step.id) not in decided:
                out.append((flow, step))
    return out


def _limits(setting: dict) -> tuple[float, float]:
    """(min recipients, min days); an absent one never triggers the decision by itself."""
    n, days = setting.get("min_recipients"), setting.get("min_days")
    return (math.inf if n is None else n), (math.inf if days is None else float(days))


def decide(flow: Flow, step: Step, now: datetime | None = None) -> FlowAbWinner | None:
    """The step's winner if one is (or was already) chosen, else None; writes at most one row."""
    now = now or timezone.now()
    existing = FlowAbWinner.objects.filter(flow=flow, step_id=step.id).first()
    if existing:
        return existing
    setting = step.params["auto_winner"]
    keys = [v["key"] for v in step.variants]
    min_n, min_days = _limits(setting)
    runs = FlowStepRun.objects.filter(enrollment__flow=flow, enrollment__holdout=False, step_id=step.id, visit=0,
                                      branch__in=keys)
    first = runs.aggregate(at=Min("at"), entered=Min("enrollment__created_at"))
    if first["at"] is None:
        return None
    days = (now - first["at"]).total_seconds() / 86400
    per_variant = dict(runs.values("branch").annotate(n=Count("id")).values_list("branch", "n"))
    if min(per_variant.get(k, 0) for k in keys) < min_n and days < min_days:
        return None  # the cheap gate: pick_winner would say "not yet" too
    window = timedelta(days=conf.channel_settings(flow.channel).attribution_window_days)
    rows = cohort_rows(flow, first["entered"], now + timedelta(microseconds=1), window)
    figures = {f.key: f for f in variant_figures(flow, rows, only_step=step.id)}
    metric = setting["metric"]
    counts = [((figures[k].converted if metric == "orders" else figures[k].clicked), figures[k].recipients)
              for k in keys]
    threshold = setting.get("threshold") or AUTO_WINNER_THRESHOLD
    index = experiments.pick_winner(counts, days, min_recipients=min_n, min_days=min_days, threshold=threshold)
    if index is None:
        return None
    chances = experiments.prob_best(counts)
    record = {"metric": metric, "threshold": threshold, "days_running": round(days, 3),
              "variants": [{"key": k, "recipients": n, "successes": s, "probability_best": round(p, 6)}
                           for k, (s, n), p in zip(keys, counts, chances)]}
    try:
        with transaction.atomic():
            return FlowAbWinner.objects.create(flow=flow, step_id=step.id, variant=keys[index], decided_at=now,
                                               figures=record)
    except IntegrityError:  # another worker decided at the same moment: its row stands
        return FlowAbWinner.objects.get(flow=flow, step_id=step.id)


def decide_all(now: datetime | None = None) -> dict[str, int]:
    """One pass over every pending auto-winner; a failing one is logged and the others go on."""
    counts = {"checked": 0, "decided": 0}
    for flow, step in candidates():
        counts["checked"] += 1
        try:
            counts["decided"] += decide(flow, step, now) is not None
        except Exception:
            logger.exception("ltv flows: auto-winner of %s step %s failed", flow.key, step.id)
    return counts
