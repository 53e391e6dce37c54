"""The queries the Dashboard pages add: the channel picker and the widgets' account lookup."""

import base64
from collections import Counter

import pytest

from saleor_ltv_plugin.models import Account, AccountContact, OrderFact

pytestmark = pytest.mark.django_db

CHANNELS = "query { ltvChannels { channel currencies accounts } }"
FOR = """query($c: ID, $o: ID) { ltvAccountsFor(customerId: $c, orderId: $o) { id name channel currency } }"""


def gid(kind: str, pk) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def test_channels_list_every_channel_with_its_currencies_largest_first(scored_shop, gql, key_for):
    data = gql(CHANNELS, token=key_for())["data"]["ltvChannels"]
    counted = Counter(Account.objects.values_list("channel", flat=True))
    assert [c["channel"] for c in data] == [c for c, _ in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))]
    for row in data:
        assert row["accounts"] == counted[row["channel"]]
        assert set(row["currencies"]) == set(Account.objects.filter(channel=row["channel"])
                                             .values_list("currency", flat=True))


def test_a_saleor_user_or_order_leads_to_its_accounts(scored_shop, gql, key_for):
    link = AccountContact.objects.select_related("contact", "account").first()
    link.contact.saleor_user_id = "777"
    link.contact.save(update_fields=["saleor_user_id"])
    expected = {str(a) for a in AccountContact.objects.filter(contact=link.contact).values_list("account_id", flat=True)}
    for customer in (gid("User", 777), "777"):
        found = gql(FOR, {"c": customer}, key_for())["data"]["ltvAccountsFor"]
        assert {base64.b64decode(a["id"]).decode().split(":")[1] for a in found} == expected
    order = OrderFact.objects.select_related("account").first()
    OrderFact.objects.filter(pk=order.pk).update(source="saleor", external_id="0b6e-uuid")
    found = gql(FOR, {"o": gid("Order", "0b6e-uuid")}, key_for())["data"]["ltvAccountsFor"]
    assert [a["name"] for a in found] == [order.account.display_name or order.account.key]
    assert gql(FOR, {"c": gid("User", 999999)}, key_for())["data"]["ltvAccountsFor"] == []


@pytest.mark.parametrize("variables, field, message", [
    ({}, "customerId", "exactly one"),
    ({"c": "1", "o": "2"}, "customerId", "exactly one"),
    ({"c": base64.b64encode(b"Order:5").decode()}, "customerId", "is a Order id, expected a User id"),
    ({"o": base64.b64encode(b"User:5").decode()}, "orderId", "is a User id, expected a Order id"),
])
def test_bad_widget_ids_are_named(db, gql, key_for, variables, field, message):
    result = gql(FOR, variables, key_for())
    fields = result["errors"][0]["extensions"]["fields"]
    assert fields[0]["field"] == field and message in fields[0]["message"], result


def test_both_need_read_permission(db, gql, key_for):
    for query, variables in ((CHANNELS, {}), (FOR, {"c": "1"})):
        result = gql(query, variables, key_for("settings:write"))
        assert result["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
