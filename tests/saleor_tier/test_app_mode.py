"""App mode against real Saleors: two Saleor 3.23 instances without the plugin — each with its own
database, signing key and Celery worker delivering its webhooks — install one App deployment
(`saleor-ltv serve` + `saleor-ltv worker -B`) from its manifest URL. Orders come in through
Saleor's own signed webhooks; each shop sees only its own."""

from __future__ import annotations

import json
import time

import jwt
import pytest
import requests

from saleor_ltv_plugin.hosts.saleor_app import manifest as app_manifest

from ..support.net import wait_for
from . import app_env, storefront
from .conftest import order_uuid

INSTALL = """mutation($u:String!, $n:String!){appInstall(input:{appName:$n, manifestUrl:$u,
  activateAfterInstallation:true, permissions:[MANAGE_USERS, MANAGE_ORDERS, MANAGE_PLUGINS, MANAGE_CHECKOUTS]}){
  appInstallation{id status} errors{field message code}}}"""
INSTALLATIONS = "{ appsInstallations { id status message manifestUrl } }"
APPS = """{ apps(first: 20) { edges { node { id identifier isActive
  webhooks { name isActive asyncEvents { eventType } } extensions { id mountName accessToken } } } } }"""
ACCOUNTS = "{ ltvAccounts(first: 50) { totalCount edges { node { name } } } }"
CAPTURE_LAG_P95_SECONDS = 15  # the issue's target, Saleor's own Celery delivery included


@pytest.fixture(scope="module")
def saleors(saleor_db):
    with app_env.saleor_without_plugin("app_a", 10) as a, app_env.saleor_without_plugin("app_b", 11) as b:
        yield {"a": a, "b": b}


@pytest.fixture(scope="module")
def app(saleors):
    with app_env.deployment(12) as deployment:
        yield deployment


def staff(saleor) -> str:
    return storefront.staff_token(saleor.url)


def our_app(saleor) -> dict | None:
    apps = storefront.gql(saleor.url, APPS, token=staff(saleor))["apps"]["edges"]
    return next((e["node"] for e in apps if e["node"]["identifier"] == app_manifest.APP_ID), None)


def install(saleor, app) -> dict:
    done = storefront.gql(saleor.url, INSTALL, {"u": app.manifest_url, "n": "LTV CRM"}, staff(saleor))
    assert not done["appInstall"]["errors"], done

    def installed():
        pending = storefront.gql(saleor.url, INSTALLATIONS, token=staff(saleor))["appsInstallations"]
        failed = [p for p in pending if p["status"] == "FAILED"]
        assert not failed, failed
        return our_app(saleor) if not pending else None

    assert wait_for(installed, 90, 0.5), "Saleor's worker did not finish installing the app"
    assert wait_for(lambda: app.shop_schema(saleor), 10), "the app did not store the installation"
    return our_app(saleor)


def extension_token(saleor, mount="navigation_customers") -> str:
    node = our_app(saleor)
    return next(e["accessToken"] for e in node["extensions"] if e["mountName"].lower() == mount)


def app_graphql(app, token: str, query: str) -> dict:
    answer = requests.post(app.url + app_env.PREFIX + "graphql/", json={"query": query},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return answer.json()


def order_facts(app, saleor, ids) -> set[str]:
    rows = app.query(saleor, "SELECT external_id FROM saleor_ltv_plugin_orderfact WHERE source = 'saleor' "
                             "AND external_id = ANY(%s)", (list(ids),))
    return {row[0] for row in rows}


def place(saleor, variants, count: int, tag: str) -> list[str]:
    placed = [storefront.complete_checkout(saleor.url, f"buyer{i}-{tag}@example.com", f"株式会社{tag}{i}",
                                           [(variants[0]["id"], 1 + i)]) for i in range(count)]
    return [order_uuid(order["id"]) for order in placed]


@pytest.fixture(scope="module")
def shop_variants(saleors):
    return storefront.purchasable_variants(saleors["a"].url)  # both Saleors are copies of one template


def test_installs_from_the_manifest_url_into_a_saleor_without_the_plugin(saleors, app):
    saleor = saleors["a"]
    plugins = storefront.gql(saleor.url, '{ plugins(first: 100) { edges { node { id } } } }', token=staff(saleor))
    assert "saleor.ltv" not in {e["node"]["id"] for e in plugins["plugins"]["edges"]}  # no plugin of ours in it
    node = install(saleor, app)
    assert node["isActive"]
    events = {e["eventType"] for w in node["webhooks"] for e in w["asyncEvents"]}
    assert {"ORDER_CREATED", "ORDER_UPDATED", "CHECKOUT_UPDATED", "CUSTOMER_DELETED", "APP_DELETED"} <= events
    assert all(w["isActive"] for w in node["webhooks"])


def test_checkouts_become_order_facts_through_saleors_signed_webhooks(saleors, app, shop_variants, unique):
    saleor = saleors["a"]
    lags = []
    for index in range(5):
        started = time.monotonic()
        [order_id] = place(saleor, shop_variants, 1, f"A{unique}{index}")
        assert wait_for(lambda: order_facts(app, saleor, [order_id]), 60, 0.2), "no OrderFact within 60 s"
        lags.append(time.monotonic() - started)
    lags.sort()
    figures = json.dumps({"capture_lag_seconds": [round(lag, 2) for lag in lags]})
    (app_env.saleor_env.LOG_DIR / "app_capture_lag.json").write_text(figures)  # for the run's notes
    print(figures)
    assert lags[-1] <= CAPTURE_LAG_P95_SECONDS, lags  # 5 samples: the slowest stands for the p95


def test_a_second_saleor_installs_the_same_deployment_and_each_sees_only_its_own(saleors, app, shop_variants, unique):
    a, b = saleors["a"], saleors["b"]
    install(b, app)
    assert app.shop_schema(a) != app.shop_schema(b)
    ids_b = place(b, shop_variants, 2, f"B{unique}")
    assert wait_for(lambda: len(order_facts(app, b, ids_b)) == 2, 60, 0.3)
    assert not order_facts(app, a, ids_b)
    # Same channel slug and the same user ids in both (copies of one database): still apart.
    for saleor in (a, b):
        token = extension_token(saleor)
        trigger = app_graphql(app, token, 'mutation { ltvRecomputeTrigger(channel: "default-channel") { errors { message } } }')
        assert "errors" not in trigger, trigger
    def names(saleor):
        answer = app_graphql(app, extension_token(saleor), ACCOUNTS)
        return {e["node"]["name"] for e in (answer.get("data") or {}).get("ltvAccounts", {}).get("edges", [])}
    assert wait_for(lambda: any(f"B{unique}" in name for name in names(b)), 90, 1)
    assert not any(f"B{unique}" in name for name in names(a))
    assert not any(f"A{unique}" in name for name in names(b))


def test_a_forged_or_replayed_body_is_refused(saleors, app):
    """A body that a's Saleor signed, sent as b's: not b's signature. One a's Saleor signed for another
    app of a's (the recipient says so), replayed to us: refused too."""
    a, b = saleors["a"], saleors["b"]

    def kid(saleor):
        return requests.get(saleor.url + "/.well-known/jwks.json", timeout=10).json()["keys"][0]["kid"]

    def delivery(api_url: str, key_id: str, recipient: str):
        body = json.dumps({"__typename": "OrderCreated", "recipient": {"id": recipient}, "order": None,
                           "ref": {"id": "T3JkZXI6eA==", "updatedAt": "2026-12-02T00:00:00+00:00"}}).encode()
        signature = jwt.api_jws.encode(body, a.private_key_pem, algorithm="RS256",
                                       headers={"kid": key_id, "crit": ["b64"]}, is_payload_detached=True)
        return requests.post(app.url + app_env.PREFIX + "app/webhooks/orders", data=body, timeout=10, headers={
            "Content-Type": "application/json", "Saleor-Api-Url": api_url, "Saleor-Event": "order_created",
            "Saleor-Signature": signature})

    as_b = delivery(b.api_url, kid(b), our_app(b)["id"])
    assert as_b.status_code == 401 and as_b.json()["code"] == "SIGNATURE_VERIFICATION_FAILED", as_b.text
    other_app = delivery(a.api_url, kid(a), "QXBwOjk5OQ==")  # App:999 of a's Saleor
    assert other_app.status_code == 401 and other_app.json()["code"] == "WRONG_RECIPIENT", other_app.text


@pytest.mark.slow
def test_sixty_seconds_down_loses_no_order(saleors, app, shop_variants, unique):
    saleor = saleors["a"]
    app.stop_web()
    try:
        ids = place(saleor, shop_variants, 3, f"down{unique}")
        time.sleep(60)
    finally:
        app.start_web()
    # Saleor retries after 10, 20, 40, 80 and 160 s; reconcile (hourly) mends anything exhausted.
    assert wait_for(lambda: len(order_facts(app, saleor, ids)) == 3, 240, 2), order_facts(app, saleor, ids)
    rows = app.query(saleor, "SELECT count(*) FROM saleor_ltv_plugin_orderfact WHERE external_id = ANY(%s)", (ids,))
    assert rows[0][0] == 3


def test_deleting_a_customer_erases_their_personal_data(saleors, app, unique):
    saleor = saleors["a"]
    email = f"erase-{unique}@example.com"
    created = storefront.gql(saleor.url, """mutation($e:String!){customerCreate(input:{email:$e, firstName:"Hanako",
        lastName:"Sato"}){user{id} errors{message}}}""", {"e": email}, staff(saleor))["customerCreate"]["user"]
    contacts = "SELECT count(*) FROM saleor_ltv_plugin_contact WHERE email = %s"
    assert wait_for(lambda: app.query(saleor, contacts, (email,))[0][0] == 1, 60, 0.5)
    storefront.gql(saleor.url, "mutation($id:ID!){customerDelete(id:$id){errors{message}}}", {"id": created["id"]},
                   staff(saleor))
    assert wait_for(lambda: app.query(saleor, contacts, (email,))[0][0] == 0, 60, 0.5)


def test_the_overview_opens_in_chromium_with_a_token_that_saleor_minted(saleors, app):
    import os
    import subprocess
    from pathlib import Path

    python = app_env.ROOT / ".venv" / "bin" / "python"
    if not python.exists() or not Path(os.environ.get("LTV_CHROMIUM", "/usr/bin/chromium")).exists():
        pytest.skip("no .venv with Playwright or no chromium (bin/bootstrap, bin/browser)")
    token = extension_token(saleors["a"])
    done = subprocess.run([str(python), str(app_env.ROOT / "tests/dashboard/saleor_page_check.py"), app.url, token,
                           "overview"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["errors"] == [] and shown["testid"] in ("stat-accounts", "empty"), shown
    assert shown["frame_url"].startswith(app.url + app_env.PREFIX + "app/overview")


def test_app_deleted_removes_the_installations_token(saleors, app):
    saleor = saleors["b"]
    node = our_app(saleor)
    storefront.gql(saleor.url, "mutation($id:ID!){appDelete(id:$id){errors{message}}}", {"id": node["id"]}, staff(saleor))

    def token_gone():
        with app.db() as conn:
            row = conn.execute("SELECT token_sealed, removed_at FROM ltv_saleor_app_installation "
                               "WHERE saleor_api_url = %s", (saleor.api_url,)).fetchone()
        return row and row[0] == "" and row[1] is not None

    assert wait_for(token_gone, 60, 0.5)
