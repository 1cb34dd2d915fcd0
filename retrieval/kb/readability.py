"""Warnings for Leichte Sprache pages, after the rules of the Netzwerk Leichte Sprache.

Two rules are checked per sentence (short sentences; long words split with a hyphen:
"Bürger-Büro", not "Bürgerbüro"), and the page as a whole with the Wiener Sachtextformel,
a readability formula made for German, from the maintained textstat library. They are
warnings: a person who writes Leichte Sprache decides, ideally with a test reader.
"""

from __future__ import annotations

import re
from pathlib import Path

import textstat

from retrieval.kb.findings import Finding

MAX_SENTENCE_WORDS = 12
# Words this long are compounds in German; Leichte Sprache splits them ("Melde-Bescheinigung").
MAX_WORD_LETTERS = 12
# Wiener Sachtextformel (variant 1) gives a school year; Leichte Sprache aims at the first years.
MAX_SCHOOL_YEAR = 6.0

_SENTENCE = re.compile(r"[^.!?:\n]+[.!?:]?")
_WORD = re.compile(r"[\w-]+")
_MARKUP = re.compile(r"^\s*(#+|[-*]|\d+\.)\s*")


def readability_warnings(body: str, path: Path, first_body_line: int) -> list[Finding]:
    findings: list[Finding] = []
    for offset, line in enumerate(body.splitlines()):
        text = _MARKUP.sub("", line)
        for sentence in _SENTENCE.findall(text):
            words = _WORD.findall(sentence)
            where = first_body_line + offset
            if len(words) > MAX_SENTENCE_WORDS:
                findings.append(Finding(path, where, f"Leichte Sprache: Satz mit {len(words)} Wörtern (höchstens "
                                        f"{MAX_SENTENCE_WORDS}; eine Aussage je Satz): „{sentence.strip()[:60]}“",
                                        "warning"))
            for word in words:
                if "-" not in word and len(word) > MAX_WORD_LETTERS and word[0].isupper():
                    findings.append(Finding(path, where, f"Leichte Sprache: langes Wort „{word}“ – mit Bindestrich "
                                            "trennen (z. B. „Melde-Bescheinigung“) oder erklären", "warning"))
    textstat.set_lang("de")
    plain = "\n".join(_MARKUP.sub("", line) for line in body.splitlines())
    school_year = textstat.wiener_sachtextformel(plain, 1)
    if school_year > MAX_SCHOOL_YEAR:
        findings.append(Finding(path, first_body_line, "Leichte Sprache: Text schwer lesbar (Wiener Sachtextformel "
                                f"{school_year:.1f}, Ziel höchstens {MAX_SCHOOL_YEAR:.0f}): "
                                "kürzere Sätze, kürzere Wörter", "warning"))
    return findings
