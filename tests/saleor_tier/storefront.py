"""Saleor's public GraphQL API, used the way a storefront and a staff user do."""

from __future__ import annotations

import requests  # noqa: F401 — re-exported for raw calls in tests

from .saleor_env import ADMIN, CHANNEL

ADDRESS = {
    "firstName": "Taro", "lastName": "Yamada", "streetAddress1": "1600 Amphitheatre Pkwy",
    "city": "MOUNTAIN VIEW", "postalCode": "94043", "country": "US", "countryArea": "CA",
    "phone": "+16502530000",
}


class GraphQLError(AssertionError):
    pass


def gql(url: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(url + "/graphql/", json={"query": query, "variables": variables or {}},
                             headers=headers, timeout=60)
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise GraphQLError(f"{response.status_code}: {body}")
    data = body["data"]
    for value in data.values():
        if isinstance(value, dict) and value.get("errors"):
            raise GraphQLError(str(value["errors"]))
    return data


def staff_token(url: str) -> str:
    data = gql(url, "mutation($e:String!,$p:String!){tokenCreate(email:$e,password:$p){token errors{message}}}",
               {"e": ADMIN[0], "p": ADMIN[1]})
    return data["tokenCreate"]["token"]


def purchasable_variants(url: str, count: int = 3) -> list[dict]:
    data = gql(url, """query($c:String!){products(first:60, channel:$c){edges{node{
        isAvailableForPurchase productType{isShippingRequired}
        variants{id sku quantityAvailable pricing{price{gross{amount}}}}}}}}""", {"c": CHANNEL})
    variants = [
        v for edge in data["products"]["edges"] if edge["node"]["isAvailableForPurchase"]
        and edge["node"]["productType"]["isShippingRequired"]
        for v in edge["node"]["variants"] or []
        if v["sku"] and (v["quantityAvailable"] or 0) >= 20 and v["pricing"]
    ]
    if len(variants) < count:
        raise AssertionError(f"need {count} variants in stock, found {len(variants)}")
    return variants[:count]


def create_checkout(url: str, email: str, company: str, lines: list[tuple[str, int]], token: str | None = None,
                    language: str | None = None) -> dict:
    """checkoutCreate, as a guest (or the customer whose `token` it is), in `language` (LanguageCodeEnum)."""
    address = {**ADDRESS, "companyName": company}
    extra = {"languageCode": language} if language else {}
    return gql(url, """mutation($i:CheckoutCreateInput!){checkoutCreate(input:$i){
        checkout{id token shippingMethods{id}} errors{field code message}}}""",
        {"i": {"channel": CHANNEL, "email": email, "shippingAddress": address, "billingAddress": address,
               "lines": [{"variantId": v, "quantity": q} for v, q in lines], **extra}},
        token=token)["checkoutCreate"]["checkout"]


def complete_checkout(url: str, email: str, company: str, lines: list[tuple[str, int]],
                      metadata: dict[str, str] | None = None, token: str | None = None,
                      language: str | None = None) -> dict:
    """checkoutCreate → checkoutDeliveryMethodUpdate → checkoutPaymentCreate (dummy) → checkoutComplete
    (with `metadata` written on the checkout, as a storefront writes its campaign tags)."""
    created = create_checkout(url, email, company, lines, token, language)
    delivered = gql(url, """mutation($id:ID!,$m:ID!){checkoutDeliveryMethodUpdate(id:$id,deliveryMethodId:$m){
        checkout{totalPrice{gross{amount currency}}} errors{field code message}}}""",
        {"id": created["id"], "m": created["shippingMethods"][0]["id"]})
    total = delivered["checkoutDeliveryMethodUpdate"]["checkout"]["totalPrice"]["gross"]["amount"]
    gql(url, """mutation($id:ID!,$i:PaymentInput!){checkoutPaymentCreate(id:$id,input:$i){
        payment{id} errors{field code message}}}""",
        {"id": created["id"], "i": {"gateway": "mirumee.payments.dummy", "token": "charged", "amount": total}})
    done = gql(url, """mutation($id:ID!,$m:[MetadataInput!]){checkoutComplete(id:$id,metadata:$m){order{id number
        status total{gross{amount currency}} lines{productSku quantity totalPrice{gross{amount}}}}
        errors{field code message}}}""",
        {"id": created["id"], "m": [{"key": k, "value": v} for k, v in (metadata or {}).items()]})
    order = done["checkoutComplete"]["order"]
    order["checkout_token"] = created["token"]
    return order
