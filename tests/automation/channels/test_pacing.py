"""Sends paced to a provider's rate (automation/pacing.py): shared by processes through Redis,
and the outbox's SMS at the sender's `sms_per_second`, deferring what would wait too long."""

import json
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_ltv_plugin import conf
from saleor_ltv_plugin.automation import outbox, pacing
from saleor_ltv_plugin.automation.channels import registry
from saleor_ltv_plugin.models import OutboxMessage

from ...support.processes import BROKER, REPO, worker_env
from .test_sms import consented, due, fake, sms_shop  # noqa: F401 — the fake Twilio and its shop

pytestmark = pytest.mark.django_db
TURNS = """
import json, time, django
django.setup()
from saleor_ltv_plugin.automation import pacing
stamps = []
for _ in range({n}):
    assert pacing.take_turn({key!r}, {rate}, max_wait=30) is None
    stamps.append(time.time())
print(json.dumps(stamps))
"""


def test_two_processes_take_turns_through_redis_at_the_rate(settings):
    key, rate, n = f"test:{uuid.uuid4().hex}", 20, 10
    env = worker_env(BROKER)
    takers = [subprocess.Popen([sys.executable, "-c", TURNS.format(n=n, key=key, rate=rate)], env=env, cwd=REPO,
                               stdout=subprocess.PIPE, text=True) for _ in range(2)]
    stamps = sorted(s for p in takers for s in json.loads(p.communicate(timeout=120)[0]))
    assert all(p.returncode == 0 for p in takers)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    # Each process alone would go 10 in 0.45 s, the two side by side (any 4 in ~0.05 s); sharing the key,
    # the 20 come 1/20 s apart. A process woken late by a busy machine (CI saw 28 ms) moves its own stamp
    # only: any 4 in a row still span 3/20 s but for that lateness, and the whole run 19/20 s.
    windows = [b - a for a, b in zip(stamps, stamps[3:])]
    assert min(windows) >= 3 / rate - 0.05, gaps
    assert stamps[-1] - stamps[0] >= (2 * n - 1) / rate - 0.02, gaps


def test_without_redis_a_process_paces_itself_and_a_far_turn_is_not_taken(settings):
    settings.CELERY_BROKER_URL = ""
    key = f"test:{uuid.uuid4().hex}"
    assert pacing.take_turn(key, 2) is None  # the first goes at once
    assert pacing.take_turn(key, 2, max_wait=0.1) == pytest.approx(0.5, abs=0.05)  # 0.5 s off: not taken
    assert pacing.take_turn(key, 2) is None  # it was not reserved: this one takes the 0.5 s slot


def test_sms_go_at_the_senders_rate_and_a_backlog_is_deferred(sms_shop, fake, settings):  # noqa: F811
    settings.CELERY_BROKER_URL = BROKER
    settings.LTV_PLUGIN = {**sms_shop, "sms_per_second": 5}
    rows = [due(consented(f"+8190123456{i:02d}")) for i in range(6)]
    assert outbox.send_due() == {"sent": 6}
    gaps = [b - a for a, b in zip(fake.arrivals, fake.arrivals[1:])]
    assert len(fake.arrivals) == 6 and min(gaps) >= 0.2 - 0.03, gaps  # 5 a second

    # Another deployment's worker holds the sender's slots for the next 30 s: nothing is posted now.
    key, _ = registry.get("sms").pace(conf.channel_settings(None))
    pacing.take_turn(key, 1 / 30)
    later = [due(consented(f"+8190987654{i:02d}")) for i in range(2)]
    before = timezone.now()
    assert outbox.send_due() == {"deferred": 2}
    assert len(fake.arrivals) == 6
    for row in OutboxMessage.objects.filter(pk__in=[r.pk for r in later]):
        assert row.status == "pending" and row.attempts == 0
        assert before + timedelta(seconds=20) <= row.due_at <= before + timedelta(seconds=31)
    assert {r.status for r in OutboxMessage.objects.filter(pk__in=[r.pk for r in rows])} == {"sent"}
