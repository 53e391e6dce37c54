"""The ready scenarios' mail steps as content documents: each step's copy from the catalogue laid
out as text, the trigger's products, an optional coupon, the button and the footer.

`template_content` is what a flow built from a ready scenario starts with; `scenario_document`
is what today's scenarios send, the shop's `copy` override (subject/intro/cta) mapped on top.
"""

from __future__ import annotations

from ..catalog import LANGUAGES, SCENARIOS
from .document import Button, Coupon, Document, Footer, LanguageContent, Products, Text, to_json

BUTTON_TARGET = {"abandoned_checkout": "checkout", "browse_abandonment": "first_product",
                 "cross_sell": "first_product"}  # the others: the shop


def document_from_copy(copies: dict[str, dict[str, str]], target: str) -> Document:
    """{"ja": {subject, preheader, intro, cta[, coupon_label]}, …} → a document."""
    languages = {}
    for lang in LANGUAGES:
        copy = copies.get(lang)
        if not copy:
            continue
        blocks = [Text(copy.get("intro", "")), Products()]
        if copy.get("coupon_label"):
            blocks.append(Coupon("{coupon}", copy["coupon_label"]))  # shown only when the enrollment has one
        blocks += [Button(copy.get("cta", ""), target), Footer()]
        languages[lang] = LanguageContent(copy.get("subject", ""), copy.get("preheader", ""), tuple(blocks))
    return Document(languages)


def _step_copies(scenario_key: str, step: int, override: dict | None = None) -> dict[str, dict[str, str]]:
    scenario = SCENARIOS[scenario_key]
    copies = scenario.step_copy(step)
    override = override or {}
    return {lang: {**copies.get(lang, {}), **(override.get(lang) or {})} for lang in LANGUAGES if lang in copies}


def scenario_document(scenario_key: str, step: int, override: dict | None = None) -> Document:
    """The document a ready scenario's mail step sends; `override` is params.copy."""
    return document_from_copy(_step_copies(scenario_key, step, override), BUTTON_TARGET.get(scenario_key, "shop"))


def template_content(scenario_key: str, step_index: int) -> dict:
    """The JSON document of a ready scenario's mail step (KeyError for an unknown scenario,
    ValueError for one that mails no buyer)."""
    if not SCENARIOS[scenario_key].mails_buyer:
        raise ValueError(f"{scenario_key} sends no buyer mail")
    return to_json(scenario_document(scenario_key, step_index))
