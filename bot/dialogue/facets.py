"""What a question asks about (cost, documents, place, deadline, online, appointment, contact).

Used to pick the section of a page that answers the question, and to recognise follow-ups
("und was kostet das?") that refer to the service discussed before.
"""

from __future__ import annotations

import re

from retrieval.german_text import fold, lemmas

# Patterns on the folded question (umlauts as a/o/u).
FACETS: dict[str, re.Pattern[str]] = {
    "cost": re.compile(r"\b(kost\w*|gebuhr\w*|preis\w*|teuer\w*|euro|bezahl\w*|zahl(e|en|t)\b|billig\w*|umsonst|gratis)"),
    "documents": re.compile(r"\b(unterlagen|dokument\w*|mitbring\w*|nachweis\w*|papiere|formular\w*"
                            r"|brauch\w* (ich|i|man|wir) (alles|(da)?fur))"),
    "deadline": re.compile(r"\b(frist\w*|wie lange|bis wann|dauer\w*|wann (ist|bekomm|krieg)\w*|rechtzeitig|spatestens)"),
    "online": re.compile(r"\b(online|internet|digital\w*|von zu ?hause|per mail|e-?mail)"),
    "appointment": re.compile(r"\b(termin\w*|vorbeikommen|einfach so vorbei)"),
    "where": re.compile(r"\b(wo\b|wohin|adresse|zustandig\w*|welches amt|welche stelle)"),
    "contact": re.compile(r"\b(anruf\w*|telefon\w*|nummer|erreiche ich|erreichen\b|kontakt\w*|ansprechp\w*)"),
}
# Section headings that answer each facet, the most specific word first: a page with both
# "Voraussetzungen" and "Erforderliche Unterlagen" answers "was muss ich mitbringen?" with the second.
# After the German words, the usual headings of a page's versions in the other languages and in
# Leichte Sprache (knowledge_base/sprachen/): "Fees", "Ücret", "Вартість", "الرسوم", "Das brauchen Sie".
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "cost": ("gebühr", "kosten", "preis", "steuers", "beitr",
             "fee", "cost", "price", "ücret", "fiyat", "вартість", "ціна", "стоимость", "цена", "الرسوم",
             "التكلفة", "koszt", "opłat", "taxe", "tarif"),
    "documents": ("unterlagen", "voraussetzung", "mitbringen", "nachweis", "das brauchen sie",
                  "what you need", "documents", "belge", "документ", "الأوراق", "الوثائق", "dokument", "acte"),
    "deadline": ("frist", "dauer", "fällig", "bearbeitung", "so lange",
                 "how long", "süre", "строк", "срок", "مدة", "jak długo", "czas", "durat"),
    "online": ("online", "internet", "çevrim", "онлайн", "الإنترنت"),
    "contact": ("kontakt", "ansprechp", "contact", "iletişim", "контакт", "اتصال"),
}
_FACET_WORDS = {"kosten", "kostet", "gebuhr", "unterlage", "dauern", "frist", "online", "termin", "genau", "und",
                "brauchen", "brauche", "brauch", "teuer", "lange", "denn", "dafur", "das", "da",
                # verbs that fit any service: "kann ich den auch online beantragen?" names no topic
                "beantragen", "machen", "erledigen", "bekommen", "kriegen",
                # asking for a phone number names no topic either: "wen kann ich da anrufen?"
                "anrufen", "erreichen", "telefonisch", "telefonnummer", "nummer", "kontakt"}


def facets_of(question: str) -> list[str]:
    folded = fold(question)
    return [name for name, pattern in FACETS.items() if pattern.search(folded)]


def topic_words(question: str) -> list[str]:
    """The words that name a subject, not a facet: 'was kostet ein Personalausweis?' -> ['personalausweis']."""
    return [w for w in lemmas(question) if w not in _FACET_WORDS]


def is_follow_up(question: str) -> bool:
    """A short question about a facet, with at most one word of its own: 'und was kostet das?',
    'wo genau?', but also 'was kostet ein Personalausweis?' (the search tells those apart)."""
    return bool(facets_of(question)) and len(topic_words(question)) <= 1 and len(question) <= 60


def facet_section(facet: str, parts: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The (heading, text) among ``parts`` whose heading answers ``facet``: the one with the
    earliest word of SECTION_WORDS, then the first on the page; None if no heading fits."""
    for word in SECTION_WORDS.get(facet, ()):
        for heading, text in parts:
            if word in heading.lower():
                return heading, text
    return None
