"""A tqdm progress bar that stays quiet when output is not a terminal (CI, cron)."""

import sys

from tqdm import tqdm


def progress_bar(total=None, unit="rows", desc=""):
    return tqdm(total=total, unit=unit, desc=desc, disable=not sys.stderr.isatty(), file=sys.stderr)
