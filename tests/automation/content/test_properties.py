"""Whatever the validator accepts renders, in both languages, with every value missing or present,
and never shows a raw {token} (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from saleor_ltv_plugin.addresses import header_problem
from saleor_ltv_plugin.automation.content import render, validate
from saleor_ltv_plugin.automation.content.document import BLOCKS
from saleor_ltv_plugin.automation.content.merge import FIELDS

from .conftest import context, item
from .parsed import parse

KNOWN = sorted(FIELDS)
PLAIN = st.characters(blacklist_characters="{}|", blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
# Mostly what a shop writes (words, known tokens with or without a fallback, a line break in body
# text), now and then a mistake (a stray brace, an unknown field, a control character), so that
# both accepted and refused documents come up often.
words = st.text(PLAIN, max_size=12)
token = st.builds(lambda key, fallback: "{" + key + (f"|{fallback}" if fallback is not None else "") + "}",
                  st.sampled_from(KNOWN), st.none() | st.text(PLAIN, max_size=8))
mistake = st.sampled_from(["{", "}", "{compnay}", "{会社}", "{}", "\x00", "{name|a{b}"])
line = st.lists(st.one_of(words, token), min_size=1, max_size=5).map("".join)
one_line = st.one_of(line, line, line, st.tuples(line, mistake).map("".join)).filter(str.strip)
text = st.one_of(one_line, st.lists(one_line, min_size=1, max_size=3).map("\n".join),
                 st.tuples(one_line, st.just("\r\n"), one_line).map("".join))
target = st.sampled_from(["checkout", "shop", "first_product", "https://shop.example/a?b=1&c=<x>",
                          "http://shop.example/", "javascript:alert(1)", "mailto:a@b.example", "", "shop "])


def _block(kind):
    """(required fields, optional fields) of a block kind; now and then a required one is dropped."""
    required, optional = {"heading": ({"text": one_line}, {}), "text": ({"text": text}, {}),
                          "products": ({}, {"max_count": st.integers(0, 21), "show_total": st.booleans()}),
                          "button": ({"label": one_line}, {"target": target}),
                          "coupon": ({"code": one_line}, {"label": one_line}),
                          "spacer": ({}, {"height": st.integers(0, 70)}), "divider": ({}, {}),
                          "footer": ({}, {"note": text})}.get(kind, ({"x": text}, {}))
    return st.one_of(st.fixed_dictionaries({"kind": st.just(kind), **required}, optional=optional),
                     st.fixed_dictionaries({"kind": st.just(kind)}, optional={**required, **optional}))


block = st.sampled_from(list(BLOCKS) * 4 + ["video"]).flatmap(_block)
language = st.fixed_dictionaries({"subject": one_line}, optional={"preheader": one_line,
                                                                  "blocks": st.lists(block, max_size=8)})
document = st.dictionaries(st.sampled_from(["ja", "en"] * 5 + ["fr"]), language, min_size=0, max_size=2)
value = st.none() | st.text(st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=15)
values = st.fixed_dictionaries({key: value for key in KNOWN})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document, values, st.booleans())
def test_an_accepted_document_renders_without_error_or_raw_token(raw, filled, with_items):
    event("accepted" if not validate(raw) else "refused")
    if validate(raw):
        return
    ctx = context(**{k: v for k, v in filled.items() if v is not None}, items=[item()] if with_items else [])
    for lang in ("ja", "en"):
        mail = render(raw, lang, ctx)
        for part in (mail.subject, mail.preheader, mail.text, mail.html):
            assert "{" not in part and "}" not in part, part
        assert header_problem(mail.subject) is None
        page = parse(mail.html)
        assert page.unclosed == [] and "sender-block" in page.by_class
        assert "配信停止" in mail.text or "Unsubscribe" in mail.text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=4), words)
def test_a_document_of_known_fields_and_plain_words_is_accepted(keys, word):
    subject = (word + "".join("{" + k + "}" for k in keys))[:200] or "x"
    raw = {"ja": {"subject": subject if subject.strip() else "件名",
                  "blocks": [{"kind": "text", "text": word + "{" + keys[0] + "|" + word.replace("|", "") + "}"}]}}
    assert validate(raw) == []
