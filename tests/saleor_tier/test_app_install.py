"""The Dashboard app installs into real Saleor from the plugin's manifest URL — by the
appInstall mutation and by the ltv_install_app command — with the right mount points."""

import pytest

from saleor_ltv_plugin.hosts.saleor import manifest as app_manifest

from . import saleor_env, storefront

EXPECTED = {("navigation_customers", "app_page"), ("customer_details_widgets", "widget"),
            ("order_details_widgets", "widget"), ("customer_overview_more_actions", "app_page")}
APPS = """{ apps(first: 100, filter: {search: "LTV"}) { edges { node { id identifier isActive
  permissions { code } extensions { mountName targetName label } } } } }"""


@pytest.fixture(scope="module")
def manifest_host(saleor_url):
    # A second server: with eager Celery, appInstall fetches the manifest while the first one is
    # still busy answering the mutation.
    with saleor_env.running_server("saleor-manifest") as url:
        yield url


def _ltv_apps(saleor_url, staff):
    return [e["node"] for e in storefront.gql(saleor_url, APPS, token=staff)["apps"]["edges"]
            if e["node"]["identifier"] == "saleor.ltv"]


def _delete(saleor_url, staff, apps):
    for app in apps:
        storefront.gql(saleor_url, "mutation($id:ID!){appDelete(id:$id){errors{message}}}", {"id": app["id"]}, staff)


def _check(app):
    assert app["isActive"] is True
    assert {p["code"] for p in app["permissions"]} == set(app_manifest.PERMISSIONS)
    mounts = {(e["mountName"].lower(), e["targetName"].lower()) for e in app["extensions"]}
    assert mounts == EXPECTED, mounts


def test_app_install_mutation_from_the_manifest_url(saleor_url, manifest_host, staff):
    _delete(saleor_url, staff, _ltv_apps(saleor_url, staff))
    result = storefront.gql(saleor_url, """mutation($u:String!, $n:String!){appInstall(input:{appName:$n,
        manifestUrl:$u, activateAfterInstallation:true, permissions:[MANAGE_USERS, MANAGE_ORDERS, MANAGE_PLUGINS]}){
        appInstallation{status message} errors{field message code}}}""",
        {"u": manifest_host + "/plugins/global/saleor.ltv/app/manifest", "n": app_manifest.APP_NAME}, staff)
    installation = result["appInstall"]["appInstallation"]
    apps = _ltv_apps(saleor_url, staff)
    assert len(apps) == 1, (installation, apps)
    _check(apps[0])
    _delete(saleor_url, staff, apps)


def test_install_command(saleor_url, manifest_host, staff):
    _delete(saleor_url, staff, _ltv_apps(saleor_url, staff))
    out = saleor_env.django_admin("ltv_install_app", "--url", manifest_host)
    assert "installed from" in out
    apps = _ltv_apps(saleor_url, staff)
    assert len(apps) == 1
    _check(apps[0])
    _delete(saleor_url, staff, apps)


def test_installed_pages_open_in_a_browser_with_the_dashboards_token(saleor_url, manifest_host, staff):
    """Saleor serves the built pages; framed as the Dashboard frames them and handed the real
    app-extension token Saleor issues, the overview shows the plugin's figures."""
    import json
    import os
    import subprocess
    import urllib.parse
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    python = root / ".venv" / "bin" / "python"
    page = urllib.request.urlopen(saleor_url + "/plugins/global/saleor.ltv/app/overview", timeout=30)
    assert page.headers["Content-Type"].startswith("text/html") and page.headers["Cache-Control"] == "no-cache"
    html = page.read().decode()
    # The build's URLs are relative to the <base href> the app names (its URL prefix).
    base = html.split('<base href="', 1)[1].split('"', 1)[0]
    assert base == "/plugins/global/saleor.ltv/app/"
    asset = urllib.parse.urljoin(saleor_url + base, html.split('src="', 1)[1].split('"', 1)[0])
    script = urllib.request.urlopen(asset, timeout=30)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in script.headers["Cache-Control"]
    if not python.exists() or not Path(os.environ.get("LTV_CHROMIUM", "/usr/bin/chromium")).exists():
        pytest.skip("no .venv with Playwright or no chromium (bin/bootstrap, bin/browser)")

    _delete(saleor_url, staff, _ltv_apps(saleor_url, staff))
    installed = storefront.gql(saleor_url, """mutation($u:String!, $n:String!){appInstall(input:{appName:$n,
        manifestUrl:$u, activateAfterInstallation:true, permissions:[MANAGE_USERS, MANAGE_ORDERS, MANAGE_PLUGINS]}){
        errors{field message code}}}""", {"u": manifest_host + "/plugins/global/saleor.ltv/app/manifest",
                                          "n": app_manifest.APP_NAME}, staff)
    assert not installed["appInstall"]["errors"], installed
    app = _ltv_apps(saleor_url, staff)[0]
    extensions = storefront.gql(saleor_url, "query($a:ID!){app(id:$a){extensions{mountName accessToken}}}",
                                {"a": app["id"]}, staff)["app"]["extensions"]
    token = next(e["accessToken"] for e in extensions if e["mountName"].lower() == "navigation_customers")
    def plugin(query, variables=None):
        request = urllib.request.Request(
            saleor_url + "/plugins/global/saleor.ltv/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        return json.loads(urllib.request.urlopen(request, timeout=30).read())["data"]

    channels = plugin("{ ltvChannels { channel } }")["ltvChannels"]
    done = subprocess.run([str(python), str(root / "tests/dashboard/saleor_page_check.py"), saleor_url, token,
                           "overview"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["testid"] and shown["errors"] == [], shown
    assert shown["frame_url"].startswith(saleor_url + "/plugins/global/saleor.ltv/app/overview")
    if channels:
        accounts = plugin("query($c:String!){ltvOverview(channel:$c){accounts}}",
                          {"c": channels[0]["channel"]})["ltvOverview"]["accounts"]
        assert shown["testid"] == "stat-accounts", shown
        assert int("".join(ch for ch in shown["text"].splitlines()[-1] if ch.isdigit())) == accounts
    else:
        assert shown["testid"] == "empty", shown
    _delete(saleor_url, staff, [app])
