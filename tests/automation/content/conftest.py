import pytest

from saleor_ltv_plugin.automation.content.context import RenderContext

SHOP = "https://yamada-shop.example/"


def context(**values) -> RenderContext:
    """A context with the sender block filled and every link marked as wrapped, so a test sees
    that each URL went through `link`."""
    items = values.pop("items", [])
    total = values.pop("total", "")
    return RenderContext(
        values=values, items=items, total=total,
        targets={"checkout": SHOP + "cart/tok", "shop": SHOP, "first_product": items[0]["url"] if items else SHOP},
        sender_name="山田商店", sender_postal_address="〒101-0021 東京都千代田区外神田1-2-3", sender_email="info@yamada.example",
        unsubscribe_url="https://api.yamada.example/u/TOKEN", open_url="https://api.yamada.example/t/o/X.gif",
        link=lambda url: "https://api.yamada.example/t/c/?to=" + url)


def item(name="コピー用紙 A4", sku="SUP-0187", url=SHOP + "products/paper", image_url=SHOP + "paper.png", **extra):
    return {"name": name, "sku": sku, "quantity": 2, "unit_price": "¥2,980", "line_total": "¥5,960",
            "image_url": image_url, "url": url, "due_on": "", "recent_price": False, **extra}


@pytest.fixture
def make_context():
    return context
