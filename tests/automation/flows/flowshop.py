"""A shop with accounts, buyers and a live flow, and enrollments standing on a step — built in bulk.

The `flowentry` engineer builds entry; these tests create enrollments directly, as entry will:
pinned to a version, `position` = the step to run, `next_at` = when."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from saleor_ltv_plugin.models import (Account, AccountContact, Contact, Enrollment, Flow, FlowState, FlowVersion,
                                      OrderFact)

CHANNEL = "default-channel"


def live_flow(definition: dict, key: str = "test_flow", channel: str = CHANNEL) -> FlowVersion:
    flow, _ = Flow.objects.get_or_create(channel=channel, key=key, defaults={"name": key, "state": FlowState.LIVE})
    number = flow.versions.count() + 1
    version = FlowVersion.objects.create(flow=flow, number=number, definition=definition)
    flow.live_version, flow.state = version, FlowState.LIVE
    flow.save(update_fields=["live_version", "state"])
    return version


def buyers(count: int, per_account: int = 1, channel: str = CHANNEL, prefix: str = "buyer") -> list[Account]:
    """`count` company accounts, each with `per_account` reachable buyers (e-mail, consent granted)."""
    now = timezone.now()
    accounts = Account.objects.bulk_create(
        [Account(channel=channel, currency="JPY", key_kind="company", key=f"{prefix}-co-{i}",
                 display_name=f"{prefix} company {i}") for i in range(count)], batch_size=5000)
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"{prefix}{i}.{j}@flow.example", marketing_consent="granted")
         for i in range(count) for j in range(per_account)], batch_size=5000)
    AccountContact.objects.bulk_create(
        [AccountContact(account=accounts[k // per_account], contact=c, first_seen_at=now, last_seen_at=now)
         for k, c in enumerate(contacts)], batch_size=5000)
    return accounts


def enroll(version: FlowVersion, accounts, *, at: datetime | None = None, position: str | None = None,
           holdout=lambda account: False, created_at: datetime | None = None) -> list[Enrollment]:
    at = at or timezone.now() - timedelta(seconds=1)
    start = position or version.definition["start"]
    flow = version.flow
    return Enrollment.objects.bulk_create(
        [Enrollment(scenario=flow.key, channel=flow.channel, trigger_ref=f"t:{a.pk}", account=a, anchor_at=at,
                    holdout=holdout(a), flow=flow, flow_version=version, position=start, next_at=at,
                    created_at=created_at or at - timedelta(minutes=1)) for a in accounts], batch_size=5000)


def order(account: Account, at: datetime, external_id: str | None = None) -> OrderFact:
    return OrderFact.objects.create(
        source="rest", external_id=external_id or f"o-{account.pk}-{at.timestamp()}", account=account,
        channel=account.channel, currency="JPY", created_at=at, status="fulfilled", total_gross=1100,
        total_net=1000, amount=1100, counts_as_purchase=True)


def send(step_id: str, next_step: str | None, template=("reorder_reminder", 0)) -> dict:
    return {"id": step_id, "kind": "send", "channel": "email", "next": next_step,
            "content": {"template": template[0], "step": template[1]}}


def document(steps: list[dict], exit_on=("ordered",), **extra) -> dict:
    return {"trigger": {"kind": "metric", "metric": "churn_risk"}, "exit_on": list(exit_on),
            "reentry": {"mode": "never"}, "start": steps[0]["id"], "steps": steps, **extra}
