"""A send step's content as the flow API checks and previews it: the one seam to the content module.

A step's content is a reference to a ready scenario's copy, ``{"template": key, "step": i}``, or
an inline document ``{"ja": {"subject", "preheader", "blocks": [...]}, "en": {...}}``.
automation/content/ (branch `content`) validates and renders inline documents; until it is
merged, the three names here stand in for it — ``content_problems``, ``render_preview`` and
``MERGE_FIELDS`` — and the lead points them at content.validate / content.preview at merge.
Template references render through today's render.py (the mail a ready scenario sends).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from types import SimpleNamespace

from ... import conf
from ...addresses import header_problem
from ...models import Account, AccountContact, Contact, Enrollment, OutboxMessage
from .. import render
from .. import settings as scenario_settings
from ..catalog import LANGUAGES, SCENARIOS
from .definition import Problem

# Stand-in for content.MERGE_FIELDS: token → {"ja", "en"} label.
MERGE_FIELDS = {
    "company": {"ja": "会社名", "en": "Company"},
    "name": {"ja": "宛名（会社名＋氏名）", "en": "Name"},
    "first_name": {"ja": "名", "en": "First name"},
    "last_name": {"ja": "姓", "en": "Last name"},
    "last_order_date": {"ja": "最終注文日", "en": "Last order date"},
    "shop_name": {"ja": "ショップ名", "en": "Shop name"},
    "coupon": {"ja": "クーポンコード", "en": "Coupon code"},
}
TOKEN = re.compile(r"\{([^{}]*)\}")
TEXT_LIMIT = 5000


class PreviewError(LookupError):
    """The preview cannot be filled: `field` names the argument at fault."""

    def __init__(self, field: str, message: str, code: str = "not_found"):
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


@dataclass(frozen=True)
class Preview:
    language: str
    subject: str
    preheader: str
    html: str
    text: str
    account_id: int | None = None


def _template_problems(content: dict, path: str) -> list[Problem]:
    key, step = content.get("template"), content.get("step")
    scenario = SCENARIOS.get(key) if isinstance(key, str) else None
    if scenario is None or not scenario.mails_buyer:
        return [Problem(f"{path}.template", f"unknown ready mail {key!r}", "unknown")]
    count = len(scenario.params["delays_hours"].default)
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step < count:
        return [Problem(f"{path}.step", f"must be a mail number from 0 to {max(count - 1, 0)}", "out_of_range")]
    return [Problem(f"{path}.{k}", f"unknown field {k!r}", "unknown") for k in content if k not in ("template", "step")]


def _text_problems(value, path: str, required: bool, one_line: bool) -> list[Problem]:
    if value is None or value == "":
        return [Problem(path, "is required", "required")] if required else []
    if not isinstance(value, str) or len(value) > TEXT_LIMIT or "\x00" in value:
        return [Problem(path, f"must be a text of at most {TEXT_LIMIT} characters", "invalid")]
    problems = [Problem(path, f"unknown merge field {m.group(0)}; use one of "
                        + ", ".join("{" + k + "}" for k in MERGE_FIELDS), "unknown_merge_field")
                for m in TOKEN.finditer(value) if m.group(1).partition("|")[0].strip() not in MERGE_FIELDS]
    if one_line and header_problem(value):
        problems.append(Problem(path, header_problem(value), "invalid"))
    return problems


def content_problems(content, path: str) -> list[Problem]:
    """Stand-in for content.validate (paths under `path`)."""
    if not isinstance(content, dict):
        return [Problem(path, "must be an object", "invalid")]
    if "template" in content:
        return _template_problems(content, path)
    problems = [Problem(f"{path}.{k}", f"unknown language {k!r}; use ja or en", "unknown")
                for k in content if k not in LANGUAGES]
    present = [lang for lang in LANGUAGES if lang in content]
    if not present:
        problems.append(Problem(path, "needs content in ja or en", "required"))
    for lang in present:
        part, where = content[lang], f"{path}.{lang}"
        if not isinstance(part, dict):
            problems.append(Problem(where, "must be an object with subject, preheader and blocks", "invalid"))
            continue
        problems += _text_problems(part.get("subject"), f"{where}.subject", True, True)
        problems += _text_problems(part.get("preheader"), f"{where}.preheader", False, True)
        blocks = part.get("blocks", [])
        if not isinstance(blocks, list):
            problems.append(Problem(f"{where}.blocks", "must be a list of blocks", "invalid"))
            continue
        for i, block in enumerate(blocks):
            if not isinstance(block, dict) or not isinstance(block.get("kind"), str):
                problems.append(Problem(f"{where}.blocks[{i}]", "must be an object with a kind", "invalid"))
                continue
            for name in ("text", "label", "code"):
                problems += _text_problems(block.get(name), f"{where}.blocks[{i}].{name}", False, False)
    return problems


def default_account(channel: str) -> int | None:
    """The account a preview is filled from when none is asked for: the latest buyer with an e-mail."""
    return (AccountContact.objects.filter(account__channel=channel, account__erased=False)
            .exclude(contact__email="").order_by("-last_seen_at", "-id").values_list("account_id", flat=True).first())


def _buyer(channel: str, account_id: int) -> tuple[Account, Contact]:
    account = Account.objects.filter(pk=account_id, channel=channel, erased=False).first()
    if account is None:
        raise PreviewError("accountId", f"no account {account_id} in channel {channel}")
    link = (AccountContact.objects.filter(account=account).exclude(contact__email="").select_related("contact")
            .order_by("-last_seen_at", "-id").first())
    return account, (link.contact if link else Contact(email=""))


def _inline(content: dict, lang: str) -> tuple[str, str, str, str]:
    """Stand-in layout for an inline document: subject, preheader, html, text (no merge filling)."""
    part = content.get(lang) or next(content[k] for k in LANGUAGES if k in content)
    texts = [str(b.get("text") or b.get("label") or b.get("code") or "") for b in part.get("blocks", [])
             if isinstance(b, dict)]
    texts = [t for t in texts if t.strip()]
    body = "".join(f"<p>{html.escape(t)}</p>" for t in texts)
    return (part.get("subject", ""), part.get("preheader", ""), f"<html><body>{body}</body></html>",
            "\n\n".join(texts) + "\n")


def render_preview(content: dict, language: str, account_id: int | None, channel: str) -> Preview:
    """The step's mail as `account_id`'s buyer would get it (nothing is stored or sent)."""
    if account_id is None:
        account_id = default_account(channel)
        if account_id is None:
            raise PreviewError("accountId", "the channel has no account with a buyer to preview for", "required")
    account, contact = _buyer(channel, account_id)
    if "template" not in content:
        lang = language if language in content else next(k for k in LANGUAGES if k in content)
        subject, preheader, body_html, text = _inline(content, lang)
        return Preview(lang, subject, preheader, body_html, text, account.pk)
    config = scenario_settings.load(channel)[content["template"]]
    contact.language_code = language  # the asked language, on an object that is never saved
    enrollment = Enrollment(scenario=content["template"], channel=channel, account=account, context={})
    message = OutboxMessage(enrollment=enrollment, scenario=content["template"], channel=channel,
                            step=content["step"], account=account, contact=contact,
                            idempotency_key=f"preview:{channel}:{account.pk}")
    email = render.buyer_email(message, config)
    return Preview(render.language(contact, config), email.subject, "", email.alternatives[0][0], email.body,
                   account.pk)


def shop_sender(channel: str) -> str:
    """The From of the channel's buyer mail (render.sender reads only the config's shop)."""
    return render.sender(SimpleNamespace(shop=conf.channel_settings(channel)))
