"""Until the flow runtime is merged (branch `flowrun`): the ready scenarios' enrollments get
their outbox rows laid out at entry, as the scenario scan did, and are marked done.

Only enrollments of flows made from a template (`template_key`) at their first step, and only
when `flows.runtime` is absent; the idempotency keys are the scenario scan's, so the runtime
that replaces this finds nothing to redo. Delete this module when the runtime lands.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from ...models import Enrollment, EnrollmentState, OutboxMessage
from .. import settings as scenario_settings
from ..enroll import Candidate, scenario_messages
from ..triggers import buyers_of


def runtime_missing() -> bool:
    try:
        from . import runtime  # noqa: F401
    except ImportError:
        return True
    return False


def lay_out(now: datetime, channel: str | None = None) -> int:
    """Outbox rows for the template flows' new enrollments; returns how many enrollments."""
    waiting = (Enrollment.objects.filter(state=EnrollmentState.ACTIVE, flow__isnull=False)
               .exclude(flow__template_key="").select_related("flow"))
    if channel:
        waiting = waiting.filter(channel=channel)
    by_flow: dict[tuple[str, str], list[Enrollment]] = defaultdict(list)
    for enrollment in waiting:
        if enrollment.flow.template_key == enrollment.flow.key:
            by_flow[(enrollment.channel, enrollment.flow.key)].append(enrollment)
    done = 0
    for (slug, key), enrollments in by_flow.items():
        config = scenario_settings.load(slug)[key]
        buyers = buyers_of(e.account_id for e in enrollments if e.account_id and not e.contact_id)
        top = config.params.get("call_top_rfm_rank")
        messages = []
        for e in enrollments:
            contacts = [e.contact_id] if e.contact_id else buyers.get(e.account_id, [])
            rank = (e.context or {}).get("rfm_rank")
            candidate = Candidate(e.trigger_ref, e.anchor_at, e.account_id, contacts, e.context,
                                  call_eligible=top is not None and rank is not None and rank <= top)
            messages.extend(scenario_messages(config, e, candidate, now))
        OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=2000)
        Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).update(state=EnrollmentState.DONE,
                                                                             next_at=None)
        done += len(enrollments)
    return done
