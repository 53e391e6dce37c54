import pytest

from saleor_ltv_plugin.ingest.account_keys import normalise_company_name, resolve_account_key

SAME_COMPANY = [
    "株式会社山田製作所",
    "(株)山田製作所",
    "㈱山田製作所",
    "（株）山田製作所",
    "山田製作所 株式会社",
    "山田製作所　株式会社",
    " 山田製作所 ",
]


@pytest.mark.parametrize("written", SAME_COMPANY)
def test_japanese_legal_forms_and_widths_collapse(written):
    assert normalise_company_name(written) == "山田製作所"


@pytest.mark.parametrize(
    "written",
    ["Yamada Works Co., Ltd.", "YAMADA WORKS CO.,LTD", "yamada works co ltd", "Yamada Works Inc.",
     "Ｙａｍａｄａ　Ｗｏｒｋｓ", "Yamada-Works", "The Yamada Works Corporation", "Yamada Works K.K."],
)
def test_english_forms_case_and_full_width_collapse(written):
    assert normalise_company_name(written) == "yamadaworks"


def test_half_width_katakana_equals_full_width():
    assert normalise_company_name("ﾔﾏﾀﾞ商事") == normalise_company_name("ヤマダ商事")


def test_different_companies_stay_apart():
    assert normalise_company_name("山田製作所") != normalise_company_name("山田商事")
    assert normalise_company_name("ABC Trading") != normalise_company_name("ABD Trading")


def test_a_name_that_is_only_a_legal_form_is_no_company():
    assert normalise_company_name("株式会社") == ""
    assert normalise_company_name("") == ""
    assert normalise_company_name(None) == ""


def test_company_rule_falls_back_to_user_then_email():
    assert resolve_account_key("company", company_name="㈱ABC", metadata_value=None,
                               user_id="7", email="a@b.jp").key == "abc"
    by_user = resolve_account_key("company", company_name="", metadata_value=None, user_id="7", email="A@B.jp")
    assert (by_user.kind, by_user.key) == ("user", "7")
    guest = resolve_account_key("company", company_name="", metadata_value=None, user_id=None, email=" A@B.jp ")
    assert (guest.kind, guest.key) == ("email", "a@b.jp")
    assert resolve_account_key("company", company_name="", metadata_value=None, user_id=None, email="") is None


def test_metadata_and_user_rules():
    meta = resolve_account_key("metadata", company_name="X", metadata_value="ACME-01", user_id="7", email="")
    assert (meta.kind, meta.key) == ("metadata", "acme-01")
    user = resolve_account_key("user", company_name="㈱ABC", metadata_value="x", user_id="7", email="")
    assert (user.kind, user.key) == ("user", "7")
