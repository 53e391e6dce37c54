"""Phone numbers, postal codes, LINE ids and birthdays into one form; Japanese inputs checked against
Google's libphonenumber (the `phonenumbers` package Saleor validates its PhoneNumberField with)."""

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from saleor_ltv_plugin.contact_data import (
    ContactDataError,
    normalise_line_user_id,
    normalise_phone,
    normalise_postal_code,
    parse_birthday,
)

SALEOR_PYTHON = Path("/opt/saleor-venv/bin/python")
JAPANESE_FORMS = [
    "03-1234-5678", "(03)1234-5678", "03 1234 5678", "０３－１２３４－５６７８", "０９０－１２３４－５６７８",
    "090ー1234ー5678", "080-1234-5678", "070 1234 5678", "050-1234-5678", "0120-123-456", "0570-123-456",
    "0800-123-4567", "06-6123-4567", "011-222-3333", "0467-12-3456", "+81 3-1234-5678", "+81 (0)3-1234-5678",
    "+819012345678", "＋８１９０１２３４５６７８", "+1 650-253-0000", "+44 20 7946 0958",
]


def libphonenumber(numbers: list[str]) -> list[str]:
    """E.164 per libphonenumber, run in Saleor's environment (it is not a dependency of ours)."""
    script = ("import json, sys, phonenumbers as p\n"
              "print(json.dumps([p.format_number(p.parse(n, 'JP'), p.PhoneNumberFormat.E164) "
              "for n in json.loads(sys.argv[1])]))")
    out = subprocess.run([str(SALEOR_PYTHON), "-c", script, json.dumps(numbers)], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


@pytest.mark.skipif(not SALEOR_PYTHON.exists(), reason="Saleor's environment (with phonenumbers) is not installed")
def test_japanese_forms_agree_with_libphonenumber():
    assert [normalise_phone(n) for n in JAPANESE_FORMS] == libphonenumber(JAPANESE_FORMS)


@pytest.mark.parametrize("value", ["03-1234-567", "090-1234-567", "090-1234-56789", "1234-5678", "03-1234-5678 内線2",
                                   "+81 0 3 1234 5678", "+1 23", "tel:0312345678"])
def test_what_is_not_a_phone_number_is_refused_with_the_reason_in_both_languages(value):
    with pytest.raises(ContactDataError) as caught:
        normalise_phone(value)
    message = str(caught.value)
    assert any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in message), message


def test_empty_stays_empty():
    assert normalise_phone("") == normalise_phone("  ") == normalise_postal_code("") == normalise_line_user_id("") == ""
    assert parse_birthday("") is None and parse_birthday(None) is None


@pytest.mark.parametrize("value", ["1000001", "100-0001", "〒100-0001", "〒 １００－０００１", "100ー0001"])
def test_japanese_postal_codes(value):
    assert normalise_postal_code(value) == "100-0001"


def test_postal_codes_elsewhere_and_bad_ones():
    assert normalise_postal_code(" sw1a 1aa ", "GB") == "SW1A 1AA"
    assert normalise_postal_code("94043", "US") == "94043"
    for bad in ("100-001", "1000-0001", "ABC-DEFG"):
        with pytest.raises(ContactDataError, match="7桁"):
            normalise_postal_code(bad)


def test_line_user_ids():
    good = "U" + "0123456789abcdef" * 2
    assert normalise_line_user_id(f" {good} ") == good
    for bad in (good.upper(), good[:-1], "C" + good[1:], "line:" + good):
        with pytest.raises(ContactDataError):
            normalise_line_user_id(bad)


def test_birthdays():
    today = date(2026, 12, 2)
    assert parse_birthday("1980-04-01", today) == parse_birthday("1980/4/1", today) == date(1980, 4, 1)
    assert parse_birthday("１９８０／０４／０１", today) == date(1980, 4, 1)
    for bad in ("2027-01-01", "1899-12-31", "1980-02-30", "四月一日"):
        with pytest.raises(ContactDataError):
            parse_birthday(bad, today)
