"""The ready scenarios as content: every mail step valid, each step its own copy, the override kept."""

from __future__ import annotations

import re

import pytest

from saleor_ltv_plugin.automation.catalog import SCENARIOS
from saleor_ltv_plugin.automation.content import scenario_document, template_content, to_json, validate
from saleor_ltv_plugin.automation.content.merge import FIELDS, labels

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
BUYER_MAIL = [key for key, s in SCENARIOS.items() if s.mails_buyer]
STEPS = [(key, step) for key in BUYER_MAIL for step in range(len(SCENARIOS[key].params["delays_hours"].default))]


@pytest.mark.parametrize("key, step", STEPS)
def test_every_ready_mail_step_is_a_valid_document_in_both_languages(key, step):
    raw = template_content(key, step)
    assert validate(raw) == [] and set(raw) == {"ja", "en"}
    for lang, part in raw.items():
        kinds = [b["kind"] for b in part["blocks"]]
        assert kinds[0] == "text" and "products" in kinds and "button" in kinds and kinds[-1] == "footer"
        words = part["subject"] + part["preheader"] + part["blocks"][0]["text"]
        assert bool(JAPANESE.search(words)) == (lang == "ja"), (key, step, lang, words)


def test_each_step_of_a_multi_step_scenario_has_its_own_copy_and_the_last_makes_the_offer():
    multi = [key for key in BUYER_MAIL if len(SCENARIOS[key].params["delays_hours"].default) > 1]
    assert set(multi) == {"abandoned_checkout", "registered_no_purchase", "churn_risk", "winback",
                          "shipping_followup"}
    for key in multi:
        steps = len(SCENARIOS[key].params["delays_hours"].default)
        docs = [template_content(key, step) for step in range(steps)]
        for lang in ("ja", "en"):
            subjects = [d[lang]["subject"] for d in docs]
            texts = [d[lang]["blocks"][0]["text"] for d in docs]
            assert len(set(subjects)) == steps and len(set(texts)) == steps, (key, lang, subjects)
            coupons = [any(b["kind"] == "coupon" for b in d[lang]["blocks"]) for d in docs]
            assert coupons == [False] * (steps - 1) + [True], (key, lang)
    churn_ja = [template_content("churn_risk", step)["ja"]["blocks"][0]["text"] for step in range(3)]
    assert all("様" in text for text in churn_ja) and "お世話になっております" in churn_ja[1]


def test_steps_beyond_the_written_copy_repeat_the_last_step():
    assert template_content("churn_risk", 4) == template_content("churn_risk", 2)
    assert template_content("reorder_reminder", 3) == template_content("reorder_reminder", 0)


def test_a_scenario_without_buyer_mail_or_an_unknown_one_has_no_template():
    with pytest.raises(ValueError):
        template_content("high_intent", 0)
    with pytest.raises(KeyError):
        template_content("birthday_mail", 0)


def test_the_shops_copy_override_lands_on_subject_text_and_button_of_every_step():
    override = {"ja": {"subject": "ご無沙汰しております", "cta": "注文する"}, "en": {"intro": "{name}, hello again."}}
    for step in range(3):
        doc = to_json(scenario_document("churn_risk", step, override))
        plain = template_content("churn_risk", step)
        assert doc["ja"]["subject"] == "ご無沙汰しております"
        assert [b["label"] for b in doc["ja"]["blocks"] if b["kind"] == "button"] == ["注文する"]
        assert doc["ja"]["blocks"][0] == plain["ja"]["blocks"][0]  # the intro was not overridden
        assert doc["en"]["blocks"][0]["text"] == "{name}, hello again." and doc["en"]["subject"] == plain["en"]["subject"]


def test_merge_fields_have_labels_and_defaults_in_japanese_and_english():
    assert {"company", "name", "first_name", "last_name", "department", "email", "last_order_date", "shop_name",
            "coupon", "cart_total"} <= set(FIELDS)
    ja, en = labels("ja"), labels("en")
    assert set(ja) == set(en) == set(FIELDS) and labels("fr") == en
    for key, field in FIELDS.items():
        assert set(field.label) == set(field.default) == {"ja", "en"}
        assert JAPANESE.search(field.label["ja"]) and JAPANESE.search(field.default["ja"]), key
        assert field.label["en"].isascii() and field.default["en"].isascii() and field.default["en"].strip(), key
        assert "{" not in field.default["ja"] + field.default["en"]


def test_the_copy_override_is_refused_with_an_unknown_merge_field_named():
    from saleor_ltv_plugin.automation.settings import validate_params

    clean, errors = validate_params(SCENARIOS["churn_risk"], {"copy": {"ja": {"intro": "{compnay}様\nこんにちは"}}})
    assert clean == {} and errors["params.copy"].startswith("ja: unknown merge field {compnay} in copy.ja.intro")
    clean, errors = validate_params(SCENARIOS["churn_risk"], {"copy": {"ja": {"intro": "{name|ご担当者}様\n二行目"}}})
    assert errors == {} and clean["copy"]["ja"]["intro"].startswith("{name|")
