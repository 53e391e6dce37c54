"""Customer lists and the product catalogue over REST: files in both encodings and both header
languages, JSON batches, idempotent re-imports, consent per medium with its source and date (the
latest word wins), tags on accounts, formula-like cells kept as inert text, bad input refused whole."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saleor_ltv_plugin.auth import Scope
from saleor_ltv_plugin.automation.mail_items import mail_items
from saleor_ltv_plugin.graphql.loaders import ProductNameBySku
from saleor_ltv_plugin.models import Account, AccountTag, CatalogueProduct, Contact, ContactConsent
from saleor_ltv_plugin.queries.spreadsheet import inert_text

pytestmark = pytest.mark.django_db
BASE = "/plugins/global/saleor.ltv/api/v1/"
FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def api(key_for):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key_for(Scope.INGEST.value)}")


def upload(api, path: str, data: bytes | None = None, name: str = "list.csv", **fields):
    data = data if data is not None else (FIXTURES / name).read_bytes()
    return api.post(BASE + path, {"file": SimpleUploadedFile(name, data), **fields})


def post_json(api, path: str, body) -> object:
    return api.post(BASE + path, json.dumps(body, ensure_ascii=False), content_type="application/json")


def snapshot() -> list[tuple]:
    return sorted(Contact.objects.values_list(
        "email", "external_key", "company_name", "first_name", "last_name", "phone", "birthday", "registered_at",
        "marketing_consent", "consent_source", "consent_updated_at", "address_postal_code", "address_prefecture",
        "address_line1", "address_line2", "address_department", "address_person", "metadata"))


def test_a_shift_jis_customer_list_is_stored_then_the_utf8_copy_changes_nothing(api):
    response = upload(api, "customers/import", name="customers_ja.sjis.csv")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["encoding"], body["delimiter"], body["rows_read"]) == ("cp932", "comma", 3)
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    assert body["attributes"] == ["業種", "地域", "価格グループ"]
    taro = Contact.objects.get(email="taro@yamada-seisakusho.example")
    assert (taro.company_name, taro.last_name, taro.first_name, taro.phone) == ("株式会社山田製作所", "山田", "太郎",
                                                                                 "+81312345678")
    assert (taro.address_postal_code, taro.address_prefecture, taro.address_line1, taro.address_line2,
            taro.address_department, taro.address_person) == ("100-0001", "東京都", "千代田区千代田1-1", "山田ビル3階",
                                                               "購買部", "山田 太郎")
    assert str(taro.birthday) == "1980-04-01"
    assert taro.registered_at == datetime(2023, 4, 1, tzinfo=TOKYO)
    assert (taro.marketing_consent, taro.consent_source, taro.consent_updated_at) == (
        "granted", "import", datetime(2024, 3, 15, tzinfo=TOKYO))
    assert taro.metadata == {"業種": "製造業", "地域": "関東", "価格グループ": "A", "顧客ID": "C-0001"}
    assert list(ContactConsent.objects.filter(contact=taro).values_list("medium", "state", "source")) == [
        ("postal", "revoked", "import")]
    hanako = Contact.objects.get(email="hanako@suzuki-shoten.example")
    assert (hanako.phone, str(hanako.birthday), hanako.marketing_consent) == ("+819012345678", "1980-04-01", "revoked")
    # Tags name the company account (the channel's key rule), created as a prospect without orders.
    account = Account.objects.get(key_kind="company", key="山田製作所")
    assert set(AccountTag.objects.filter(account=account).values_list("tag", "source")) == {
        ("VIP", "import"), ("代理店", "import")}
    assert list(account.contacts.values_list("email", flat=True)) == ["taro@yamada-seisakusho.example"]
    before = snapshot()
    again = upload(api, "customers/import", name="customers_ja.utf8.csv")
    assert again.status_code == 200 and again.json()["encoding"] == "utf-8"
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 3)
    assert snapshot() == before and AccountTag.objects.count() == 2


def test_formula_like_cells_are_stored_as_written_and_exported_inert(api):
    assert upload(api, "customers/import", name="customers_ja.utf8.csv").status_code == 200
    ichiro = Contact.objects.get(email="ichiro@tanaka.example")
    assert (ichiro.company_name, ichiro.last_name, ichiro.metadata["業種"]) == (
        '=HYPERLINK("http://evil.example")', "+田中", "-卸売業")
    assert ichiro.metadata["部署"] == "@営業部"  # no address: the department is an attribute
    exported = Contact.objects.filter(pk=ichiro.pk).annotate(cell=inert_text("company_name"),
                                                              name=inert_text("last_name")).get()
    assert (exported.cell, exported.name) == ('\'=HYPERLINK("http://evil.example")', "'+田中")


def test_an_english_tsv_sets_sms_consent_with_its_source(api):
    response = upload(api, "customers/import", name="customers_en.utf8.tsv")
    assert response.status_code == 200, response.content
    assert (response.json()["delimiter"], response.json()["created"]) == ("tab", 2)
    ken = Contact.objects.get(email="buyer1@example.com")
    assert (ken.phone, ken.address_postal_code, ken.address_city, ken.marketing_consent, ken.consent_source) == (
        "+81398765432", "150-0001", "渋谷区", "granted", "web_form")
    assert list(ContactConsent.objects.filter(contact=ken).values_list("medium", "state", "source")) == [
        ("sms", "revoked", "web_form")]
    assert ken.metadata == {"Industry": "trading"}


def test_the_latest_consent_wins_whatever_order_lists_arrive_in(api):
    assert upload(api, "customers/import", name="customers_ja.sjis.csv").status_code == 200
    later = {"customers": [{"email": "taro@yamada-seisakusho.example", "consents": [
        {"medium": "email", "granted": False, "source": "phone_call", "at": "2024-06-01T10:00:00+09:00"},
        {"medium": "postal", "granted": True, "source": "phone_call", "at": "2024-06-01T10:00:00+09:00"}],
        "attributes": {"地域": "関東・甲信越"}}]}
    response = post_json(api, "customers", later)
    assert response.status_code == 200, response.content
    assert (response.json()["updated"], response.json()["created"]) == (1, 0)
    assert upload(api, "customers/import", name="customers_ja.sjis.csv").status_code == 200  # dated 2024-03-15
    taro = Contact.objects.get(email="taro@yamada-seisakusho.example")
    assert (taro.marketing_consent, taro.consent_source) == ("revoked", "phone_call")
    assert ContactConsent.objects.get(contact=taro, medium="postal").state == "granted"
    assert taro.metadata["地域"] == "関東" and taro.metadata["業種"] == "製造業"  # the file's attributes are newer text


def test_bad_rows_are_refused_with_line_field_and_reason_in_both_languages(api):
    text = ("メールアドレス,電話番号,郵便番号,誕生日,メール配信,会社名\n"
            "ok@buyer.example,03-1234-5678,100-0001,1980/04/01,可,正常商事\n"
            "bad@buyer.example,12345,10-1,1980/13/01,たぶん,不正商事\n"
            ",03-1234-5678,,,,名無し商事\n")
    response = upload(api, "customers/import", text.encode("cp932"))
    assert response.status_code == 422
    errors = {(e["row"], e["field"]): e for e in response.json()["errors"]}
    assert set(errors) == {(3, "birthday"), (4, "row")}, errors  # a cell that cannot be read is reported first
    assert "日付" in errors[(3, "birthday")]["message_ja"]
    assert "メールアドレス" in errors[(4, "row")]["message_ja"] and "email" in errors[(4, "row")]["message"]
    fixed = text.replace("1980/13/01", "1980/12/01")
    errors = {(e["row"], e["field"]): e for e in upload(api, "customers/import", fixed.encode()).json()["errors"]}
    assert {(3, "email_consent"), (4, "row")} <= set(errors)
    fixed = fixed.replace("たぶん", "不可")
    errors = {(e["row"], e["field"]): e for e in upload(api, "customers/import", fixed.encode()).json()["errors"]}
    assert {(3, "phone"), (3, "postal_code"), (4, "row")} == set(errors)
    assert "電話番号" in errors[(3, "phone")]["message_ja"] and "0から始まる" in errors[(3, "phone")]["message_ja"]
    assert "郵便番号" in errors[(3, "postal_code")]["message_ja"]
    assert Contact.objects.count() == 0 and CatalogueProduct.objects.count() == 0


@pytest.mark.parametrize("data,reason", [
    (b"\xff\xfe\x00garbage\x81", "Shift_JIS"),
    ("注文番号,合計金額\n1,100\n".encode(), "顧客一覧"),
    (b"", "空"),
])
def test_files_that_are_not_customer_lists_are_refused_whole(api, data, reason):
    response = upload(api, "customers/import", data)
    assert response.status_code == 422 and reason in response.json()["detail_ja"] + response.json()["errors"][0]["message_ja"]


def test_a_json_batch_is_all_or_nothing_and_names_the_record(api, key_for):
    good = {"email": "a@buyer.example", "company_name": "甲商事", "phone": "0312345678", "tags": ["展示会"],
            "consents": [{"medium": "email", "granted": True, "source": "trade_show"}]}
    bad = {"email": "b@buyer.example", "phone": "abc", "consents": [{"medium": "fax", "granted": True}]}
    response = post_json(api, "customers", {"customers": [good, bad]})
    assert response.status_code == 422
    fields = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert fields == {(2, "phone"), (2, "medium")}
    assert all(e["message_ja"] for e in response.json()["errors"])
    assert Contact.objects.count() == 0
    for body in ("not json", b"\xff\xfe", json.dumps([good]), json.dumps({"customers": []}),
                 json.dumps({"customers": [{**good, "attributes": {"業種": "a\x00b"}}]}),
                 json.dumps({"customers": [{**good, "consents": [{"medium": "email", "granted": True,
                                                                  "at": "2024-01-01T00:00:00"}]}]}),
                 json.dumps({"customers": [{**good, "registered_at": "2024-01-01T00:00:00"}]})):
        assert api.post(BASE + "customers", body, content_type="application/json").status_code == 422
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {key_for(Scope.READ.value)}")
    assert post_json(reader, "customers", {"customers": [good]}).status_code == 403
    response = post_json(api, "customers", {"customers": [good]})
    assert response.status_code == 200 and response.json()["created"] == 1
    assert post_json(api, "customers", {"customers": [good]}).json()["unchanged"] == 1
    contact = Contact.objects.get()
    assert (contact.phone, contact.marketing_consent, contact.consent_source) == ("+81312345678", "granted", "trade_show")
    assert AccountTag.objects.get().tag == "展示会"


def test_a_catalogue_file_names_the_skus_mails_and_tables_show(api):
    response = upload(api, "products/import", name="products_ja.sjis.csv")
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["encoding"]) == (3, "cp932")
    assert upload(api, "products/import", name="products_ja.utf8.csv").json()["unchanged"] == 3
    paper = api.get(BASE + "products/SKU-PAPER").json()
    assert (paper["name"], paper["category"], float(paper["price"])) == ("コピー用紙 A4 500枚×5冊", "文具/用紙", 2420.0)
    assert api.get(BASE + "products/NOPE").status_code == 404
    (item,) = mail_items({"lines": [{"sku": "SKU-TONER", "quantity": 1}]}, "default-channel", "JPY", "https://shop/")
    assert (item["name"], item["image_url"], item["url"]) == (
        "トナーカートリッジ(黒)", "https://img.yamada-shop.example/toner.jpg", "https://yamada-shop.example/products/toner")
    names = ProductNameBySku().load_many(["SKU-PEN", "UNKNOWN"]).get()
    assert names == ["ボールペン 10本入", ""]


def test_catalogue_urls_must_be_web_addresses_and_bad_prices_are_refused(api):
    response = post_json(api, "products", {"products": [
        {"sku": "A", "name": "商品A", "image_url": "javascript:alert(1)"}, {"sku": "B", "name": "商品B", "price": -1}]})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"products.0.image_url", "products.1.price"}
    text = "商品コード,商品名,販売価格,商品URL\nA,商品A,千円,\nB,,100,\nC,商品C,100,data:text/html,x\n"
    response = upload(api, "products/import", text.encode("cp932"))
    assert response.status_code == 422
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(2, "price"), (3, "name"), (4, "row")}, errors
    assert CatalogueProduct.objects.count() == 0
    ok = post_json(api, "products", {"products": [{"sku": "A", "name": "商品A", "price": "1000", "currency": "JPY"}]})
    assert ok.status_code == 200 and ok.json()["created"] == 1


def test_lists_go_through_import_jobs_with_a_kind(api):
    def submit(name, kind, data=None):
        data = data if data is not None else (FIXTURES / name).read_bytes()
        response = api.post(BASE + "imports", {"file": SimpleUploadedFile(name, data), "kind": kind})
        assert response.status_code == 202, response.content
        return response.json()  # tests run tasks eagerly: the job is done on return

    job = submit("customers_ja.sjis.csv", "customers")
    assert (job["kind"], job["state"], job["format"], job["encoding"], job["orders_total"], job["created"]) == (
        "customers", "finished", "customers", "cp932", 3, 3)
    assert Contact.objects.get(email="taro@yamada-seisakusho.example").marketing_consent == "granted"
    again = submit("customers_ja.utf8.csv", "customers")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    products = submit("products_ja.utf8.csv", "products")
    assert (products["state"], products["created"], CatalogueProduct.objects.count()) == ("finished", 3, 3)
    bad = submit("bad.csv", "customers", "メールアドレス,電話番号\nx@buyer.example,12\n".encode("cp932"))
    assert (bad["state"], bad["rows_refused"], bad["errors"][0]["field"]) == ("refused", 1, "phone")
    assert bad["errors"][0]["message_ja"].startswith("電話番号")
    assert submit("orders.csv", "products", "注文番号\n1\n".encode())["state"] == "refused"
