"""Validation names every problem by its path and code, and refuses nothing a mail can carry."""

from __future__ import annotations

import pytest

from saleor_ltv_plugin.automation.content import ContentError, from_json, to_json, validate
from saleor_ltv_plugin.automation.content.merge import FIELDS


def doc(*blocks, subject="{company}様 ご注文のご案内", lang="ja", **extra):
    return {lang: {"subject": subject, "blocks": list(blocks), **extra}}


TEXT = {"kind": "text", "text": "{name}様\nいつもお世話になっております。"}


def problems(raw):
    return [(p.path, p.code) for p in validate(raw)]


def test_a_document_with_every_block_kind_is_accepted_and_round_trips():
    raw = {"ja": {"subject": "{company}様へ", "preheader": "{shop_name}より", "blocks": [
        {"kind": "heading", "text": "{name|お客}様"}, TEXT,
        {"kind": "products", "source": "trigger", "max_count": 3, "show_total": False},
        {"kind": "coupon", "code": "{coupon}", "label": "クーポン"}, {"kind": "spacer", "height": 24},
        {"kind": "divider"}, {"kind": "button", "label": "注文する", "target": "https://shop.example/a?b=1"},
        {"kind": "footer", "note": "営業時間 9:00〜18:00"}]},
        "en": {"subject": "Hello", "preheader": "", "blocks": [{"kind": "button", "label": "Go", "target": "checkout"}]}}
    assert validate(raw) == []
    assert to_json(from_json(raw)) == {
        **raw, "en": {**raw["en"], "blocks": [{"kind": "button", "label": "Go", "target": "checkout"}]}}


@pytest.mark.parametrize("raw, expected", [
    ("not a document", [("", "invalid_type")]),
    ({}, [("", "required")]),
    ({"fr": {"subject": "x"}}, [("fr", "unknown_language")]),
    ({"ja": {"blocks": []}}, [("ja.subject", "required")]),
    ({"ja": {"subject": "   "}}, [("ja.subject", "required")]),
    (doc(subject="件名\r\nBcc: x@evil.example"), [("ja.subject", "line_break")]),
    (doc(subject="件" * 201), [("ja.subject", "too_long")]),
    (doc(preheader="一行目\n二行目"), [("ja.preheader", "line_break")]),
    ({"ja": {"subject": "x", "body": "?"}}, [("ja.body", "unknown_key")]),
    ({"ja": {"subject": "x", "blocks": "text"}}, [("ja.blocks", "invalid_type")]),
    (doc(TEXT, {"kind": "video", "url": "https://x.example"}), [("ja.blocks[1].kind", "unknown_block")]),
    (doc(TEXT, {"kind": "text", "text": "{compnay}様"}), [("ja.blocks[1].text", "unknown_merge_field")]),
    (doc(TEXT, {"kind": "text", "text": "{会社名}様"}), [("ja.blocks[1].text", "unknown_merge_field")]),
    (doc(TEXT, {"kind": "text", "text": "a { b"}), [("ja.blocks[1].text", "stray_brace")]),
    (doc(TEXT, {"kind": "text", "text": "{{name}}"}), [("ja.blocks[1].text", "stray_brace")]),
    (doc(TEXT, {"kind": "text", "text": "{name|" + "あ" * 101 + "}"}), [("ja.blocks[1].text", "too_long")]),
    (doc({"kind": "text", "text": ""}), [("ja.blocks[0].text", "required")]),
    (doc({"kind": "text"}), [("ja.blocks[0].text", "required")]),
    (doc({"kind": "text", "text": 5}), [("ja.blocks[0].text", "invalid_type")]),
    (doc({"kind": "text", "text": "x" * 5001}), [("ja.blocks[0].text", "too_long")]),
    (doc({"kind": "heading", "text": "見出し\n二行"}), [("ja.blocks[0].text", "line_break")]),
    (doc({"kind": "button", "label": "開く", "target": "javascript:alert(1)"}), [("ja.blocks[0].target", "bad_url")]),
    (doc({"kind": "button", "label": "開く", "target": "ftp://files.example/a"}), [("ja.blocks[0].target", "bad_url")]),
    (doc({"kind": "button", "label": "開く", "target": "https://"}), [("ja.blocks[0].target", "bad_url")]),
    (doc({"kind": "button", "label": "開く", "target": "https://a.example/\r\nx"}), [("ja.blocks[0].target", "bad_url")]),
    (doc({"kind": "button", "label": "開く", "target": 3}), [("ja.blocks[0].target", "invalid_type")]),
    (doc({"kind": "button", "target": "shop"}), [("ja.blocks[0].label", "required")]),
    (doc({"kind": "products", "max_count": 0}), [("ja.blocks[0].max_count", "out_of_range")]),
    (doc({"kind": "products", "max_count": 21}), [("ja.blocks[0].max_count", "out_of_range")]),
    (doc({"kind": "products", "max_count": True}), [("ja.blocks[0].max_count", "out_of_range")]),
    (doc({"kind": "products", "source": "bestsellers"}), [("ja.blocks[0].source", "invalid_choice")]),
    (doc({"kind": "products", "show_total": "yes"}), [("ja.blocks[0].show_total", "invalid_type")]),
    (doc({"kind": "spacer", "height": 500}), [("ja.blocks[0].height", "out_of_range")]),
    (doc({"kind": "divider", "style": "dotted"}), [("ja.blocks[0].style", "unknown_key")]),
    (doc({"kind": "coupon", "label": "x"}), [("ja.blocks[0].code", "required")]),
    (doc({"kind": "footer"}, {"kind": "footer"}), [("ja.blocks[1]", "duplicate")]),
    (doc(*[TEXT] * 51), [("ja.blocks", "too_many")]),
    (doc("text"), [("ja.blocks[0]", "invalid_type")]),
])
def test_each_problem_is_named_by_its_path_and_code(raw, expected):
    assert problems(raw) == expected


def test_problems_in_both_languages_are_all_reported():
    raw = {"ja": {"subject": "a\nb"}, "en": {"subject": "ok", "blocks": [{"kind": "text", "text": "{nme}"}]},
           "de": {"subject": "x"}}
    assert sorted(problems(raw)) == [("de", "unknown_language"), ("en.blocks[0].text", "unknown_merge_field"),
                                     ("ja.subject", "line_break")]


def test_an_unknown_merge_field_is_named_with_the_known_ones():
    (problem,) = validate(doc(TEXT, {"kind": "text", "text": "{compnay}様"}))
    known = ", ".join("{" + key + "}" for key in FIELDS)
    assert problem.message == f"unknown merge field {{compnay}} in ja.blocks[1].text; known: {known}"
    assert {"{company}", "{name}", "{last_order_date}", "{cart_total}"} <= set(known.split(", "))


def test_only_one_language_is_enough_and_either_will_do():
    assert validate(doc(TEXT, lang="en", subject="Hello")) == [] and validate(doc(TEXT)) == []


def test_from_json_refuses_an_invalid_document_whole():
    with pytest.raises(ContentError) as error:
        from_json(doc({"kind": "text", "text": "{x}"}, {"kind": "nope"}))
    assert [p.path for p in error.value.problems] == ["ja.blocks[0].text", "ja.blocks[1].kind"]
    assert "ja.blocks[0].text" in str(error.value)
