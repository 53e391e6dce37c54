"""The Dashboard app installs into real Saleor from the plugin's manifest URL — by the
appInstall mutation and by the ltv_install_app command — with the right mount points."""

import pytest

from . import saleor_env, storefront

EXPECTED = {("navigation_customers", "app_page"), ("customer_details_widgets", "widget"),
            ("order_details_widgets", "widget"), ("customer_overview_more_actions", "app_page")}
APPS = """{ apps(first: 100, filter: {search: "LTV retention"}) { edges { node { id identifier isActive
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
    assert {p["code"] for p in app["permissions"]} == {"MANAGE_USERS", "MANAGE_ORDERS"}
    mounts = {(e["mountName"].lower(), e["targetName"].lower()) for e in app["extensions"]}
    assert mounts == EXPECTED, mounts


def test_app_install_mutation_from_the_manifest_url(saleor_url, manifest_host, staff):
    _delete(saleor_url, staff, _ltv_apps(saleor_url, staff))
    result = storefront.gql(saleor_url, """mutation($u:String!){appInstall(input:{appName:"LTV retention CRM",
        manifestUrl:$u, activateAfterInstallation:true, permissions:[MANAGE_USERS, MANAGE_ORDERS]}){
        appInstallation{status message} errors{field message code}}}""",
        {"u": manifest_host + "/plugins/global/saleor.ltv/app/manifest"}, staff)
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
