"""A buyer message as plain text (LINE, SMS): the greeting, the items, and the tracked link."""

from __future__ import annotations

from dataclasses import dataclass

from .. import links, render
from ..mail_items import mail_items


@dataclass(frozen=True)
class PlainText:
    intro: str
    items: list[str]  # "・name" per item, in the mail's order
    cta: str  # "<the call to action>: <tracked link>"

    def join(self, items: int | None = None) -> str:
        """The text with the first `items` items (all when None)."""
        shown = self.items if items is None else self.items[:items]
        lines = [self.intro, ""] + shown + ([""] if shown else []) + [self.cta]
        return "\n".join(lines).strip()


def plain_text(message, config, short_link: bool = False) -> PlainText:
    """`short_link`: the SMS form of the tracked link (links.short_click_url), the same on every attempt."""
    contact, context = message.contact, message.enrollment.context
    lang = render.language(contact, config)
    copy = config.copy_for(lang, message.step)
    target = render.cta_target(message, config.shop)
    currency = context.get("currency") or (message.account.currency if message.account else "")
    items = [f"・{item['name']}" for item in mail_items(context, message.channel, currency, target) if item.get("name")]
    base = links.base_url(config.shop)
    link = links.short_click_url(base, message.pk) if short_link else links.click_url(base, message.pk, target)
    return PlainText(intro=copy["intro"].replace("{name}", render._name(contact, lang)), items=items,
                     cta=f"{copy['cta']}: {link}")
