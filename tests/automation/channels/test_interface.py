"""The channel interface: built-ins and an add-on found through the entry-point group, sent by an
outbox that has no branch per medium, under the one send policy (needs, consent, cap, quiet hours)."""

import inspect
import sys
import textwrap
from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_ltv_plugin.automation import outbox, send_policy
from saleor_ltv_plugin.automation.channels import registry
from saleor_ltv_plugin.automation.channels.base import DeliveryChannel
from saleor_ltv_plugin.models import Contact, ContactConsent, DeliveryKind, Enrollment, OutboxMessage

from ..conftest import CHANNEL, enable

ADDON = '''
from saleor_ltv_plugin.automation.channels import LOST_LEASE, SENT, Outcome
from saleor_ltv_plugin.automation.channels.base import PHONE, DeliveryChannel

FAXED = []


class FaxChannel(DeliveryChannel):
    kind = "fax"
    needs = (PHONE,)
    consent_key = "fax"

    def send(self, message, config, commit):
        FAXED.append((message.contact.phone, message.idempotency_key))
        return Outcome(SENT, "faxed", committed=True) if commit() else Outcome(LOST_LEASE)
'''


@pytest.fixture
def fax_addon(tmp_path):
    """A third-party package installed the way pip leaves one: a module and its dist-info with entry points."""
    (tmp_path / "ltv_fax_addon.py").write_text(ADDON)
    info = tmp_path / "ltv_fax_addon-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ltv-fax-addon\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(f"""\
        [{registry.ENTRY_POINT_GROUP}]
        fax = ltv_fax_addon:FaxChannel
        """))
    sys.path.insert(0, str(tmp_path))
    registry.reload()
    yield sys.modules["ltv_fax_addon"]
    sys.path.remove(str(tmp_path))
    registry.unregister("fax")
    sys.modules.pop("ltv_fax_addon", None)


def _due(kind: str, contact: Contact, scenario: str = "reorder_reminder", n: int = 0) -> OutboxMessage:
    now = timezone.now()
    enrollment = Enrollment.objects.create(scenario=scenario, channel=CHANNEL, trigger_ref=f"t{contact.pk}:{n}",
                                           contact=contact, anchor_at=now, context={})
    return OutboxMessage.objects.create(
        idempotency_key=f"{scenario}:{CHANNEL}:t{contact.pk}:{n}:{kind}", enrollment=enrollment, scenario=scenario,
        channel=CHANNEL, step=0, kind=kind, contact=contact, due_at=now - timedelta(minutes=1))


def test_the_built_in_channels_are_exactly_the_delivery_kinds():
    assert registry.kinds() == sorted(DeliveryKind.values)
    for kind in DeliveryKind.values:
        assert registry.get(kind).kind == kind


def test_the_outbox_has_no_branch_per_medium():
    source = inspect.getsource(outbox)
    assert "kind ==" not in source and "DeliveryKind" not in source
    for kind in DeliveryKind.values:
        assert f'"{kind}"' not in source


def test_a_kind_is_registered_once_and_fits_the_column():
    class Other(DeliveryChannel):
        kind = "email"

    with pytest.raises(ValueError, match="taken by"):
        registry.register(Other)

    class TooLong(DeliveryChannel):
        kind = "x" * 17

    with pytest.raises(ValueError, match="1–16 characters"):
        registry.register(TooLong)
    with pytest.raises(TypeError):
        registry.register(object)


@pytest.mark.django_db
def test_a_row_whose_channel_is_gone_gives_up_naming_its_kind(shop_settings):
    enable("reorder_reminder")
    message = _due("carrier_pigeon", Contact.objects.create(email="a@yamada.example"))
    assert outbox.send_due() == {"dead": 1}
    message.refresh_from_db()
    assert message.status == "dead" and "'carrier_pigeon'" in message.last_error


@pytest.mark.django_db
def test_an_entry_point_channel_is_sent_by_the_outbox_under_the_send_policy(fax_addon, shop_settings, settings):
    settings.LTV_PLUGIN = {**shop_settings, "consent_mode": "opt_in", "frequency_cap_per_week": 1}
    enable("reorder_reminder")
    assert registry.get("fax") is fax_addon.FaxChannel
    granted = Contact.objects.create(email="a@yamada.example", phone="+81312345678")
    ContactConsent.objects.create(contact=granted, medium="fax", state="granted", source="staff",
                                  updated_at=timezone.now())
    no_phone = Contact.objects.create(email="b@yamada.example")
    ContactConsent.objects.create(contact=no_phone, medium="fax", state="granted", source="staff",
                                  updated_at=timezone.now())
    unknown = Contact.objects.create(email="c@yamada.example", phone="+81312345679")  # opt-in: unknown is no
    email_only = Contact.objects.create(email="d@yamada.example", phone="+81312345670", marketing_consent="granted")
    sent, missing, unasked = _due("fax", granted), _due("fax", no_phone), _due("fax", unknown)
    other = _due("fax", email_only)
    assert outbox.send_due() == {"sent": 1, "skipped": 3}
    assert fax_addon.FAXED == [("+81312345678", sent.idempotency_key)]
    reasons = {m.pk: m.skip_reason for m in OutboxMessage.objects.filter(status="skipped")}
    # e-mail consent is not fax consent
    assert reasons == {missing.pk: "no_phone", unasked.pk: "no_consent", other.pk: "no_consent"}
    # The weekly cap counts every buyer medium: the fax sent this week holds the next message back.
    again = _due("fax", granted, n=1)
    assert outbox.send_due() == {"skipped": 1}
    again.refresh_from_db()
    assert again.skip_reason == "frequency_cap" and len(fax_addon.FAXED) == 1


@pytest.mark.django_db
def test_quiet_hours_follow_the_channels_limits(fax_addon, shop_settings, settings):
    """Buyer media wait out the night; staff alerts do not (their limits say so)."""
    settings.LTV_PLUGIN = {**shop_settings, "quiet_hours_start": 0, "quiet_hours_end": 23, "timezone": "UTC"}
    enable("churn_risk")
    contact = Contact.objects.create(email="a@yamada.example", phone="+81312345678")
    fax = _due("fax", contact, scenario="churn_risk")
    policy = send_policy.SendPolicy([fax], timezone.now().replace(hour=3))
    assert policy.hold(fax, registry.get("fax")).until is not None
    assert policy.hold(fax, registry.get(DeliveryKind.STAFF_WEBHOOK)) is None
