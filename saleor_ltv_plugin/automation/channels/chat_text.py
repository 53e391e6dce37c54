"""The `text` of a staff webhook, safe to show in Slack, Teams and Slack-compatible chats.

Shop data (company names) goes into that text, and a chat reads markup in it: Slack's `<!channel>`,
`<@U…>` and `<url|label>` (Slack's rule: & < > become &amp; &lt; &gt;), Teams' Markdown links and
`<at>` mentions, and plain `@everyone` / `@here` / `@channel` in Mattermost and Discord.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Incoming-webhook hosts of Microsoft Teams (connectors, and Power Automate workflows).
TEAMS_HOSTS = (".webhook.office.com", "outlook.office.com", ".logic.azure.com", ".powerplatform.com")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")  # a line break could fake a second line
_MARKDOWN = re.compile(r"([\\`*_\[\]()#~|!])")
_SLACK = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WORD_JOINER = "\u2060"  # invisible; after "@" it keeps a word from being read as a mention


def is_teams(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(TEAMS_HOSTS) or host in (h.lstrip(".") for h in TEAMS_HOSTS)


def chat_text(text: str, url: str) -> str:
    """`text` with no mention, link, markup or extra line a chat at `url` would act on."""
    text = _CONTROL.sub(" ", text)
    if is_teams(url):
        text = _MARKDOWN.sub(r"\\\1", text)
    text = "".join(_SLACK.get(char, char) for char in text)
    return text.replace("@", "@" + _WORD_JOINER)
