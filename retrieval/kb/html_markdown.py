"""HTML of a service page as the knowledge base's Markdown (both importers: DLDB and the website)."""

from __future__ import annotations

import re

from markdownify import markdownify

# "<strong>Wegzug ins Ausland:<br></strong>Wenn Sie …": a line break at the end of a bold label
# belongs after it; inside, markdownify drops it and glues the label to the sentence ("Ausland:**Wenn").
_BREAK_BEFORE_BOLD_END = re.compile(r"((?:<br\s*/?>\s*)+)(</(?:strong|b)>)", re.IGNORECASE)


def html_to_markdown(html: str | None) -> str:
    if not html:
        return ""
    html = _BREAK_BEFORE_BOLD_END.sub(r"\2\1", html)
    text = markdownify(html, heading_style="ATX", bullets="-", strip=["img", "script", "style"])
    text = text.replace("\u200b", "").replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
