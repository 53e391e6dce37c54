"""The README's "how to add a delivery channel" walk, run as written: its fax module and its
entry-point table are read out of README.md verbatim, installed as a package the way pip leaves one,
and a flow of the shop's own uses the fax in a send step — each buyer with a phone gets one fax
through the outbox (the provider sees the row's idempotency key), a buyer without one is skipped
with no_phone, and a temporary provider error is retried."""

from __future__ import annotations

import datetime as dt
import re
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from django.utils import timezone

from saleor_ltv_plugin.auth import ALL_SCOPES, Principal
from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.channels import registry
from saleor_ltv_plugin.automation.flows import entry, runtime, service
from saleor_ltv_plugin.automation.flows.vocabulary import vocabulary
from saleor_ltv_plugin.models import Contact, OutboxMessage

from ..conftest import shop_settings  # noqa: F401 — fixture
from ..flows.flowshop import CHANNEL, buyers

README = Path(__file__).resolve().parents[3] / "README.md"
# The provider the README's module calls (`my_fax_api`): a stand-in fax service that keeps what it
# accepted by idempotency key, as a real provider's idempotent API does, and fails when told to.
PROVIDER = '''
class TemporaryError(Exception):
    pass

accepted = {}      # idempotency key -> phone
fail_next = []     # phones whose next send raises TemporaryError once

def send(phone, idempotency_key):
    if phone in fail_next:
        fail_next.remove(phone)
        raise TemporaryError("line busy")
    accepted.setdefault(idempotency_key, phone)
    return True
'''


def readme_blocks() -> tuple[str, str]:
    """(the fax channel module, the entry-point TOML) as the README shows them."""
    text = README.read_text()
    section = text[text.index("Adding a medium is one module plus its registration"):]
    python = re.search(r"```python\n(# my_shop_fax/channel\.py\n.*?)```", section, re.S).group(1)
    toml = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    return python, toml


@pytest.fixture
def fax_package(tmp_path):
    python, toml = readme_blocks()
    package = tmp_path / "my_shop_fax"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "channel.py").write_text(python)
    (tmp_path / "my_fax_api.py").write_text(PROVIDER)
    points = tomllib.loads(toml)["project"]["entry-points"][registry.ENTRY_POINT_GROUP]
    info = tmp_path / "my_shop_fax-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-shop-fax\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{registry.ENTRY_POINT_GROUP}]\n"
                                           + "".join(f"{name} = {target}\n" for name, target in points.items()))
    sys.path.insert(0, str(tmp_path))
    registry.reload()
    yield sys.modules["my_fax_api"]
    sys.path.remove(str(tmp_path))
    registry.unregister("fax")
    for name in ("my_shop_fax", "my_shop_fax.channel", "my_fax_api"):
        sys.modules.pop(name, None)


FAX = {"ja": {"subject": "{company}様 FAXでのご案内", "blocks": [{"kind": "text", "text": "いつもありがとうございます。"}]}}


@pytest.mark.django_db(transaction=True)
def test_the_readmes_fax_channel_sends_a_flow_step_through_the_outbox(fax_package, shop_settings):  # noqa: F811
    provider = fax_package
    assert registry.get("fax").__module__ == "my_shop_fax.channel"  # found through the README's entry point
    assert "fax" in vocabulary()["buyer_channels"]  # the editor offers it for a send step

    accounts = buyers(3, prefix="fax")
    today = timezone.localdate(timezone=dt.timezone(dt.timedelta(hours=9)))
    phones = ["+81312345678", "+81668765432", ""]  # the third buyer has no fax number
    contacts = list(Contact.objects.filter(email__startswith="fax").order_by("email"))
    for contact, phone in zip(contacts, phones):
        contact.phone, contact.birthday = phone, today.replace(year=1980)
        contact.save(update_fields=["phone", "birthday"])
    provider.fail_next.append(phones[1])

    who = Principal(kind="staff", email="staff@example.com", scopes=ALL_SCOPES)
    flow = service.create(CHANNEL, who, "誕生日FAX")
    definition = {"trigger": {"kind": "date", "field": "contact.birthday", "hour": 0}, "exit_on": ["ordered"],
                  "reentry": {"mode": "never"}, "holdout_percent": 0, "start": "fax",
                  "steps": [{"id": "fax", "kind": "send", "channel": "fax", "content": FAX, "next": None}]}
    service.save_draft(flow.pk, who, definition=definition)
    assert service.draft_problems(service.Flow.objects.get(pk=flow.pk)) == []
    service.publish(flow.pk, who)

    now = timezone.now()
    assert entry.enter_flow(service.Flow.objects.get(pk=flow.pk), now) == 3
    runtime.tick(now=now)
    outbox.send_due(now=now)
    outbox.send_due(now=now + dt.timedelta(hours=1))  # the busy line's retry, after its backoff
    rows = {m.contact.phone: m for m in OutboxMessage.objects.filter(kind="fax").select_related("contact")}
    assert {p: (m.status, m.skip_reason) for p, m in rows.items()} == {
        phones[0]: ("sent", ""), phones[1]: ("sent", ""), "": ("skipped", "no_phone")}
    assert rows[phones[1]].attempts == 2
    assert provider.accepted == {rows[p].idempotency_key: p for p in phones[:2]}  # one fax each
    assert {a.pk for a in accounts} == {m.account_id for m in rows.values()}
