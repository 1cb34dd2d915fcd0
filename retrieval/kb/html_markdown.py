"""HTML of a service page as the knowledge base's Markdown (both importers: DLDB and the website)."""

from __future__ import annotations

import re

from markdownify import markdownify


def html_to_markdown(html: str | None) -> str:
    if not html:
        return ""
    text = markdownify(html, heading_style="ATX", bullets="-", strip=["img", "script", "style"])
    text = text.replace("\u200b", "").replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
