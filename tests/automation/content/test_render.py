"""The renderer's HTML and text parts, read back with html.parser (no string snapshots)."""

from __future__ import annotations

import re

import pytest

from saleor_ltv_plugin.automation.content import render
from saleor_ltv_plugin.automation.content.merge import FIELDS

from .conftest import SHOP, context, item
from .parsed import parse

EVIL = ['<script>alert("x")</script>', '"&\'', "</td></tr></table><img src=x onerror=alert(1)>"]


def doc(*blocks, subject="{company}様へのご案内", preheader="", lang="ja"):
    return {lang: {"subject": subject, "preheader": preheader, "blocks": list(blocks)}}


def test_every_block_is_laid_out_in_order_and_the_footer_comes_last():
    raw = doc({"kind": "footer", "note": "営業時間 平日9時〜18時"}, {"kind": "heading", "text": "{company}様"},
              {"kind": "text", "text": "一行目\n二行目"}, {"kind": "products", "max_count": 1},
              {"kind": "coupon", "code": "{coupon}", "label": "クーポン"}, {"kind": "divider"},
              {"kind": "spacer", "height": 8}, {"kind": "button", "label": "カートへ", "target": "checkout"},
              preheader="{shop_name}からのお知らせ")
    ctx = context(company="鈴木工業株式会社", coupon="SPRING10", shop_name="山田商店", total="¥5,960",
                  items=[item(), item(name="トナー", sku="SUP-0420", url=SHOP + "products/toner")])
    mail = render(raw, "ja", ctx)
    page = parse(mail.html)
    assert page.unclosed == [] and "table" in page.tags
    text = page.text
    order = ["鈴木工業株式会社様", "一行目 二行目", "コピー用紙 A4", "¥5,960", "クーポン", "SPRING10", "カートへ",
             "営業時間 平日9時〜18時", "送信者: 山田商店"]
    positions = [text.index(word) for word in order]
    assert positions == sorted(positions), text
    assert "トナー" not in text  # max_count 1
    assert page.by_class["preheader"] == "山田商店からのお知らせ" and "山田商店からのお知らせ" not in text
    assert page.by_class["coupon-code"] == "SPRING10"
    assert mail.subject == "鈴木工業株式会社様へのご案内" and mail.preheader == "山田商店からのお知らせ"
    # every buyer link goes through the context's link (the signed click redirect at send time)
    clicks = [link for link in page.links if not link.startswith("mailto:")]
    assert clicks == ["https://api.yamada.example/t/c/?to=" + SHOP + "products/paper"] * 2 + [
        "https://api.yamada.example/t/c/?to=" + SHOP + "cart/tok", "https://api.yamada.example/u/TOKEN"]
    (product, pixel) = page.images
    assert (product["width"], product["alt"], product["src"]) == ("64", "コピー用紙 A4", SHOP + "paper.png")
    assert (pixel["src"], pixel["width"], pixel["height"]) == ("https://api.yamada.example/t/o/X.gif", "1", "1")
    lines = mail.text.splitlines()
    assert lines[0] == "鈴木工業株式会社様" and "一行目" in lines and "二行目" in lines
    assert "- コピー用紙 A4 (SUP-0187) × 2  ¥2,980 (小計 ¥5,960)" in lines and "合計: ¥5,960" in lines
    assert "クーポン: SPRING10" in lines and "カートへ: https://api.yamada.example/t/c/?to=" + SHOP + "cart/tok" in lines
    body, footer = mail.text.rsplit("\n--\n", 1)
    assert body.rstrip().endswith("営業時間 平日9時〜18時")
    assert footer.splitlines()[0] == "送信者: 山田商店" and footer.rstrip().endswith(
        "配信停止: https://api.yamada.example/u/TOKEN")


def test_the_legal_sender_block_is_there_even_when_the_shop_deleted_the_footer():
    for raw in (doc({"kind": "text", "text": "本文"}), doc()):
        for lang in ("ja", "en"):
            mail = render({lang: raw["ja"]}, lang, context())
            block = parse(mail.html).by_class["sender-block"]
            expected = ("送信者: 山田商店", "住所: 〒101-0021", "お問い合わせ: info@yamada.example", "配信停止はこちら") \
                if lang == "ja" else ("Sender: 山田商店", "Address: 〒101-0021", "Contact: info@yamada.example",
                                      "Unsubscribe")
            assert all(part in block for part in expected), block
            assert "https://api.yamada.example/u/TOKEN" in parse(mail.html).links
            assert mail.text.rsplit("\n--\n", 1)[1].count("\n") == 4  # four lines: who, where, whom to ask, stop


@pytest.mark.parametrize("evil", EVIL)
def test_values_and_the_shops_words_are_escaped_in_html_and_kept_as_written_in_text(evil):
    raw = doc({"kind": "heading", "text": "{company}"}, {"kind": "text", "text": "{name}様 " + evil},
              {"kind": "products"}, {"kind": "button", "label": "{company}", "target": "shop"}, subject="{company}")
    ctx = context(company=evil, name=evil, items=[item(name=evil, url=SHOP + 'p?a=1&b="2"')])
    mail = render(raw, "ja", ctx)
    page = parse(mail.html)
    assert page.unclosed == [] and "script" not in page.tags and page.tags.count("img") == 2  # product + pixel
    assert page.text.count(evil) >= 4  # heading, text (value and literal), product name, button
    assert page.images[0]["alt"] == evil
    assert "https://api.yamada.example/t/c/?to=" + SHOP + 'p?a=1&b="2"' in page.links
    assert mail.subject == " ".join(evil.split()) and evil in mail.text


def test_a_value_with_a_line_break_stays_out_of_the_subject_header():
    mail = render(doc(subject="{company}様"), "ja", context(company="鈴木工業\r\nBcc: victim@evil.example"))
    assert "\n" not in mail.subject and "\r" not in mail.subject and mail.subject.startswith("鈴木工業 Bcc")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_missing_value_takes_the_fallback_else_the_fields_default_never_the_token(lang):
    fields = list(FIELDS)
    text = " / ".join("{" + key + "}" for key in fields)
    raw = doc({"kind": "text", "text": text}, {"kind": "text", "text": "{name|お得意様}・{company|  }・{email|}"},
              subject="{name|お客} {coupon}", lang=lang)
    mail = render(raw, lang, context())
    expected = " / ".join(FIELDS[key].default[lang] for key in fields)
    assert mail.text.splitlines()[0] == expected
    assert mail.text.splitlines()[2] == "お得意様・・"  # a blank fallback: the shop asked for nothing
    assert mail.subject == f"お客 {FIELDS['coupon'].default[lang]}"
    assert "{" not in mail.text + mail.html + mail.subject
    present = render(raw, lang, context(name="佐藤", company="佐藤商事", email="sato@example.jp"))
    assert present.text.splitlines()[2] == "佐藤・佐藤商事・sato@example.jp"


def test_values_by_language_and_lazy_values():
    asked = []
    ctx = context(name={"ja": "鈴木工業 鈴木 一郎", "en": "Ichiro"},
                  last_order_date=lambda lang: asked.append(lang) or ("2025年4月18日" if lang == "ja" else ""))
    raw = {"ja": {"subject": "{name}様", "blocks": []},
           "en": {"subject": "{name}", "blocks": [{"kind": "text", "text": "Since {last_order_date}"}]}}
    assert render(raw, "ja", ctx).subject == "鈴木工業 鈴木 一郎様" and asked == []  # not shown: not looked up
    mail = render(raw, "en", ctx)
    assert mail.subject == "Ichiro" and mail.text.startswith("Since your last visit") and asked == ["en"]


def test_a_language_the_document_lacks_falls_back_to_the_other():
    mail = render(doc({"kind": "text", "text": "本文"}), "en", context())
    assert mail.language == "ja" and "送信者: 山田商店" in mail.text


def test_blocks_with_nothing_to_show_are_left_out():
    raw = doc({"kind": "products"}, {"kind": "coupon", "code": "{coupon}", "label": "クーポン"},
              {"kind": "coupon", "code": "{coupon|WELCOME}", "label": "初回"}, {"kind": "text", "text": "本文"})
    mail = render(raw, "ja", context())
    page = parse(mail.html)
    assert "クーポン" not in page.text and page.by_class["coupon-code"] == "WELCOME"
    assert mail.text.split("\n\n")[:2] == ["初回: WELCOME", "本文"]
    assert page.tags.count("img") == 1  # the open pixel only: no product table


def test_button_targets_resolve_to_the_context_or_the_url_given():
    targets = {"checkout": SHOP + "cart/tok", "shop": SHOP, "first_product": SHOP + "products/paper",
               "https://other.example/x?y=1": "https://other.example/x?y=1"}
    for target, url in targets.items():
        raw = doc({"kind": "button", "label": "Go", "target": target})
        page = parse(render(raw, "ja", context(items=[item()])).html)
        assert page.links[0] == "https://api.yamada.example/t/c/?to=" + url


def test_the_html_is_a_table_layout_with_inline_styles_that_fits_a_phone():
    mail = render(doc({"kind": "products"}, {"kind": "text", "text": "x" * 300}), "ja", context(items=[item()]))
    assert "<style" not in mail.html and 'class="' in mail.html
    assert re.search(r"max-width: 600px; width: 100%", mail.html) and 'name="viewport"' in mail.html
    assert "word-break: break-word" in mail.html
