"""A scenario inside Saleor: a real abandoned checkout, Saleor's own Celery tasks, Saleor's e-mail
settings (EMAIL_URL) pointed at an SMTP sink on loopback."""

import subprocess
import time
from pathlib import Path

import pytest

from ..support.net import listening, wait_for
from . import saleor_env, storefront
from .conftest import apply_events

REPO = Path(__file__).resolve().parents[2]
SINK_PYTHON = REPO / ".venv" / "bin" / "python"  # aiosmtpd lives in the project's venv, not Saleor's
UPDATE = """mutation($c:[ConfigurationItemInput!]){pluginUpdate(id:"saleor.ltv", input:{configuration:$c}){
    errors{field message}}}"""
SENDING = [{"name": "consent_mode", "value": "opt_out"}, {"name": "quiet_hours_start", "value": "0"},
           {"name": "quiet_hours_end", "value": "0"}, {"name": "sender_name", "value": "LTV Tier Shop"},
           {"name": "sender_postal_address", "value": "1-1 Chiyoda, Tokyo"},
           # 10 % of accounts fall in the holdout by a hash of their id: this company must not be one
           {"name": "holdout_percent", "value": "0"}]


@pytest.fixture
def smtp_sink(tmp_path):
    if not SINK_PYTHON.exists():
        pytest.skip(f"no project venv at {SINK_PYTHON} (bin/bootstrap builds it) for the SMTP sink")
    port = saleor_env.free_port()
    out = open(tmp_path / "sink.txt", "w")
    sink = subprocess.Popen([str(SINK_PYTHON), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Debugging"], stdout=out, stderr=subprocess.STDOUT)
    assert wait_for(lambda: listening(port) or sink.poll() is not None, 30) and sink.poll() is None, \
        (tmp_path / "sink.txt").read_text()
    yield port, tmp_path / "sink.txt"
    sink.terminate()
    sink.wait(timeout=10)
    out.close()


def test_an_abandoned_saleor_checkout_is_mailed_through_saleors_tasks(saleor_url, staff, variants, db, unique,
                                                                       smtp_sink):
    port, captured = smtp_sink
    email = f"cart-{unique}@example.com"
    address = {**storefront.ADDRESS, "companyName": f"Tier Cart {unique}"}
    created = storefront.gql(saleor_url, """mutation($i:CheckoutCreateInput!){checkoutCreate(input:$i){
        checkout{token} errors{field message}}}""", {"i": {
        "channel": storefront.CHANNEL, "email": email, "billingAddress": address, "shippingAddress": address,
        "lines": [{"variantId": variants[0]["id"], "quantity": 2}]}})["checkoutCreate"]
    assert not created["errors"], created
    apply_events()
    assert db.execute("SELECT count(*) FROM saleor_ltv_plugin_checkoutfact WHERE email = %s",
                      (email,)).fetchone()[0] == 1
    assert not storefront.gql(saleor_url, UPDATE, {"c": SENDING}, staff)["pluginUpdate"]["errors"]
    out = saleor_env.django_admin("shell", "-c", f"""
from datetime import timedelta
from django.utils import timezone
from saleor_ltv_plugin.models import CheckoutFact, Enrollment, OutboxMessage, ScenarioSetting
from saleor_ltv_plugin.tasks import scan_scenarios_task, send_outbox_task
CheckoutFact.objects.filter(email="{email}").update(last_change=timezone.now() - timedelta(hours=2))
ScenarioSetting.objects.update_or_create(channel="{storefront.CHANNEL}", scenario="abandoned_checkout",
                                         defaults={{"enabled": True}})
print("SCAN", scan_scenarios_task.apply().result)
print("ENROLLED", list(Enrollment.objects.filter(contact__email="{email}").values_list("scenario", "holdout")))
print("SENT", send_outbox_task.apply(kwargs={{"budget_seconds": 30}}).get())
print("ROWS", list(OutboxMessage.objects.filter(contact__email="{email}").values_list("step", "status", "last_error")))
""", EMAIL_URL=f"smtp://127.0.0.1:{port}")
    rows = out.split("ROWS", 1)[1]
    assert "(0, 'sent', '')" in rows, out[-2000:]
    time.sleep(1)
    mail = captured.read_text(errors="replace")
    assert f"X-RcptTo: {email}" in mail or email in mail, mail[-2000:]
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in mail
    assert "/plugins/global/saleor.ltv/u/" in mail  # Saleor's PUBLIC_URL + the plugin's route
    assert mail.count("---------- MESSAGE FOLLOWS ----------") == 1
