"""What may go into a mail header: one bare e-mail address, one line of text.

Checked where values come in (REST/CSV ingest, settings, scenario copy) so a bad value
is refused with its field named, and again at send time for rows stored before.
Messages carry English and Japanese: they reach the Dashboard and API clients as they are.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_ADDRESS = 254  # RFC 5321 §4.5.3.1.3 (path) less the angle brackets
MAX_LOCAL_PART = 64
_NOT_IN_BARE_ADDRESS = set(' \t<>,;:"()[]\\')


def _line_break_or_control(value: str) -> bool:
    # Cc: CR, LF, NUL …; Zl/Zp: U+2028/U+2029, which some header parsers also end a line on.
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value)


def header_problem(value: str) -> str | None:
    """None when the text can be one header line; else the reason."""
    if _line_break_or_control(value):
        return "must be one line: no line breaks or control characters (改行や制御文字は使えません)"
    return None


def address_problem(value: str) -> str | None:
    """None for one bare deliverable address (user@example.com); else the reason.

    Display names, lists and quoted local parts are refused: the value is an address,
    and anything else in it is how a header gets injected."""
    if not isinstance(value, str) or not value:
        return "must be an e-mail address (メールアドレスを入力してください)"
    if len(value) > MAX_ADDRESS:
        return f"must be at most {MAX_ADDRESS} characters ({MAX_ADDRESS}文字以内にしてください)"
    if _line_break_or_control(value):
        return "must not contain line breaks or control characters (改行や制御文字は使えません)"
    if any(c in _NOT_IN_BARE_ADDRESS for c in value) or any(c.isspace() for c in value):
        return ("must be a bare address, without a name, spaces, quotes or a list "
                "(名前・空白・引用符・複数アドレスを含まない、アドレスのみを入力してください)")
    if value.count("@") != 1:
        return "must contain exactly one @ (@ を1つだけ含めてください)"
    local, _ = value.split("@")
    if not local.isascii():
        return ("the part before @ must be ASCII: mail servers without SMTPUTF8 refuse it "
                "(@ より前は半角英数字と記号のみ使えます)")
    if len(local) > MAX_LOCAL_PART:
        return f"the part before @ must be at most {MAX_LOCAL_PART} characters (@ より前は{MAX_LOCAL_PART}文字以内です)"
    try:
        validate_email(value)
    except ValidationError:
        return "is not a valid e-mail address (メールアドレスの形式が正しくありません)"
    return None
