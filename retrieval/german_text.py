"""German text analysis for the lexical signal: lemmas plus character n-grams.

spaCy's blank German pipeline with the lookup lemmatizer (spacy-lookups-data) gives
tokens and lemmas without a trained model. Inflection is handled by the lemmas
("Anmeldungen" -> "anmeldung"); compounds and typos by character n-grams of each lemma
("Hundesteuer" shares "<hun", "hund" with "Hund"). Umlauts are folded so that
"fuhrerschein" typed without umlaut still matches.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import spacy
from spacy.lang.de.stop_words import STOP_WORDS

NGRAM_SIZES = (4, 5)
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_WORD = re.compile(r"\w", re.UNICODE)
# Question words carry no topic but spaCy's list lacks some colloquial ones.
_EXTRA_STOP = {"hab", "hallo", "bitte", "danke", "mal", "gern", "gerne", "eigentlich", "brauch", "muss", "kann",
               # spoken articles: "brauch ich da nen Termin?", "ne Bestätigung"
               "nen", "ne", "nem", "ner",
               # contracted prepositions spaCy's list lacks: "was brauche ich fürs Auto?"
               "furs", "ans", "aufs", "ums", "durchs", "ubers", "vors", "vorm", "uberm", "unterm", "unters",
               "hinters", "hinterm"}
STOP = {w.lower().translate(_FOLD) for w in STOP_WORDS} | _EXTRA_STOP


def fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD)


@lru_cache(maxsize=1)
def german_pipeline() -> spacy.language.Language:
    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sentencizer")
    nlp.initialize()
    return nlp


def lemmas(text: str) -> list[str]:
    """Folded lemmas of the content words."""
    out = []
    for token in german_pipeline()(text):
        if not _WORD.search(token.text) or token.like_num and len(token.text) < 3:
            continue
        lemma = fold(token.lemma_ or token.text)
        if lemma not in STOP and fold(token.text) not in STOP and len(lemma) > 1:
            out.append(lemma)
    return out


# Particles that German separates from their verb and puts at the end of the clause.
_PARTICLES = frozenset({"ab", "an", "auf", "aus", "bei", "durch", "ein", "fest", "her", "hin", "los", "mit", "nach",
                        "um", "vor", "weg", "weiter", "zu", "zurück", "zusammen"})
_CLAUSE_END = re.compile(r"[.,;:!?\n]+")


@lru_cache(maxsize=1)
def _known_lemmas() -> frozenset[str]:
    """Every lemma of spaCy's German lookup table (folded): the words a joined verb must be one of."""
    table = german_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    return frozenset(fold(lemma) for lemma in table.values())


def separable_verbs(text: str) -> list[str]:
    """Verbs whose particle stands at the end of a clause, joined again: 'wie melde ich das Auto ab?'
    -> ['abmelden'], 'wann macht das Freibad auf?' -> ['aufmachen']. Only a lower-case word (German
    capitalises nouns) whose lemma is an infinitive joins, and only into a lemma spaCy knows."""
    nlp, known, found = german_pipeline(), _known_lemmas(), []
    for clause in _CLAUSE_END.split(text):
        last = clause.split()[-1:]
        if not last or fold(last[0]) not in _PARTICLES:  # most clauses: no spaCy run
            continue
        tokens = [t for t in nlp(clause) if _WORD.search(t.text)]
        if len(tokens) < 3 or fold(tokens[-1].text) not in _PARTICLES:
            continue
        particle = fold(tokens[-1].text)
        for i, token in enumerate(tokens[:-1]):
            if not (i == 0 or token.text[:1].islower()):
                continue
            verb = next((v for v in _infinitives(token) if particle + v in known), None)
            if verb:
                found.append(particle + verb)
                break
    return found


def _infinitives(token: spacy.tokens.Token) -> list[str]:
    """The token's lemma if it is an infinitive, else infinitives its form may belong to: the lookup
    table lacks many ("ruf", "rufe", "ruft" of "wen ruf ich an?"); the caller keeps only known verbs."""
    lemma, word = fold(token.lemma_ or token.text), fold(token.text)
    if lemma.endswith(("en", "ern", "eln")):
        return [lemma]
    forms = [word + "en", word + "n" if word.endswith("e") else "", word[:-1] + "en" if word.endswith("t") else ""]
    return [form for form in forms if form]


def char_ngrams(words: list[str]) -> list[str]:
    grams = []
    for word in words:
        padded = f"<{word}>"
        for n in NGRAM_SIZES:
            grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return grams


def sentences(text: str) -> list[str]:
    return [s.text.strip() for s in german_pipeline()(text).sents if s.text.strip()]
