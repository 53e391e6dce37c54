"""Is a content document fit to save? Every problem with its path, an English message and a code.

Paths read like `ja.blocks[2].text`; the Dashboard words the codes in ja/en.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass
from urllib.parse import urlsplit

from ...addresses import header_problem
from . import merge
from .document import BLOCKS, BUTTON_TARGETS, LANGUAGES, PRODUCT_SOURCES, block_fields

MAX_BLOCKS = 50
MAX_URL = 2000
MAX_PRODUCTS = 20  # mail_items.MAX_ITEMS: what a trigger stores at most
LENGTHS = {"subject": 200, "preheader": 200, "heading": 200, "text": 5000, "label": 100, "code": 64, "note": 500}
ONE_LINE = {"subject", "preheader", "heading", "label", "code"}  # headers and short labels: no line breaks


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    code: str


class ContentError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


def validate(raw) -> list[Problem]:
    if not isinstance(raw, dict):
        return [Problem("", "must be an object keyed by language (ja, en)", "invalid_type")]
    problems = [Problem(lang, f"unknown language {lang!r}; use ja or en", "unknown_language")
                for lang in raw if lang not in LANGUAGES]
    present = [lang for lang in LANGUAGES if lang in raw]
    if not present and not problems:
        problems.append(Problem("", "needs content in at least one language (ja or en)", "required"))
    for lang in present:
        problems += _language(lang, raw[lang])
    return problems


def _language(lang: str, part) -> list[Problem]:
    if not isinstance(part, dict):
        return [Problem(lang, "must be an object with subject, preheader and blocks", "invalid_type")]
    problems = [Problem(f"{lang}.{key}", "unknown key; use subject, preheader and blocks", "unknown_key")
                for key in part if key not in ("subject", "preheader", "blocks")]
    problems += _text(f"{lang}.subject", "subject", part.get("subject", MISSING), required=True)
    if "preheader" in part:
        problems += _text(f"{lang}.preheader", "preheader", part["preheader"])
    blocks = part.get("blocks", [])
    if not isinstance(blocks, list):
        return problems + [Problem(f"{lang}.blocks", "must be a list of blocks", "invalid_type")]
    if len(blocks) > MAX_BLOCKS:
        problems.append(Problem(f"{lang}.blocks", f"at most {MAX_BLOCKS} blocks", "too_many"))
    footers = 0
    for i, block in enumerate(blocks):
        where = f"{lang}.blocks[{i}]"
        problems += _block(where, block)
        if isinstance(block, dict) and block.get("kind") == "footer":
            footers += 1
            if footers > 1:
                problems.append(Problem(where, "only one footer block", "duplicate"))
    return problems


def _block(where: str, block) -> list[Problem]:
    if not isinstance(block, dict):
        return [Problem(where, "must be an object with a kind", "invalid_type")]
    kind = block.get("kind")
    if kind not in BLOCKS:
        return [Problem(f"{where}.kind", f"unknown block kind {kind!r}; known: {', '.join(BLOCKS)}", "unknown_block")]
    spec = block_fields(kind)
    problems = [Problem(f"{where}.{key}", f"unknown key for a {kind} block; known: {', '.join(spec) or 'none'}",
                        "unknown_key") for key in block if key != "kind" and key not in spec]
    for name, default in spec.items():
        value = block.get(name, MISSING)
        path = f"{where}.{name}"
        if name in LENGTHS:
            problems += _text(path, "heading" if kind == "heading" else name, value, required=default is MISSING)
        elif value is MISSING:
            continue
        elif name == "target":
            problems += _target(path, value)
        elif name == "source" and value not in PRODUCT_SOURCES:
            problems.append(Problem(path, f"unknown source {value!r}; known: {', '.join(PRODUCT_SOURCES)}",
                                    "invalid_choice"))
        elif name == "max_count":
            problems += _integer(path, value, 1, MAX_PRODUCTS)
        elif name == "height":
            problems += _integer(path, value, 4, 64)
        elif name == "show_total" and not isinstance(value, bool):
            problems.append(Problem(path, "must be true or false", "invalid_type"))
    return problems


def text_problems(path: str, text: str) -> list[Problem]:
    """Unknown merge fields, stray braces and over-long fallbacks in one text."""
    problems = []
    unknown = merge.unknown_fields(text)
    if unknown:
        problems.append(Problem(path, f"unknown merge field {unknown[0]} in {path}; known: "
                                + ", ".join("{" + key + "}" for key in merge.FIELDS), "unknown_merge_field"))
    if merge.stray_braces(text):
        problems.append(Problem(path, "a brace outside a merge field; write merge fields as {name} or "
                                "{name|fallback text}", "stray_brace"))
    for token in merge.long_fallbacks(text):
        problems.append(Problem(path, f"the fallback in {token[:30]}… must be at most {merge.MAX_FALLBACK} characters",
                                "too_long"))
    return problems


def _text(path: str, name: str, value, required: bool = False) -> list[Problem]:
    if value is MISSING or value is None:
        return [Problem(path, "is required", "required")] if required else []
    if not isinstance(value, str):
        return [Problem(path, "must be text", "invalid_type")]
    if required and not value.strip():
        return [Problem(path, "must not be empty", "required")]
    problems = []
    if len(value) > LENGTHS[name]:
        problems.append(Problem(path, f"must be at most {LENGTHS[name]} characters", "too_long"))
    if name in ONE_LINE:
        problem = header_problem(value)
        if problem:
            problems.append(Problem(path, problem, "line_break"))
    elif "\x00" in value:
        problems.append(Problem(path, "must not contain NUL characters", "control_character"))
    problems += text_problems(path, value)
    return problems


def _target(path: str, value) -> list[Problem]:
    if not isinstance(value, str):
        return [Problem(path, "must be checkout, shop, first_product or a URL", "invalid_type")]
    if value in BUTTON_TARGETS:
        return []
    if len(value) > MAX_URL:
        return [Problem(path, f"must be at most {MAX_URL} characters", "too_long")]
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or header_problem(value) or " " in value:
        return [Problem(path, f"must be {', '.join(BUTTON_TARGETS)} or an http(s) URL; got {value[:60]!r}",
                        "bad_url")]
    return []


def _integer(path: str, value, low: int, high: int) -> list[Problem]:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        return [Problem(path, f"must be a whole number from {low} to {high}", "out_of_range")]
    return []
