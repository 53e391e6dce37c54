"""A shop's accounts, buyers and metrics written directly (entry reads only these), and live
flows made from a definition — what the entry tests and bench/flows.py build on."""

from __future__ import annotations

import datetime as dt
import itertools
from datetime import datetime, timezone

from saleor_ltv_plugin.automation.flows.definition import parse
from saleor_ltv_plugin.models import Account, AccountContact, AccountMetrics, Contact, Flow, FlowVersion

CHANNEL = "default-channel"
STAMP = datetime(2026, 1, 1, tzinfo=timezone.utc)
_made = itertools.count()


def accounts(rows: list[dict], channel: str = CHANNEL) -> list[int]:
    """One account with one buyer per row; a row's keys are AccountMetrics fields, plus
    `birthday` for the buyer. Returns the account ids in the rows' order."""
    batch = next(_made)
    made = Account.objects.bulk_create(
        [Account(channel=channel, currency="JPY", key_kind="company", key=f"co-{batch}-{i}",
                 display_name=f"Co {i}") for i in range(len(rows))], batch_size=5000)
    buyers = Contact.objects.bulk_create(
        [Contact(email=f"b{a.pk}@{channel.replace('-', '')}.example", marketing_consent="granted", birthday=r.get("birthday"))
         for a, r in zip(made, rows)], batch_size=5000)
    AccountContact.objects.bulk_create(
        [AccountContact(account=a, contact=c, first_seen_at=STAMP, last_seen_at=STAMP) for a, c in zip(made, buyers)],
        batch_size=5000)
    metrics = []
    for a, r in zip(made, rows):
        fields = {k: v for k, v in r.items() if k != "birthday"}
        fields.setdefault("last_purchase_at", dt.date(2026, 1, 5))
        fields.setdefault("first_purchase_at", fields["last_purchase_at"])
        metrics.append(AccountMetrics(account=a, channel=channel, currency="JPY", computed_at=STAMP,
                                      **{"frequency": 1, "monetary": 1000, "stage": "repeat", **fields}))
    AccountMetrics.objects.bulk_create(metrics, batch_size=5000)
    return [a.pk for a in made]


def live_flow(definition: dict, key: str = "f", channel: str = CHANNEL, at: datetime | None = None) -> Flow:
    """A flow with `definition` published as version 1 (checked as publishing checks it)."""
    parsed, problems = parse(definition)
    assert not problems, problems
    flow = Flow.objects.create(channel=channel, key=key, name=key, state="live", draft=definition)
    publish(flow, definition, at)
    return flow


def publish(flow: Flow, definition: dict, at: datetime | None = None) -> FlowVersion:
    number = flow.versions.count() + 1
    version = FlowVersion.objects.create(flow=flow, number=number, definition=definition,
                                         **({"published_at": at} if at else {}))
    flow.live_version = version
    flow.save()
    return version


def mail_flow(trigger: dict, **extra) -> dict:
    """A one-mail flow on `trigger`."""
    return {"trigger": trigger, "exit_on": ["ordered"], "reentry": {"mode": "never"}, "start": "m",
            "steps": [{"id": "m", "kind": "send", "channel": "email",
                       "content": {"template": "winback", "step": 0}, "next": None}], **extra}
