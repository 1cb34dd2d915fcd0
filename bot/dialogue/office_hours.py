"""Office hours with public holidays: is an office open, what are today's hours, when next; said in
the citizen's language (the words from the message catalogue, days and times from Babel's CLDR data)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_interval, format_skeleton, format_time, get_day_names, get_time_format

from bot.i18n.catalogue import text as say
from retrieval.kb.offices import WEEKDAY_NAMES, WEEKDAYS, Office
from retrieval.languages import GERMAN, supported

# The languages the holidays package names German public holidays in; the others get the German name.
_HOLIDAY_LANGUAGE = {"de": "de", "en": "en_US", "uk": "uk"}


def babel_locale(lang: str) -> str:
    """'de-x-ls' (Leichte Sprache) -> 'de'; 'en-GB' -> 'en'; a language the bot does not speak -> 'de'."""
    return (supported(lang) or GERMAN).split("-")[0]


def hours_text(intervals: list[tuple[time, time]], lang: str) -> str:
    """'08:00–12:00 Uhr, 14:00–18:00 Uhr'; '8:00 AM – 12:00 PM' in English; 'geschlossen' if none."""
    if not intervals:
        return say("office_closed", lang)
    locale = babel_locale(lang)
    skeleton = "hm" if "a" in get_time_format("short", locale=locale).pattern else "Hm"
    return ", ".join(format_interval(start, end, skeleton, locale=locale) for start, end in intervals)


class OfficeCalendar:
    """Opening hours from offices.yaml, closed on the federal state's public holidays."""

    def __init__(self, federal_state: str, timezone: str = "Europe/Berlin"):
        self.federal_state = federal_state
        self._by_language: dict[str, holidays.HolidayBase] = {}
        self.tz = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(self.tz).replace(tzinfo=None)

    def holiday(self, day: date, lang: str = "de") -> str | None:
        """The public holiday's name on ``day`` in ``lang`` where the holidays package has it, else German."""
        language = _HOLIDAY_LANGUAGE.get(babel_locale(lang), "de")
        if language not in self._by_language:
            self._by_language[language] = holidays.country_holidays("DE", subdiv=self.federal_state, language=language)
        return self._by_language[language].get(day)

    def is_open(self, office: Office, moment: datetime) -> bool:
        return not self.holiday(moment.date()) and office.is_open(moment)

    def hours_on(self, office: Office, day: date, now: datetime, lang: str = "de") -> str:
        """'morgen 08:00–12:00 Uhr', 'am Samstag, 28.11., geschlossen (Erster Weihnachtstag)';
        'Saturday, November 28: 9:00 AM – 12:00 PM'."""
        name = self.holiday(day, lang)
        hours = say("office_closed_holiday", lang, holiday=name) if name else hours_text(office.intervals_on(day), lang)
        return say("office_day_hours", lang, day=self.day_name(day, now.date(), lang), hours=hours)

    def hours_today(self, office: Office, moment: datetime, lang: str = "de") -> str:
        if not office.opening_hours and not self.holiday(moment.date()):
            return office.note or say("office_hours_on_website", lang)
        return self.hours_on(office, moment.date(), moment, lang)

    def next_opening(self, office: Office, moment: datetime) -> datetime | None:
        """The next moment (from ``moment`` on) at which the office is open, within 3 weeks."""
        for offset in range(22):
            day = moment.date() + timedelta(days=offset)
            if self.holiday(day):
                continue
            for start, end in office.intervals_on(day):
                opening = datetime.combine(day, start)
                if offset == 0 and moment.time() >= end:
                    continue
                return max(opening, moment) if offset == 0 else opening
        return None

    @staticmethod
    def describe(moment: datetime, now: datetime, lang: str = "de") -> str:
        """'heute ab 14:00 Uhr', 'morgen ab 08:00 Uhr', 'am Montag, 28.12., ab 08:00 Uhr'; in another
        language the day and time as that language writes them (Babel's CLDR data): 'Mon, Dec 28, 8:00 AM'."""
        locale = babel_locale(lang)
        if locale == GERMAN:
            return f"{OfficeCalendar.day_name(moment.date(), now.date())} ab {moment:%H:%M} Uhr"
        return f"{format_skeleton('MMMEd', moment, locale=locale)}, {format_time(moment, 'short', locale=locale)}"

    @staticmethod
    def day_name(day: date, today: date, lang: str = "de") -> str:
        """'heute', 'morgen', 'am Montag, 28.12.,'; 'today', 'tomorrow', 'Monday, December 28'."""
        days = (day - today).days
        if days in (0, 1):
            return say("office_today" if days == 0 else "office_tomorrow", lang)
        locale = babel_locale(lang)
        weekday = get_day_names("wide", locale=locale)[day.weekday()]
        date_text = format_skeleton("dM" if locale == GERMAN else "MMMMd", day, locale=locale)
        return say("office_on_day", lang, weekday=weekday, date=date_text)


def week_text(office: Office, lang: str) -> str:
    """'Mo. 08:00-12:00, Di. 08:00-12:00 …' with the language's short day names; the hours as the
    knowledge base writes them (24-hour figures read in every language)."""
    names = get_day_names("abbreviated", locale=babel_locale(lang))
    return ", ".join(f"{names[n]} {office.opening_hours[day]}" for n, day in enumerate(WEEKDAYS)
                     if day in office.opening_hours)


# --- The day a question asks about ---------------------------------------------------------------

_DAYS = {name.lower(): n for n, name in enumerate(WEEKDAY_NAMES)} | {"sonnabend": 5}
# "samstags" is a Saturday; "morgens" and "am Morgen" are not tomorrow.
_DAY_WORD = re.compile(r"\b(?:(" + "|".join(_DAYS) + r")s?|(?<!am )(?<!jeden )(übermorgen|morgen))\b", re.IGNORECASE)
# "Tomorrow" as people type it (compared without diacritics, see _plain; the weekdays come from Babel).
_TOMORROW = {"en": ("tomorrow",), "tr": ("yarın",), "uk": ("завтра",), "ru": ("завтра",),
             "ar": ("غدا", "بكرة", "بكره"), "pl": ("jutro",), "ro": ("mâine",)}


def _plain(text: str) -> str:
    """Lower case without diacritics: 'Sâmbătă' -> 'sambata', 'środę' -> 'srode', 'yarın' -> 'yarin'."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ı", "i"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _weekday_stems(lang: str) -> tuple[tuple[str, int], ...]:
    """Weekday names without their last letter, so that inflected forms match ('субот' for 'суботу',
    'srod' for 'środę'); names of four letters or fewer stay whole ('cuma', 'luni'). Longest first: Turkish
    'pazartesi' (Monday) before 'pazar' (Sunday)."""
    stems = set()
    for context in ("format", "stand-alone"):
        for n, name in get_day_names("wide", context=context, locale=lang).items():
            plain = _plain(name)
            stems.add((plain[:-1] if len(plain) > 4 else plain, n))
    return tuple(sorted(stems, key=lambda s: -len(s[0])))


def _day_in_other_language(text: str, now: datetime, lang: str) -> date | None:
    words = re.findall(r"\w+", _plain(text))
    if {_plain(word) for word in _TOMORROW.get(lang, ())} & set(words):
        return now.date() + timedelta(days=1)
    for stem, weekday in _weekday_stems(lang):
        if any(w.startswith(stem) for w in words):
            return now.date() + timedelta(days=(weekday - now.weekday()) % 7)
    return None


def day_asked(text: str, now: datetime, lang: str = "de") -> date | None:
    """The day a question asks about: 'und am Samstag?', 'samstags', 'morgen' (the next such day); in
    another language also its own words ('on Saturday?', 'у суботу', 'yarın'). German day words count
    in every language: people mix them in."""
    m = _DAY_WORD.search(text)
    if m and m.group(2):
        return now.date() + timedelta(days=1 if m.group(2).lower() == "morgen" else 2)
    if m:
        return now.date() + timedelta(days=(_DAYS[m.group(1).lower()] - now.weekday()) % 7)
    locale = babel_locale(lang)
    return None if locale == GERMAN else _day_in_other_language(text, now, locale)
