"""The registered-never-bought scenario is for prospects: a member whose company never bought in the
channel, not a new member of a company that orders every month."""

from datetime import timedelta

import pytest

from saleor_ltv_plugin.automation import outbox
from saleor_ltv_plugin.automation.scan import scan
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import Contact, Enrollment

from ..conftest import make_order
from .conftest import at, enable

pytestmark = pytest.mark.django_db
NOW = at("2026-11-20 09:00")


def member(email, company):
    return Contact.objects.create(email=email, company_name=company, marketing_consent="granted",
                                  registered_at=NOW - timedelta(hours=25))


def test_only_members_of_companies_that_never_bought_get_the_welcome_series(sink, shop_settings):
    enable("registered_no_purchase")
    upsert_orders([make_order("y1", company="株式会社山田商事", email="buyer@yamada.example",
                              created_at=NOW - timedelta(days=20)),
                   make_order("c1", company="取消商会", email="buyer@torikeshi.example", status="canceled",
                              created_at=NOW - timedelta(days=20))])
    member("newhire@yamada.example", "(株)山田商事")  # the same company under another spelling: it buys
    member("first@shinki.example", "新規工業")  # a company we have never sold to
    member("again@torikeshi.example", "取消商会")  # its only order was cancelled: never bought
    scan(now=NOW)
    outbox.send_due(now=NOW)
    entered = set(Enrollment.objects.filter(scenario="registered_no_purchase").values_list("contact__email", flat=True))
    assert entered == {"first@shinki.example", "again@torikeshi.example"}
    assert sink.count() == 2 and sink.to("first@shinki.example") and sink.to("again@torikeshi.example")
