"""The plugin's GraphQL and REST APIs inside real Saleor, with Saleor's own tokens:
a superuser, a staff member holding only MANAGE_ORDERS, a customer, an app, the
Dashboard's app-extension token, and nobody. Each sees exactly what it should."""

import json

import pytest
import requests

from . import saleor_env, storefront

LTV = "/plugins/global/saleor.ltv/graphql/"
ACCOUNTS = "{ ltvAccounts(first: 5) { totalCount edges { node { name } } } }"
KEYS = "{ ltvApiKeys { name } }"
MINE = "{ myAccountInsights { ordersCount } myReorderSuggestions(dueWithinDays: 3650) { sku } }"

SETUP = """
import json
from saleor.account.models import User
from saleor.permission.models import Permission
from saleor.account.models import Group
from saleor.app.models import App, AppExtension
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.ingest.facts import OrderData, OrderLineData, CustomerRef
from decimal import Decimal
from datetime import datetime, timedelta, timezone

suffix = "{suffix}"
def make_user(email, **flags):
    user = User.objects.create(email=email, is_active=True, **flags)
    user.set_password(f"pass-{{suffix}}")
    user.save()
    return user


staff = make_user(f"orders-{{suffix}}@example.com", is_staff=True)
group = Group.objects.create(name=f"ltv-orders-{{suffix}}", restricted_access_to_channels=False)
group.permissions.add(Permission.objects.get(codename="manage_orders"))
group.user_set.add(staff)
customer = make_user(f"buyer-{{suffix}}@example.com")
now = datetime.now(timezone.utc)
orders = [OrderData(source="rest", external_id=f"tok-{{suffix}}-{{i}}", channel="default-channel", currency="USD",
    created_at=now - timedelta(days=30 * (3 - i)), status="fulfilled", total_gross=Decimal("100"),
    total_net=Decimal("90"), refunded_amount=Decimal("0"),
    customer=CustomerRef(user_id=str(customer.pk), email=customer.email, company_name=f"Token Co {{suffix}}"),
    lines=(OrderLineData(line_ref="1", sku=f"SKU-{{suffix}}", quantity=1, unit_price=Decimal("100"),
                         amount=Decimal("100")),), source_updated_at=now) for i in range(3)]
upsert_orders(orders)
app = App.objects.create(name=f"ltv-app-{{suffix}}", is_active=True)
app.permissions.add(Permission.objects.get(codename="manage_users"))
extension = AppExtension.objects.create(app=app, label="LTV", url="https://example.com/ltv",
    mount="customer_overview_more_actions", target="app_page")
extension.permissions.add(Permission.objects.get(codename="manage_users"))
print(json.dumps({{"customer": customer.pk, "app": app.pk}}))
"""


def ltv(url, query, token=None, header="Authorization"):
    # Saleor's Authorization-Bearer header carries the bare token.
    value = token if header == "Authorization-Bearer" else f"Bearer {token}"
    headers = {header: value} if token else {}
    return requests.post(url + LTV, json={"query": query}, headers=headers, timeout=60)


def code_of(body) -> str:
    return body["errors"][0]["extensions"]["exception"]["code"]


@pytest.fixture(scope="module")
def people(saleor_url, staff, unique):
    out = saleor_env.django_admin("shell", "-c", SETUP.format(suffix=unique))
    ids = json.loads(out.strip().splitlines()[-1])
    saleor_env.django_admin("ltv_recompute")
    token = lambda email: storefront.gql(  # noqa: E731
        saleor_url, "mutation($e:String!,$p:String!){tokenCreate(email:$e,password:$p){token}}",
        {"e": email, "p": f"pass-{unique}"})["tokenCreate"]["token"]
    app_token = storefront.gql(
        saleor_url, "mutation($a:ID!){appTokenCreate(input:{app:$a}){authToken}}",
        {"a": _global("App", ids["app"])}, token=staff)["appTokenCreate"]["authToken"]
    extensions = storefront.gql(saleor_url, "query($a:ID!){app(id:$a){extensions{accessToken}}}",
                                {"a": _global("App", ids["app"])}, token=staff)
    return {
        "orders_staff": token(f"orders-{unique}@example.com"),
        "customer": token(f"buyer-{unique}@example.com"),
        "app": app_token,
        "extension": extensions["app"]["extensions"][0]["accessToken"],
    }


@pytest.fixture(scope="module")
def unique():
    import uuid

    return uuid.uuid4().hex[:8]


def _global(kind, pk):
    import base64

    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def test_superuser_reads_metrics_and_manages_keys(saleor_url, staff, people):
    body = ltv(saleor_url, ACCOUNTS, staff).json()
    assert body["data"]["ltvAccounts"]["totalCount"] >= 1, body
    assert "errors" not in ltv(saleor_url, KEYS, staff).json()
    # Saleor's own Authorization-Bearer header works too.
    assert "errors" not in ltv(saleor_url, ACCOUNTS, staff, header="Authorization-Bearer").json()


def test_staff_with_manage_orders_reads_but_cannot_manage_keys(saleor_url, people):
    token = people["orders_staff"]
    assert ltv(saleor_url, ACCOUNTS, token).json()["data"]["ltvAccounts"]["totalCount"] >= 1
    body = ltv(saleor_url, KEYS, token).json()
    assert body["data"] is None and code_of(body) == "PermissionDenied"
    assert body["errors"][0]["extensions"]["requiredPermissions"] == ["MANAGE_PLUGINS"]


def test_customer_sees_only_their_own_account(saleor_url, people, unique):
    token = people["customer"]
    body = ltv(saleor_url, ACCOUNTS, token).json()
    assert body["data"]["ltvAccounts"] is None and code_of(body) == "PermissionDenied"
    mine = ltv(saleor_url, MINE, token).json()["data"]
    assert [i["ordersCount"] for i in mine["myAccountInsights"]] == [3]
    assert {s["sku"] for s in mine["myReorderSuggestions"]} <= {f"SKU-{unique}"}


def test_app_token_gets_its_app_permissions(saleor_url, people):
    assert ltv(saleor_url, ACCOUNTS, people["app"]).json()["data"]["ltvAccounts"]["totalCount"] >= 1
    assert code_of(ltv(saleor_url, KEYS, people["app"]).json()) == "PermissionDenied"


def test_app_extension_token_is_the_intersection_of_app_and_user(saleor_url, people):
    body = ltv(saleor_url, ACCOUNTS, people["extension"]).json()
    assert body["data"]["ltvAccounts"]["totalCount"] >= 1, body
    assert code_of(ltv(saleor_url, KEYS, people["extension"]).json()) == "PermissionDenied"


def test_anonymous_and_forged_tokens(saleor_url, people):
    body = ltv(saleor_url, ACCOUNTS).json()
    assert body["data"]["ltvAccounts"] is None and code_of(body) == "PermissionDenied"
    forged = people["customer"][:-4] + ("AAAA" if not people["customer"].endswith("AAAA") else "BBBB")
    response = ltv(saleor_url, ACCOUNTS, forged)
    assert response.status_code == 401 and code_of(response.json()) == "InvalidToken"
    assert ltv(saleor_url, ACCOUNTS, "not-a-token-at-all").status_code == 401
