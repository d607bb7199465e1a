"""Filling the sites' HTML templates: escaping, JSON for <script>, template cache."""
from __future__ import annotations

import html as htmlmod
import json
from functools import lru_cache
from string import Template

from .data import TEMPLATE_DIR


def esc(text: str | None) -> str:
    return htmlmod.escape(text or "", quote=True)


def collapse(text: str) -> str:
    return " ".join(text.split())


def json_for_script(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=None).replace("</", "<\\/")


@lru_cache(maxsize=None)
def template(site: str, name: str) -> Template:
    return Template((TEMPLATE_DIR / site / name).read_text(encoding="utf-8"))


def fill(site: str, name: str, **values: object) -> str:
    return template(site, name).substitute({k: "" if v is None else v for k, v in values.items()})
