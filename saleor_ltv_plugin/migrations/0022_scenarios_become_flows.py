"""The nine ready scenarios become flows: each ScenarioSetting row → its template flow (a live
version when switched on), and today's enrollments belong to those flows, marked done — they
already have their outbox rows, which the outbox still sends; the flow runtime leaves them."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def _language(channel: str) -> str:
    try:
        from saleor_ltv_plugin import conf

        return conf.channel_settings(channel).default_language
    except Exception:  # noqa: BLE001 — a host's settings may not be readable while migrating
        return "ja"


def forwards(apps, schema_editor):
    from saleor_ltv_plugin.automation.catalog import SCENARIOS
    from saleor_ltv_plugin.automation.flows.scenarios import publish_setting

    Flow = apps.get_model("saleor_ltv_plugin", "Flow")
    FlowVersion = apps.get_model("saleor_ltv_plugin", "FlowVersion")
    ScenarioSetting = apps.get_model("saleor_ltv_plugin", "ScenarioSetting")
    Enrollment = apps.get_model("saleor_ltv_plugin", "Enrollment")
    for row in ScenarioSetting.objects.filter(scenario__in=list(SCENARIOS)).order_by("channel", "scenario"):
        if not Flow.objects.filter(channel=row.channel, key=row.scenario).exists():
            publish_setting(row, _language(row.channel), by=row.updated_by, flows=Flow, versions=FlowVersion)
    flow = Flow.objects.filter(channel=OuterRef("channel"), key=OuterRef("scenario")).values("pk")[:1]
    Enrollment.objects.filter(flow__isnull=True).update(flow_id=Subquery(flow), state="done", next_at=None)


def backwards(apps, schema_editor):
    Enrollment = apps.get_model("saleor_ltv_plugin", "Enrollment")
    Flow = apps.get_model("saleor_ltv_plugin", "Flow")
    Enrollment.objects.filter(flow__template_key__gt="", flow_version__isnull=True).update(flow=None, state="active")
    Flow.objects.filter(template_key__gt="", enrollments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("saleor_ltv_plugin", "0021_flow_segment_members")]
    operations = [migrations.RunPython(forwards, backwards)]
