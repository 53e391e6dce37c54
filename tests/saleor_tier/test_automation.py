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


def _png() -> bytes:
    import io

    from PIL import Image  # Saleor's own dependency (the tier runs in Saleor's venv)

    out = io.BytesIO()
    Image.new("RGB", (300, 300), (37, 99, 235)).save(out, "PNG")
    return out.getvalue()


def test_a_captured_saleor_checkout_carries_each_items_name_image_and_price(saleor_url, staff, variants, db,
                                                                            unique):
    """A real checkout on a product with an uploaded image: the CheckoutFact's line carries the product's
    and variant's names, its slug, an image URL that loads from Saleor, and the listing unit price."""
    import base64
    import json
    from decimal import Decimal
    from urllib.parse import urlsplit

    variant = storefront.gql(saleor_url, """query($v:ID!,$c:String!){productVariant(id:$v, channel:$c){
        name sku channelListings{channel{slug} price{amount}} product{id name slug}}}""",
                             {"v": variants[0]["id"], "c": storefront.CHANNEL}, staff)["productVariant"]
    product = variant["product"]
    (listing,) = [lst["price"]["amount"] for lst in variant["channelListings"]
                  if lst["channel"]["slug"] == storefront.CHANNEL]
    upload = storefront.requests.post(saleor_url + "/graphql/", headers={"Authorization": f"Bearer {staff}"}, data={
        "operations": json.dumps({"query": """mutation($p:ID!,$i:Upload!){productMediaCreate(input:{product:$p,
            image:$i, alt:"ltv tier"}){media{id} errors{field message}}}""", "variables": {"p": product["id"], "i": None}}),
        "map": json.dumps({"0": ["variables.i"]})}, files={"0": (f"ltv-{unique}.png", _png(), "image/png")},
        timeout=60).json()
    created = upload["data"]["productMediaCreate"]
    assert not created["errors"], created
    media_id = created["media"]["id"]
    try:
        # the product's first image is the one a mail shows: put the new one first
        storefront.gql(saleor_url, """mutation($p:ID!,$m:[ID!]!){productMediaReorder(productId:$p, mediaIds:$m){
            errors{field message}}}""", {"p": product["id"], "m": [media_id] + [m for m in _media_ids(
                saleor_url, staff, product["id"]) if m != media_id]}, staff)
        email = f"items-{unique}@example.com"
        address = {**storefront.ADDRESS, "companyName": f"Tier Items {unique}"}
        created = storefront.gql(saleor_url, """mutation($i:CheckoutCreateInput!){checkoutCreate(input:$i){
            checkout{token} errors{field message}}}""", {"i": {
            "channel": storefront.CHANNEL, "email": email, "billingAddress": address, "shippingAddress": address,
            "lines": [{"variantId": variants[0]["id"], "quantity": 2}]}})["checkoutCreate"]
        assert not created["errors"], created
        apply_events()
        (lines,) = db.execute("SELECT lines FROM saleor_ltv_plugin_checkoutfact WHERE email = %s",
                              (email,)).fetchone()
        (line,) = lines
        assert (line["product_name"], line["product_slug"], line["variant_name"], line["sku"]) == (
            product["name"], product["slug"], variant["name"], variant["sku"])
        assert line["quantity"] == 2
        # Saleor prices a checkout lazily: until then the line's total is 0 and its listing price stands in
        total, undiscounted = db.execute(
            "SELECT l.total_price_gross_amount, l.undiscounted_unit_price_amount FROM checkout_checkoutline l "
            "JOIN checkout_checkout c ON c.token = l.checkout_id WHERE c.email = %s", (email,)).fetchone()
        assert undiscounted == Decimal(str(listing))
        unit = (total / 2).quantize(Decimal("0.001")) if total else Decimal(str(listing))
        assert Decimal(line["unit_price"]) == unit and Decimal(line["amount"]) == (total or 2 * unit), (line, total)
        # Saleor's thumbnail route under its PUBLIC_URL, for this media, 256 px
        media_pk = base64.b64decode(media_id).decode().split(":", 1)[1]
        gid = base64.b64encode(f"ProductMedia:{media_pk}".encode()).decode()
        assert line["image_url"] == f"http://127.0.0.1/thumbnail/{gid}/256/", line
        image = storefront.requests.get(saleor_url + urlsplit(line["image_url"]).path, timeout=60)
        assert image.status_code == 200 and image.headers["Content-Type"].startswith("image/"), (
            image.status_code, image.headers)
    finally:
        storefront.gql(saleor_url, "mutation($m:ID!){productMediaDelete(id:$m){errors{message}}}",
                       {"m": media_id}, staff)


def _media_ids(saleor_url: str, staff: str, product_id: str) -> list[str]:
    data = storefront.gql(saleor_url, "query($p:ID!){product(id:$p){media{id}}}", {"p": product_id}, staff)
    return [m["id"] for m in data["product"]["media"]]
