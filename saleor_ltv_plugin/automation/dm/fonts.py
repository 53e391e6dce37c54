"""The Japanese font the print files embed: IPA Gothic (Debian's fonts-ipafont-gothic) wherever the
machine keeps it. `LTV_DM_FONT` (a Django setting or an environment variable) names another
TrueType file; otherwise the usual Debian paths, then fontconfig (`fc-list :lang=ja`).

reportlab embeds TrueType outlines only (.ttf), not the CFF ones of .otf files or Noto CJK's .ttc.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

FONT_NAME = "LtvJapanese"
CANDIDATES = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",  # Debian / Ubuntu fonts-ipafont-gothic
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",  # its alternatives link
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/ipa-gothic/ipag.ttf",  # Fedora
    "/usr/share/fonts/TTF/ipag.ttf",  # Arch
)
HOW_TO_INSTALL = ("no Japanese TrueType font found: install Debian's fonts-ipafont-gothic (bin/bootstrap does) or "
                  "set LTV_DM_FONT to a .ttf file (日本語フォントがありません：fonts-ipafont-gothic を入れるか、"
                  "LTV_DM_FONT に .ttf ファイルを指定してください)")


class FontMissing(RuntimeError):
    pass


def _from_fontconfig() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=ja", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    # Gothic (sans) first: labels read better in it; proportional faces (…p.ttf) last
    return sorted((f for f in files if f.lower().endswith(".ttf")),
                  key=lambda f: ("goth" not in f.lower() and "ipag" not in f.lower(), f))


def font_path() -> str:
    named = getattr(settings, "LTV_DM_FONT", "") or os.environ.get("LTV_DM_FONT", "")
    if named:
        if not Path(named).is_file():
            raise FontMissing(f"LTV_DM_FONT names {named!r}, which is not a file")
        return named
    for path in (*CANDIDATES, *_from_fontconfig()):
        if Path(path).is_file():
            return path
    raise FontMissing(HOW_TO_INSTALL)


@functools.lru_cache(maxsize=4)
def _register(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    except Exception as exc:  # reportlab's TTFError: CFF outlines, a broken file
        raise FontMissing(f"{path} cannot be embedded ({exc}); {HOW_TO_INSTALL}") from exc
    return FONT_NAME


def japanese_font() -> str:
    """The registered font's name (registered once per process)."""
    return _register(font_path())
