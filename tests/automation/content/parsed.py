"""A rendered HTML part read back with html.parser: its words, links, images and marked parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"br", "img", "meta", "hr", "input", "link"}


@dataclass
class Parsed:
    words: list[str] = field(default_factory=list)  # visible text pieces, in order (title, preheader excluded)
    links: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    by_class: dict[str, str] = field(default_factory=dict)  # class → its text (sender-block, preheader, coupon-code)
    tags: list[str] = field(default_factory=list)
    unclosed: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self.stack: list[tuple[str, str]] = []  # (tag, class)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.out.tags.append(tag)
        if tag == "a" and attrs.get("href"):
            self.out.links.append(attrs["href"])
        if tag == "img":
            self.out.images.append(attrs)
        if tag not in VOID:
            self.stack.append((tag, attrs.get("class", "")))
            if attrs.get("class"):
                self.out.by_class.setdefault(attrs["class"], "")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.out.unclosed.append(tag)
            return
        self.stack.pop()

    def handle_data(self, data):
        classes = [c for _, c in self.stack if c]
        for c in classes:
            self.out.by_class[c] += data
        if any(t == "title" for t, _ in self.stack) or "preheader" in classes:
            return
        self.out.words.append(data)


def parse(html: str) -> Parsed:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.out.unclosed += [t for t, _ in reader.stack]
    return reader.out
