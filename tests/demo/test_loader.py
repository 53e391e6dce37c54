"""The demo shop loads through the ingest path and lands on the right accounts."""

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from saleor_ltv_plugin.demo.loader import load_shop
from saleor_ltv_plugin.demo.synthetic import generate_shop
from saleor_ltv_plugin.models import Account, AccountContact, CheckoutFact, Contact, OrderFact, OrderLineFact


@pytest.mark.django_db
def test_each_company_becomes_exactly_one_account_with_all_its_orders():
    shop = generate_shop(n_companies=120, seed=3)
    load_shop(shop)
    load_shop(shop)  # loading twice changes nothing
    expected = defaultdict(set)
    for order in shop.orders:
        expected[order.company_key].add(order.external_id)
    stored = defaultdict(set)
    for account_id, external_id in OrderFact.objects.values_list("account_id", "external_id"):
        stored[account_id].add(external_id)
    assert sorted(map(sorted, stored.values())) == sorted(map(sorted, expected.values()))
    # Companies that never ordered but have registered buyers are prospects: one account each, with those buyers.
    ordered = set(expected)
    prospects = defaultdict(set)
    for contact in shop.contacts:
        if contact.user_id and contact.company_key not in ordered:
            prospects[contact.company_key].add(contact.email)
    assert prospects
    members = defaultdict(set)
    for account_id, email in AccountContact.objects.filter(account__orders=None).values_list("account_id",
                                                                                             "contact__email"):
        members[account_id].add(email)
    assert sorted(map(sorted, members.values())) == sorted(map(sorted, prospects.values()))
    assert Account.objects.count() == len(expected) + len(prospects)
    assert OrderFact.objects.count() == len(shop.orders)
    assert OrderLineFact.objects.count() == sum(len(o.lines) for o in shop.orders)
    total = sum((o.total_gross - o.refunded_amount for o in shop.orders), Decimal(0))
    assert OrderFact.objects.aggregate(s=Sum("amount"))["s"] == total
    assert CheckoutFact.objects.count() == len(shop.checkouts)
    registered = {c.user_id for c in shop.contacts if c.user_id}
    assert set(Contact.objects.exclude(saleor_user_id=None).values_list("saleor_user_id", flat=True)) == registered
    # Registered buyers keep the birthday they gave (a birthday flow reads Contact.birthday)
    given = {c.email: shop.reach[c.email].birthday for c in shop.contacts if c.user_id}
    stored_birthdays = dict(Contact.objects.exclude(saleor_user_id=None).values_list("email", "birthday"))
    assert stored_birthdays == given and sum(b is not None for b in given.values()) > 0.6 * len(given)


def test_the_demo_command_runs_standalone_on_sqlite(tmp_path):
    env = {**os.environ, "LTV_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "saleor_ltv_plugin.hosts.standalone.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "saleor_ltv_plugin.hosts.standalone.cli", "ltv_demo", "--no-serve", "--companies", "60",
         "--end", "2026-11-01", "--automation-days", "7"],  # CI's `make demo` plays the default four weeks
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded" in result.stdout
    with sqlite3.connect(tmp_path / "ltv-standalone.sqlite3") as db:
        orders = db.execute("SELECT count(*) FROM saleor_ltv_plugin_orderfact "
                            "WHERE external_id NOT LIKE 'sim-%'").fetchone()[0]
        # the report lists the ready scenarios; the demo's own escalation flow mails beside them
        sent = db.execute("SELECT count(*) FROM saleor_ltv_plugin_outboxmessage WHERE status = 'sent' "
                          "AND kind = 'email' AND scenario <> 'churn_escalation'").fetchone()[0]
    shop = generate_shop(n_companies=60)
    assert orders == len(shop.orders) > 0
    # A week of scenarios was played forward: mail went out, the report says so.
    total = next(line for line in result.stdout.splitlines() if line.strip().startswith("total"))
    assert sent > 0 and f"sent {sent:>5}" in total
    # It prints a working key: stored only as its hash, with every scope.
    raw = result.stdout.split("API key for this demo (Authorization: Bearer …): ", 1)[1].split()[0]
    with sqlite3.connect(tmp_path / "ltv-standalone.sqlite3") as db:
        stored = db.execute("SELECT scopes FROM saleor_ltv_plugin_apikey WHERE key_hash = ? AND revoked_at IS NULL",
                            (hashlib.sha256(raw.encode()).hexdigest(),)).fetchone()
    assert stored is not None and "orders:write" in stored[0]
