"""The setup checklist (issue 14 #5): a shop sees on day one what is missing and what to do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import checks
from django.core.management import call_command
from django.utils import timezone

from saleor_ltv_plugin import setup_check
from saleor_ltv_plugin.models import Contact, InboundEvent, TaskHeartbeat
from saleor_ltv_plugin.tasks import scan_scenarios_task

from .automation import smtp_sink

pytestmark = pytest.mark.django_db
IDENTITY = ("sender_name", "sender_email", "sender_postal_address", "public_url")


@pytest.fixture
def bare_shop(settings):
    settings.LTV_PLUGIN = {k: v for k, v in settings.LTV_PLUGIN.items() if k not in IDENTITY}
    settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    return settings


def _by_key(items):
    return {item.key: item for item in items}


def test_a_fresh_shop_is_told_what_is_missing_with_counts(bare_shop):
    for i in range(6):
        Contact.objects.create(email=f"buyer{i}@example.jp")
    items = _by_key(setup_check.checklist("default-channel"))
    assert items["sender"].status == "fail" and "sender_name" in items["sender"].detail["en"]
    assert items["public_url"].status == "fail" and "localhost" in items["public_url"].detail["en"]
    assert items["consent"].status == "fail"
    assert items["consent"].detail["en"].startswith("0 of 6 buyers") and "6人中0人" in items["consent"].detail["ja"]
    assert items["recompute"].status == "fail"


def test_every_item_speaks_both_languages(bare_shop):
    for item in setup_check.checklist("default-channel"):
        assert item.detail["ja"] and item.detail["en"] and item.detail["ja"] != item.detail["en"]
        assert bool(item.action["ja"]) == bool(item.action["en"])
        assert (item.status == "ok") == (not item.action["en"])


def test_consent_counts_only_who_may_be_mailed(settings):
    Contact.objects.create(email="yes@example.jp", marketing_consent="granted")
    Contact.objects.create(email="gone@example.jp", marketing_consent="granted", unsubscribed_at=timezone.now())
    Contact.objects.create(email="no@example.jp", marketing_consent="revoked")
    Contact.objects.create(email="unknown@example.jp")
    item = setup_check.consent("default-channel")
    assert item.status == "ok" and item.detail["en"].startswith("1 of 4 buyers")
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "consent_mode": "opt_out"}
    assert setup_check.consent("default-channel").detail["en"].startswith("2 of 4 buyers")


def test_smtp_is_reached_and_a_test_mail_arrives(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # pytest-django swaps in locmem
    controller, sink = smtp_sink.start()
    try:
        settings.EMAIL_PORT = controller.port
        item = setup_check.smtp(send_test_to="admin@yamada-shop.example")
        assert item.status == "ok" and sink.count() == 1
        assert sink.to("admin@yamada-shop.example")
    finally:
        controller.stop()
    settings.EMAIL_PORT = smtp_sink.free_port()  # nobody listens there
    assert setup_check.smtp().status == "fail"


def test_worker_and_beat_are_judged_by_the_scan_heartbeat(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert setup_check.workers().status == "fail"  # never ran
    settings.CELERY_TASK_ALWAYS_EAGER = True
    scan_scenarios_task.run()  # what the beat's entry makes a worker do (eager: no broker here)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    beat = TaskHeartbeat.objects.get(task="scan_scenarios").beat_at
    assert abs((beat - timezone.now()).total_seconds()) < 60
    assert setup_check.workers().status == "ok"
    assert setup_check.workers(beat + timedelta(minutes=6)).status == "fail"
    event = InboundEvent.objects.create(source="saleor", kind="order_created", object_ref="order:1")
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=10))
    assert setup_check.workers().status == "fail"  # events wait: a worker is not applying them
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert setup_check.workers().status == "warn"


def test_the_command_fails_until_the_shop_is_set_up(bare_shop, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("ltv_check", "--language", "ja")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "✘ sender" in out and "特定電子メール法" in out


def test_system_checks_name_what_would_fail_later(bare_shop, settings):
    found = {m.id for m in checks.run_checks(tags=["saleor_ltv"])}
    assert "saleor_ltv.W001" in found
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "sender_name": "山田商店", "sender_email": "info@yamada.example",
                           "sender_postal_address": "東京都", "public_url": "https://yamada.example/ltv/"}
    assert not [m for m in checks.run_checks(tags=["saleor_ltv"])]
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "new_customer_days": "soon"}
    (error,) = checks.run_checks(tags=["saleor_ltv"])
    assert error.id == "saleor_ltv.E001" and "new_customer_days" in error.msg
