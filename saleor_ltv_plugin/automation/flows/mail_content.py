"""A send step's content as flows check, preview and send it: the one seam to automation/content/.

A step's content is a reference to a ready scenario's copy, ``{"template": key, "step": i}``
(optionally with the shop's ``copy`` override, as the scenario settings keep it), or an inline
document ``{"ja": {"subject", "preheader", "blocks": [...]}, "en": {...}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from ... import conf
from ...models import AccountContact
from .. import content, render
from ..catalog import SCENARIOS
from ..content.preview import PreviewError, preview as preview_mail  # PreviewError: the service catches it
from .definition import Problem

REF_KEYS = ("template", "step", "copy")


@dataclass(frozen=True)
class Preview:
    language: str
    subject: str
    preheader: str
    html: str
    text: str
    account_id: int | None = None
    medium: str = "email"  # postal_dm: html is the letter as printed, text its lines, subject its title


def _template_problems(ref: dict, path: str) -> list[Problem]:
    key, step = ref.get("template"), ref.get("step")
    scenario = SCENARIOS.get(key) if isinstance(key, str) else None
    if scenario is None or not scenario.mails_buyer:
        return [Problem(f"{path}.template", f"unknown ready mail {key!r}", "unknown")]
    count = len(scenario.params["delays_hours"].default)
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step < count:
        return [Problem(f"{path}.step", f"must be a mail number from 0 to {max(count - 1, 0)}", "out_of_range")]
    return [Problem(f"{path}.{k}", f"unknown field {k!r}", "unknown") for k in ref if k not in REF_KEYS]


def content_problems(raw, path: str) -> list[Problem]:
    if isinstance(raw, dict) and "template" in raw:
        return _template_problems(raw, path)
    return [Problem(f"{path}.{p.path}" if p.path else path, p.message, p.code) for p in content.validate(raw)]


def document(raw: dict, copy_override: dict | None = None) -> content.Document:
    """The document to render: a reference resolved to the ready copy, or the inline document."""
    if "template" in raw:
        return content.scenario_document(raw["template"], raw["step"], raw.get("copy") or copy_override)
    return content.from_json(raw)


def default_account(channel: str) -> int | None:
    """The account a preview is filled from when none is asked for: the latest buyer with an e-mail."""
    return (AccountContact.objects.filter(account__channel=channel, account__erased=False)
            .exclude(contact__email="").order_by("-last_seen_at", "-id").values_list("account_id", flat=True).first())


def _account(account_id: int | None, channel: str) -> int:
    if account_id is None:
        account_id = default_account(channel)
        if account_id is None:
            raise PreviewError("accountId", "the channel has no account with a buyer to preview for", "required")
    return account_id


def render_preview(raw: dict, language: str, account_id: int | None, channel: str, medium: str = "email") -> Preview:
    """The step's mail as `account_id`'s buyer would get it — for a postal DM step the letter as the print
    job prints it (dm/sample.py) — nothing is stored or sent."""
    account_id = _account(account_id, channel)
    if medium == "postal_dm":
        letter = sample_letter(raw, language, account_id, channel)
        return Preview(letter.language, letter.title, "", letter.html(), "\n".join(letter.lines), account_id,
                       medium)
    mail = preview_mail(document(raw), language, channel=channel, account_id=account_id)
    return Preview(mail.language, mail.subject, mail.preheader, mail.html, mail.text, account_id)


def sample_letter(raw: dict, language: str, account_id: int | None, channel: str):
    """A DM step's letter for one account (dm.sample.SampleLetter: .html(), .pdf())."""
    from ..dm import sample

    return sample.build(document(raw), language, _account(account_id, channel), channel)


def shop_sender(channel: str) -> str:
    """The From of the channel's buyer mail (render.sender reads only the config's shop)."""
    return render.sender(SimpleNamespace(shop=conf.channel_settings(channel)))
