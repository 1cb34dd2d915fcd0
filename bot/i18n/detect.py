"""Which language a citizen's message is in.

py3langid (a maintained fork of langid.py; its model ships inside the wheel, nothing is fetched),
restricted to the eight languages the bot speaks. Chosen over lingua-language-detector on
measurements (benchmarks/language_id.py, docs/benchmarks.md): more accurate on our questions,
which mix German terms into other languages ("how do I book a Termin at the Bürgerbüro"), and
on dialect German, four times faster and half the memory.

Short messages ("hello", "merhaba", "спасибо", "ok") say little about a person's language and
are often the same word in several languages, so a message of up to ``SHORT_WORDS`` words never
flips a conversation's language. Before the first message the prior is only the widget's
language (the browser's), a weak guess: then a short message counts like a long one, if the
detector is as sure as it must be for a long one or the script is another ("привіт" in a German
browser). Measured on 953 short messages (benchmarks/language_id.py): German ones stay German in
99.7 % of cases at that bar; the rule, fixed before, was the lowest bar keeping ≥ 99.5 %.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS

from retrieval.languages import DETECTED, GERMAN, is_german
from retrieval.search.dialect import dialect_words, written_german
from retrieval.search.spelling import german_words

SHORT_WORDS = 3
# A longer message in the prior's script keeps the prior below this probability. Chosen by a rule
# fixed before measuring: the highest mean of the eight languages' accuracies on messages of 4+
# words with a German prior (benchmarks/language_id.py); 0.8 beat 0.5/0.7/0.9/0.95/0.99.
MIN_PROBABILITY = 0.8

_WORD = re.compile(r"\w+")
_lock = threading.Lock()
_SCRIPT_OF = {"de": "latin", "en": "latin", "tr": "latin", "pl": "latin", "ro": "latin",
              "uk": "cyrillic", "ru": "cyrillic", "ar": "arabic"}


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    with _lock:
        identifier = LanguageIdentifier.from_modelpath(Path(MODEL_DIR) / MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(DETECTED))
        return identifier


def warm_up() -> None:
    """Load the model and the German word list (for dialect, _dialect_german) at start-up rather than in
    the first citizen's turn (about 0.5 s and 4 s)."""
    _identifier()
    german_words()


def script(text: str) -> str:
    """Latin, Cyrillic or Arabic: the scripts of the languages the bot speaks."""
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
        if "\u0600" <= ch <= "\u06ff":
            return "arabic"
    return "latin"


def guess(text: str) -> tuple[str, float]:
    """The most likely language and its probability, without any prior."""
    lang, probability = _identifier().classify(text)
    return lang, float(probability)


def _dialect_german(text: str) -> bool:
    """Two or more dialect words ("wos", "heit"; "i", "is" and "do" are English too) and, read as
    written German, surely German."""
    telling = [word for word in dialect_words(text) if word.lower() not in ENGLISH_STOP_WORDS]
    if len(telling) < 2:
        return False
    lang, probability = guess(written_german(text))
    return lang == GERMAN and probability >= MIN_PROBABILITY


def message_language(text: str, conversation: str | None = None, widget: str | None = None) -> str:
    """The language to answer ``text`` in.

    ``conversation`` is the conversation's language so far (None before its first message),
    ``widget`` the widget's language (the browser's, or chosen), a weaker guess. A Leichte Sprache
    prior is kept for German messages: nobody writes in it, people choose it.
    """
    prior = conversation or widget or GERMAN  # a German municipality's site
    words = len(_WORD.findall(text))
    if words == 0:
        return prior
    detected, probability = guess(text)
    prior_base = GERMAN if is_german(prior) else prior
    if detected == prior_base:
        return prior
    if words <= SHORT_WORDS and conversation:
        return prior  # "danke", "ok", "спасибо" never flip a conversation's language
    if _SCRIPT_OF[detected] != _SCRIPT_OF.get(prior_base, "latin") and script(text) == _SCRIPT_OF[detected]:
        return detected  # another script: the prior is certainly wrong
    if is_german(prior) and _dialect_german(text):
        return prior  # "wos is heit fia a wetter?" looks English; as written German it is German
    return detected if probability >= MIN_PROBABILITY else prior
