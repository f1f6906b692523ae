"""The user's cache folder for Papersite (`~/.cache/papersite`, or under
$XDG_CACHE_HOME): what is kept for every site on this machine, outside any site folder."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "papersite"
