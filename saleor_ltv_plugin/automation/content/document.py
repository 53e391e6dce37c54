"""A mail's content: per language a subject, a preheader and a list of blocks, stored as plain JSON.

    {"ja": {"subject": "…", "preheader": "…", "blocks": [{"kind": "text", "text": "{name}様 …"}, …]},
     "en": {…}}

Either language may be absent, not both. The legal sender block (特定電子メール法) is not a block
the shop can lose: the renderer always ends the mail with it; a `footer` block only adds a note.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

LANGUAGES = ("ja", "en")
BUTTON_TARGETS = ("checkout", "shop", "first_product")  # or an http(s) URL
PRODUCT_SOURCES = ("trigger",)  # the items the trigger stored: cart lines, due SKUs, viewed products, cross-sell target


@dataclass(frozen=True)
class Heading:
    text: str
    kind: str = "heading"


@dataclass(frozen=True)
class Text:
    text: str
    kind: str = "text"


@dataclass(frozen=True)
class Products:
    source: str = "trigger"
    max_count: int = 20
    show_total: bool = True  # the cart's total under the list, where the trigger stored one
    kind: str = "products"


@dataclass(frozen=True)
class Button:
    label: str
    target: str = "shop"
    kind: str = "button"


@dataclass(frozen=True)
class Coupon:
    code: str  # literal or "{coupon}"; the block is left out when it comes out empty
    label: str = ""
    kind: str = "coupon"


@dataclass(frozen=True)
class Spacer:
    height: int = 16  # px
    kind: str = "spacer"


@dataclass(frozen=True)
class Divider:
    kind: str = "divider"


@dataclass(frozen=True)
class Footer:
    note: str = ""  # a line above the legal sender block (opening hours, a phone number …)
    kind: str = "footer"


Block = Heading | Text | Products | Button | Coupon | Spacer | Divider | Footer
BLOCKS: dict[str, type] = {cls.kind: cls for cls in (Heading, Text, Products, Button, Coupon, Spacer, Divider, Footer)}


def block_fields(kind: str) -> dict[str, object]:
    """A block kind's fields → their default (`fields.MISSING` when required), `kind` left out."""
    from dataclasses import MISSING

    return {f.name: f.default if f.default is not MISSING else MISSING
            for f in fields(BLOCKS[kind]) if f.name != "kind"}


@dataclass(frozen=True)
class LanguageContent:
    subject: str
    preheader: str = ""
    blocks: tuple = ()


@dataclass(frozen=True)
class Document:
    languages: dict[str, LanguageContent] = field(default_factory=dict)

    def for_language(self, language: str) -> tuple[str, LanguageContent]:
        """The content in `language`, else in the other one the document has."""
        if language in self.languages:
            return language, self.languages[language]
        other = next(iter(self.languages))
        return other, self.languages[other]


def to_json(doc: Document) -> dict:
    out = {}
    for lang, content in doc.languages.items():
        out[lang] = {"subject": content.subject, "preheader": content.preheader,
                     "blocks": [{"kind": b.kind, **{k: v for k, v in asdict(b).items() if k != "kind"}}
                                for b in content.blocks]}
    return out


def from_json(raw: dict) -> Document:
    """A document from its JSON; raises ContentError naming every problem (nothing half-read)."""
    from .validate import ContentError, validate

    problems = validate(raw)
    if problems:
        raise ContentError(problems)
    languages = {}
    for lang in LANGUAGES:
        if lang in raw:
            part = raw[lang]
            blocks = tuple(BLOCKS[b["kind"]](**{k: v for k, v in b.items() if k != "kind"}) for b in part.get("blocks", []))
            languages[lang] = LanguageContent(part["subject"], part.get("preheader", ""), blocks)
    return Document(languages)
