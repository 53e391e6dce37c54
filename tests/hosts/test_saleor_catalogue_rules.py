"""The shared Saleor rules for catalogue entries (hosts/saleor/catalogue.py), on plain values."""

from decimal import Decimal

from saleor_ltv_plugin.hosts.saleor.catalogue import category_path, display_name, entry, listing_price


def test_names_paths_and_the_first_listed_price():
    assert display_name("コピー用紙 A4", "500枚×5冊", "SUP-1") == "コピー用紙 A4 (500枚×5冊)"
    assert display_name("コピー用紙 A4", "SUP-1", "SUP-1") == display_name("コピー用紙 A4", "コピー用紙 A4", "x") == "コピー用紙 A4"
    assert category_path(["文具", " ", "コピー用紙"]) == "文具/コピー用紙" and len(category_path(["x" * 300])) == 255
    assert listing_price([("z-channel", Decimal("900"), "USD"), ("b-channel", None, "JPY"),
                          ("c-channel", Decimal("1200"), "JPY")]) == (Decimal("1200"), "JPY")
    assert listing_price([("a", None, "JPY")]) == (None, "")
    assert entry(sku="", product="x") is None and entry(sku="S", product="") is None
    made = entry(sku=" S-1 ", product="トナー", variant="黒", categories=["文具"], price=None, currency="JPY")
    assert (made.sku, made.name, made.category, made.currency, made.source) == ("S-1", "トナー (黒)", "文具", "", "saleor")
