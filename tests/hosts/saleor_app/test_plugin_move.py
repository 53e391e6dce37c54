"""Moving a shop from the plugin to the App: `ltv_shop <shop> ltv_import_plugin_data --from <Saleor's database>`.

The source is a separate PostgreSQL database built as a plugin installation's (plugin_database.py, in its
own process); the target is a shop schema of the test database. Each test runs the move inside its own
transaction, so the next one starts from an empty shop again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from saleor_ltv_plugin import tenancy
from saleor_ltv_plugin.hosts.saleor_app.models import Installation
from saleor_ltv_plugin.hosts.saleor_app.plugin_move import MoveRefused, plugin_tables, store_settings, tables_with_rows
from saleor_ltv_plugin.models import Account, InboundEvent, InboundStatus, OrderFact, SettingsDocument, Source

from . import bodies, plugin_database
from .test_payloads import deliver

# stored_host: the App host's settings seam (the shop's own settings), where the plugin's saved ones go.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stored_host")]
SCHEMA = "ltv_move_target"
ROOT = Path(__file__).resolve().parents[3]


def _server_url(database: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


@pytest.fixture(scope="module")
def source_url(django_db_setup, django_db_blocker):
    """A plugin's database beside the test database; the target shop schema built meanwhile."""
    name = f"{connection.settings_dict['NAME']}_plugin"
    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _server_url(name)
    env = {**os.environ, "LTV_TEST_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    build = subprocess.Popen([sys.executable, "-m", "tests.hosts.saleor_app.plugin_database"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with django_db_blocker.unblock():
        tenancy.create(SCHEMA)
    output, _ = build.communicate(timeout=300)
    assert build.returncode == 0, output
    yield url
    with django_db_blocker.unblock():
        tenancy.drop(SCHEMA)
    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def source_rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as source:
        source.execute("SET TimeZone TO 'UTC'")  # as Django's connection, for rows compared as text
        return source.execute(sql).fetchall()


def target_rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def counts(rows_of) -> dict[str, int]:
    return {table: rows_of(f"SELECT count(*) FROM {table}")[0][0] for table in plugin_tables()}


def import_(url: str, *options: str) -> str:
    from io import StringIO

    out = StringIO()
    with tenancy.enter(SCHEMA):
        call_command("ltv_import_plugin_data", "--from", url, *options, stdout=out)
    return out.getvalue()


def settle_references() -> None:
    """The moved plugin references are re-read through the shop's Saleor API (no Saleor here): set aside."""
    InboundEvent.objects.filter(kind="refetch").update(status=InboundStatus.DONE)


def test_the_move_copies_every_table_row_for_row_and_leaves_the_source_as_it_was(source_url):
    before = counts(lambda sql: source_rows(source_url, sql))
    started = time.monotonic()
    report = import_(source_url)
    seconds = time.monotonic() - started
    with tenancy.enter(SCHEMA):
        # …and the settings saved on Saleor's Plugins page, stored as the shop's own (one document, one change)
        assert counts(target_rows) == {**before, "saleor_ltv_plugin_settingsdocument": 1,
                                       "saleor_ltv_plugin_settingschange": 1}
        assert before["saleor_ltv_plugin_orderfact"] == plugin_database.ORDERS
        assert min(before[t] for t in ("saleor_ltv_plugin_accountmetrics", "saleor_ltv_plugin_checkoutfact",
                                       "saleor_ltv_plugin_contact", "saleor_ltv_plugin_segmentsnapshot")) > 0
        for table in ("saleor_ltv_plugin_orderfact", "saleor_ltv_plugin_orderlinefact", "saleor_ltv_plugin_contact",
                      "saleor_ltv_plugin_account", "saleor_ltv_plugin_accountmetrics"):
            sql = f"SELECT row_to_json(t)::text FROM {table} t ORDER BY 1"
            assert target_rows(sql) == source_rows(source_url, sql), table
        # The plugin's unapplied references become what the App can apply: re-reads through Saleor's API.
        pending = {e.object_ref: (e.kind, e.payload) for e in InboundEvent.objects.filter(status=InboundStatus.PENDING)}
        order, checkout = "00000000-0000-4000-8000-000000000007", "c0000000-0000-4000-8000-000000000003"
        assert pending == {
            f"order:{order}": ("refetch", {"type": "order", "id": bodies.global_id("Order", order)}),
            f"checkout:{checkout}": ("refetch", {"type": "checkout", "id": bodies.global_id("Checkout", checkout)}),
            "user:9": ("erase", {"user_id": "9", "email": "buyer9@company9.example"})}
        # Every sequence is past the copied ids: the App's next rows do not collide.
        top = max(OrderFact.objects.values_list("pk", flat=True))
        settle_references()
        account = Account.objects.create(channel="default-channel", currency="JPY", key="new", key_kind="company")
        assert account.pk > max(Account.objects.exclude(pk=account.pk).values_list("pk", flat=True))
        deliver("order_created", bodies.order_event("OrderCreated", bodies.order(
            pk="7d0e6a51-3a3b-4b8f-9d1e-0c2b7d9a1e99", number=9999)))
        assert OrderFact.objects.get(external_id="7d0e6a51-3a3b-4b8f-9d1e-0c2b7d9a1e99").pk > top
    assert counts(lambda sql: source_rows(source_url, sql)) == before
    assert source_rows(source_url, "SELECT kind, status FROM saleor_ltv_plugin_inboundevent ORDER BY id") == [
        ("order_updated", "pending"), ("checkout_updated", "pending"), ("customer_deleted", "pending")]
    # Every id column that counts itself (identity or serial), asked of the catalogue another way.
    with tenancy.enter(SCHEMA):
        [(serial,)] = target_rows("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                                  "AND (is_identity = 'YES' OR column_default LIKE 'nextval(%%')")
    assert "saleor_ltv_plugin_orderfact: 3000 → 3000" in report and f"{serial} sequences reset" in report, report[-400:]
    rows = sum(before.values())
    print(f"\nmoved {rows} rows in {len(before)} tables in {seconds:.2f} s: {rows / seconds:.0f} rows/s")


def test_the_settings_saved_on_saleors_plugins_page_become_the_shops_own(source_url):
    report = import_(source_url)
    assert "settings from Saleor's Plugins page: dormant_after_days, sender_name" in report
    with tenancy.enter(SCHEMA):
        from saleor_ltv_plugin import shop_settings

        document = SettingsDocument.objects.get()
        assert (document.values, document.updated_by) == (
            {"dormant_after_days": 150, "sender_name": "山田商店"}, "ltv_import_plugin_data")
        shop_settings.forget_cached()
        assert shop_settings.stored_settings()["dormant_after_days"] == 150


def test_plugin_settings_the_app_cannot_take_are_refused_by_name():
    with tenancy.enter(SCHEMA), pytest.raises(MoveRefused, match=r"--from: the plugin's settings do not validate "
                                                               r"in the app: dormant_after_days: "):
        store_settings({"dormant_after_days": "soon", "sender_name": "山田商店"})
    with tenancy.enter(SCHEMA):
        assert not SettingsDocument.objects.exists()


def test_a_webhook_for_an_order_the_plugin_captured_updates_it_and_adds_none(source_url):
    import_(source_url)
    with tenancy.enter(SCHEMA):
        captured = OrderFact.objects.get(source=Source.SALEOR, external_id=bodies.ORDER_PK)
        assert captured.status == "unfulfilled"
        settle_references()
        deliver("order_fully_paid", bodies.order_event("OrderFullyPaid", bodies.order(
            status="FULFILLED", updated="2026-05-02T10:00:00+00:00")))
        assert OrderFact.objects.count() == plugin_database.ORDERS
        updated = OrderFact.objects.get(source=Source.SALEOR, external_id=bodies.ORDER_PK)
        assert (updated.pk, updated.status, updated.account_id) == (captured.pk, "fulfilled", captured.account_id)


def test_it_runs_through_ltv_shop_and_refuses_a_shop_that_holds_data_unless_replace(source_url):
    Installation.objects.create(saleor_api_url="https://shop.example/graphql/", app_id="QXBwOjE=", schema=SCHEMA)
    call_command("ltv_shop", SCHEMA, "ltv_import_plugin_data", "--from", source_url, stdout=open(os.devnull, "w"))
    with tenancy.enter(SCHEMA):
        OrderFact.objects.filter(external_id=bodies.ORDER_PK).update(status="cancelled")  # the App's own since
        moved = counts(target_rows)
    with pytest.raises(CommandError, match=r"--replace: this shop already holds data \(.*saleor_ltv_plugin_orderfact"):
        import_(source_url)
    with tenancy.enter(SCHEMA):
        assert counts(target_rows) == moved
        assert OrderFact.objects.get(external_id=bodies.ORDER_PK).status == "cancelled"
    import_(source_url, "--replace")
    with tenancy.enter(SCHEMA):
        assert counts(target_rows) == moved
        assert OrderFact.objects.get(external_id=bodies.ORDER_PK).status == "unfulfilled"


def test_differing_migrations_are_listed_and_nothing_is_written(source_url):
    with tenancy.enter(SCHEMA):
        with connection.cursor() as cursor:  # the app one migration behind the plugin (undone with the test)
            cursor.execute("DELETE FROM django_migrations WHERE app = 'saleor_ltv_plugin' AND name LIKE '0029%%'")
    with pytest.raises(CommandError, match=r"--from: the plugin's migrations differ .* only in the plugin: "
                                           r"0029_shop_settings; only in the app: -\. Upgrade"):
        import_(source_url)
    with tenancy.enter(SCHEMA):
        assert tables_with_rows(plugin_tables()) == []


@pytest.mark.parametrize("url, message", [
    ("postgresql://ltv:secret@127.0.0.1:1/saleor",  # the password never printed
     r"--from: cannot connect to postgresql://ltv:\*\*\*@127\.0\.0\.1:1/saleor"),
    ("not a url", r"--from: cannot connect to not a url"),
    (None, r"--from: no saleor_ltv_plugin tables in schema 'public'"),
])
def test_a_source_that_is_not_a_plugin_database_is_refused(source_url, url, message):
    with pytest.raises(CommandError, match=message):
        import_(url or _server_url("postgres"))
    with tenancy.enter(SCHEMA):
        assert tables_with_rows(plugin_tables()) == []


def test_outside_a_shop_it_says_how_to_run_it(source_url):
    with pytest.raises(CommandError, match="ltv_shop <shop> ltv_import_plugin_data"):
        call_command("ltv_import_plugin_data", "--from", source_url)
