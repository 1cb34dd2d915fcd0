"""action_answer_from_kb and action_clarify: the confidence ladder for service questions.

Which of these happens is decided by dialogue/service_policy.py; this module builds the messages:
    confident        -> answer with the best section, source link and date, office and links
    unsure           -> "Meinten Sie …?" with the 2-3 best services as buttons
    not at all       -> say so and what the bot can do; the second failure in a row offers staff
    a follow-up      -> "und was kostet das?" answers from the service discussed last; right after
                        "Meinten Sie …?" it asks which of the offered services is meant
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.actions.handoff import offer_handoff
from bot.actions.office_info import answer_contact_details, answer_with_office, contact_asked_of
from bot.actions.protocol import Action, Dispatcher, Event, Tracker, slot_set
from bot.actions.say import Say
from bot.dialogue.answers import (
    answer_from_document,
    answer_from_translation,
    facet_leads,
    facets_not_on_page,
    office_line,
    only_in_german,
    staff_button,
    summary_line,
)
from bot.dialogue.facets import facets_asked, is_follow_up, topic_words
from bot.dialogue.office_hours import day_asked
from bot.dialogue.service_policy import Found, Signals, Step, next_step
from bot.i18n.catalogue import text as say
from bot.live_index import LiveIndex
from bot.reply import BotMessage, Button, Kind
from bot.settings import Settings
from retrieval.index.store import IndexBuild
from retrieval.kb.documents import Document
from retrieval.languages import is_german
from retrieval.search.searcher import SearchResult, ask_back_options, near_tie_second

# "kann ich da einfach so vorbeikommen?" has two words of its own ("einfach", "vorbeikommen");
# a question about something else usually has more.
MAX_TOPIC_WORDS_OF_A_FOLLOW_UP = 2
# "und für Kinder?", "and if it was stolen?": short messages after a service may lean on it.
MAX_WORDS_OF_AN_ELLIPTICAL_FOLLOW_UP = 8


class AnswerFromKb(Action):
    name = "action_answer_from_kb"

    def __init__(self, knowledge: LiveIndex, settings: Settings):
        self.knowledge, self.settings = knowledge, settings

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        """Gather the turn's signals, let the policy (dialogue/service_policy.py) choose, do it."""
        build, calendar = self.knowledge.build, self.knowledge.calendar
        text, chosen, last = tracker.text, tracker.entity("service_id"), tracker.slot("last_service")
        lang = tracker.lang
        facets = facets_asked(text, lang, self.knowledge.searcher.expand)
        dispatcher.facets = facets
        office = build.offices.get(tracker.slot("last_office") or "")
        day = day_asked(text, calendar.now(), lang)
        offered = self.offered(tracker)
        contact_asked = contact_asked_of(build, tracker)
        lexicon = self.knowledge.searcher.foreign_lexicon  # read only for another language than German
        own_words = topic_words(text, lang, lexicon)
        detail = self.detail_of(own_words, lang)
        signals = Signals(
            chosen=bool(chosen) and chosen in build.documents, short=is_follow_up(text, lang, lexicon, facets),
            has_topic=bool(own_words), offered_before=bool(offered), last_service=last in build.documents,
            facets=bool(facets), few_own_words=len(own_words) <= MAX_TOPIC_WORDS_OF_A_FOLLOW_UP,
            office_in_context=office is not None, day_asked=day is not None, few_words=len(text.split()) <= 4,
            wants_staff=_probably_wants_staff(tracker),
            contact_of_office=bool(contact_asked))
        result: SearchResult | None = None

        def search() -> Found:
            nonlocal result
            result, level = self.search_in_context(text, build.documents.get(last or ""), lang)
            return Found(level, _names_another_service(result, level, last))

        step = next_step(signals, search)
        if step is Step.ANSWER_CHOSEN:  # the answer to a button, not a question of its own: no facets counted
            dispatcher.facets = []
            question = _question_before_buttons(tracker)
            asked = facets_asked(question, lang, self.knowledge.searcher.expand)
            return self.answer(dispatcher, chosen, asked, None, 1.0, lang,
                               detail=self.detail_of(topic_words(question, lang, lexicon), lang))
        if step is Step.ASK_WHICH_OFFERED:
            # Asked again without a choice: the question stays unanswered, and a person is offered beside the services.
            failures = float(tracker.slot("failed_attempts") or 0) + 1
            stuck = failures >= self.settings.failures_before_handoff
            return [slot_set("failed_attempts", failures), *self.ask_which(dispatcher, offered, lang, with_staff=stuck)]
        if step is Step.ANSWER_LAST:
            return self.answer(dispatcher, last, facets, None, None, lang, again=True,
                               previous=tracker.slot("last_answer"), detail=detail)
        if step is Step.ANSWER_TOP:
            top = result.top
            snippet = top.snippets[0] if top.snippets else None
            second = near_tie_second(result)
            return self.answer(dispatcher, top.doc_id, facets, snippet and (snippet.section, snippet.text),
                               result.confidence, lang, see_also=second and (second.title, second.url), detail=detail)
        if step is Step.ASK_BACK:
            return clarify(dispatcher, tracker, self.settings, result, build)
        if step is Step.ANSWER_CONTACT:
            return answer_contact_details(dispatcher, contact_asked, lang)
        if step is Step.ANSWER_OFFICE:
            return answer_with_office(dispatcher, office, calendar, lang, day=day)
        if step is Step.OFFER_STAFF:
            return offer_handoff(dispatcher, lang, lead=None)
        return failed(dispatcher, tracker, self.settings, result)

    def detail_of(self, own_words: list[str], lang: str) -> dict[str, float]:
        """The question's topic words with their rarity, for the answer's paragraph on them
        (answers.question_first); German only: the pages' words are German."""
        return self.knowledge.build.lexical.rarity(own_words) if is_german(lang) else {}

    def search_in_context(self, text: str, last: Document | None, lang: str) -> tuple[SearchResult, str]:
        """The search and its level. A short message after a service ("und für Kinder?" after the
        passport) is searched again behind that service's title if the search alone is not sure; that
        search counts if another service leads it and it is sure, or would ask back where the search
        alone would give up (docs/experiments.md, "Folgefragen mit neuem Detail"). With the same
        service in front, the title only echoes itself."""
        searcher = self.knowledge.searcher
        result = self.knowledge.search(text, lang=lang)
        level = searcher.level(result, lang)
        if level == "answer" or last is None or len(text.split()) > MAX_WORDS_OF_AN_ELLIPTICAL_FOLLOW_UP:
            return result, level
        in_context = self.knowledge.search(f"{last.meta.title}: {text}", lang=lang)
        context_level = searcher.level(in_context, lang)
        moved_on = bool(in_context.hits) and in_context.top.doc_id != last.id
        if moved_on and (context_level == "answer" or (context_level == "clarify" and level == "decline")):
            return in_context, context_level
        return result, level

    def answer(self, dispatcher: Dispatcher, doc_id: str, facets: list[str], snippet: tuple[str, str] | None,
               confidence: float | None, lang: str, see_also: tuple[str, str] | None = None,
               again: bool = False, previous: str | None = None, detail: dict[str, float] | None = None) -> list[Event]:
        """The page's answer; in the citizen's language from its translation, if the page has one,
        else the German answer after a sentence in their language saying so, with staff offered
        (``again``: a follow-up about the page just answered, whose first answer said so in full).
        If it is word for word the answer before (``previous``, its fingerprint; "wie geht das?"
        after the overview), the bot says the page has no more and offers staff instead."""
        out = Dispatcher(facets=dispatcher.facets)
        events = self._answer(out, doc_id, facets, snippet, confidence, lang, see_also, again, detail or {})
        said = fingerprint(out.sent[-1])  # the answer itself; a notice before it may differ ("again in German")
        if said == previous:
            return offer_handoff(dispatcher, lang, lead="nothing_more")
        dispatcher.messages.extend(out.messages)
        return [*events, slot_set("last_answer", said)]

    def _answer(self, dispatcher: Dispatcher, doc_id: str, facets: list[str], snippet: tuple[str, str] | None,
                confidence: float | None, lang: str, see_also: tuple[str, str] | None, again: bool,
                detail: dict[str, float]) -> list[Event]:
        build = self.knowledge.build
        doc = build.documents[doc_id]
        translation = build.translation(doc_id, lang)
        offices = [build.offices[o] for o in doc.meta.offices if o in build.offices]
        calendar = self.knowledge.calendar
        now = calendar.now()
        translated = None if translation is None else answer_from_translation(
            doc, translation, facets, confidence, offices, calendar, now)
        if translated is not None:
            dispatcher.send(translated)
        else:  # no version in the citizen's language, or only the German page states what was asked
            leads = facet_leads(doc, facets, offices, office_line(offices, calendar, now))  # once, for both
            reply = answer_from_document(doc, facets, snippet, offices, calendar, now, confidence, see_also, leads,
                                         detail, again)
            if lang == "de":
                dispatcher.send(reply)
            else:  # which asked facets the page leaves open is said again in the citizen's language
                title = doc.meta.title if translation is None else translation.meta.title
                for message in only_in_german(reply, title, lang, facets_not_on_page(doc, leads), again,
                                              detail=translation is not None):
                    dispatcher.send(message)
        return [slot_set("last_service", doc_id), slot_set("last_office", None),  # the service's office counts now
                slot_set("failed_attempts", 0.0), slot_set("offered_services", None)]

    def offered(self, tracker: Tracker) -> list[Document]:
        """The services the last "Meinten Sie …?" offered, as far as the index still has them."""
        build = self.knowledge.build
        return [build.documents[d] for d in tracker.slot("offered_services") or [] if d in build.documents]

    def which_of_offered(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event] | None:
        """Right after "Meinten Sie …?", a question without a subject: which of those services? None if none."""
        offered = self.offered(tracker)
        return self.ask_which(dispatcher, offered, tracker.lang) if offered else None

    def ask_which(self, dispatcher: Dispatcher, offered: list[Document], lang: str,
                  with_staff: bool = False) -> list[Event]:
        build = self.knowledge.build
        return offer_services(dispatcher, "which_one", [button_of(build, d.id, lang) for d in offered], None, lang,
                              with_staff)

    def ask_back(self, dispatcher: Dispatcher, tracker: Tracker, result: SearchResult) -> list[Event]:
        return clarify(dispatcher, tracker, self.settings, result, self.knowledge.build)


def failed(dispatcher: Dispatcher, tracker: Tracker, settings: Settings, result: SearchResult | None,
           message: str = "cannot_answer") -> list[Event]:
    """One more unanswered question; from the configured count on, offer staff instead.
    ``message`` is the catalogue id of the decline."""
    failures = float(tracker.slot("failed_attempts") or 0) + 1
    if failures >= settings.failures_before_handoff:
        return [slot_set("failed_attempts", failures), *offer_handoff(dispatcher, tracker.lang)]
    dispatcher.send(BotMessage(kind=Kind.DECLINE, text=say(message, tracker.lang), lang=tracker.lang,
                               confidence=round(result.confidence, 3) if result else None,
                               service_ids=[h.doc_id for h in result.hits[:3]] if result else []))
    return [slot_set("failed_attempts", failures)]


def _probably_wants_staff(tracker: Tracker) -> bool:
    ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    return bool(ranking) and ranking[0].get("name") in ("request_human", "complaint")


def _names_another_service(result: SearchResult, level: str, last: str) -> bool:
    """'Was kostet ein Personalausweis?' after the driving licence names another service; 'wo genau?'
    does not: the search either declines it or finds the last service among its first hits."""
    if level == "answer":
        return result.top.doc_id != last
    return level == "clarify" and last not in [hit.doc_id for hit in result.hits[:3]]


def _question_before_buttons(tracker: Tracker) -> str:
    """The citizen's question that led to the clarification (the button text itself has no facet)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    return users[-2].get("text", "") if len(users) >= 2 else ""


class Clarify(Action):
    name = "action_clarify"

    def __init__(self, knowledge: LiveIndex, settings: Settings):
        self.knowledge, self.settings = knowledge, settings

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        dispatcher.facets = facets_asked(tracker.text, tracker.lang, self.knowledge.searcher.expand)
        return clarify(dispatcher, tracker, self.settings, self.knowledge.search(tracker.text, lang=tracker.lang),
                       self.knowledge.build)


def clarify(dispatcher: Dispatcher, tracker: Tracker, settings: Settings, result: SearchResult,
            build: IndexBuild) -> list[Event]:
    """Offer the best 2-3 services as buttons, each with a one-line summary, plus "Nichts davon"."""
    if not result.hits:
        return failed(dispatcher, tracker, settings, result)
    options = [button_of(build, h.doc_id, tracker.lang) for h in ask_back_options(result)
               if h.doc_id in build.documents]
    return offer_services(dispatcher, "unsure", options, result.confidence, tracker.lang)


def button_of(build: IndexBuild, doc_id: str, lang: str) -> tuple[str, str, str]:
    """(id, title, one-line summary) of a service for a button: from the page's version in ``lang``
    where it has one, else the German page's."""
    page = build.translation(doc_id, lang) or build.documents[doc_id]
    return doc_id, page.meta.title, summary_line(page)


def offer_services(dispatcher: Dispatcher, question: str, options: list[tuple[str, str, str]],
                   confidence: float | None, lang: str, with_staff: bool = False) -> list[Event]:
    """Services (id, title, one-line summary) as buttons, plus "Nichts davon" (and, ``with_staff``,
    "Mit einer Person sprechen"); a button answers that service. ``question`` is a catalogue id.
    Titles and summaries are the pages' own (German)."""
    buttons = [Button(title=title, payload=f'/choose_service{{"service_id":"{doc_id}"}}', summary=summary)
               for doc_id, title, summary in options]
    if with_staff:
        buttons.append(staff_button(lang))
    buttons.append(Button(title=say("none_of_these", lang), payload="/none_of_these"))
    dispatcher.send(BotMessage(kind=Kind.CLARIFY, text=say(question, lang), buttons=buttons, lang=lang,
                               confidence=None if confidence is None else round(confidence, 3),
                               service_ids=[doc_id for doc_id, *_ in options]))
    return [slot_set("offered_services", [doc_id for doc_id, *_ in options])]


class OutOfScope(Action):
    """A polite decline that says what the bot can do; never an invented answer."""

    name = "action_out_of_scope"

    def __init__(self, settings: Settings):
        self.settings = settings

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        return failed(dispatcher, tracker, self.settings, None, "out_of_scope")


class Abuse(Action):
    """A calm reply to an insult; but a keyword that the classifier took for one ("Sperrmüll", "bulky
    waste": short, with words it knows only from the short insults) is a service question when the search
    is sure of its page (docs/experiments.md, "Beleidigung oder Stichwort")."""

    name = "action_abuse"

    def __init__(self, knowledge: LiveIndex, answer_from_kb: AnswerFromKb):
        self.knowledge, self.answer_from_kb = knowledge, answer_from_kb
        self.calm_reply = Say(self.name, "abuse", Kind.DECLINE)

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        result = self.knowledge.search(tracker.text, lang=tracker.lang)
        if self.knowledge.searcher.level(result, tracker.lang) == "answer":
            return self.answer_from_kb.run(dispatcher, tracker, domain)
        return self.calm_reply.run(dispatcher, tracker, domain)


class NoneOfThese(Action):
    """The citizen rejected every offered service: count it and offer staff."""

    name = "action_none_of_these"

    def __init__(self, settings: Settings):
        self.settings = settings

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        failures = float(tracker.slot("failed_attempts") or 0) + 1
        return [slot_set("failed_attempts", failures), slot_set("offered_services", None),
                *offer_handoff(dispatcher, tracker.lang)]


def fingerprint(message: BotMessage) -> str:
    """A short hash of what the citizen read: the slot keeps this, not the text."""
    return hashlib.sha256(message.text.encode()).hexdigest()[:16]
