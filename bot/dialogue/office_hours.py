"""Office hours with public holidays: is an office open, what are today's hours, when next."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_skeleton, format_time

from retrieval.kb.offices import WEEKDAY_NAMES, Office


class OfficeCalendar:
    """Opening hours from offices.yaml, closed on the federal state's public holidays."""

    def __init__(self, federal_state: str, timezone: str = "Europe/Berlin"):
        self.holidays = holidays.country_holidays("DE", subdiv=federal_state, language="de")
        self.tz = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(self.tz).replace(tzinfo=None)

    def holiday(self, day: date) -> str | None:
        return self.holidays.get(day)

    def is_open(self, office: Office, moment: datetime) -> bool:
        return not self.holiday(moment.date()) and office.is_open(moment)

    def hours_on(self, office: Office, day: date, now: datetime) -> str:
        """'morgen 08:00–12:00 Uhr', 'am Samstag, 28.11., geschlossen', with public holidays."""
        when = self.day_name(day, now.date())
        name = self.holiday(day)
        return f"{when} geschlossen ({name})" if name else f"{when} {office.hours_text(day)}"

    def hours_today(self, office: Office, moment: datetime) -> str:
        name = self.holiday(moment.date())
        if name:
            return f"heute geschlossen ({name})"
        if not office.opening_hours:
            return office.note or "Öffnungszeiten siehe Webseite"
        return f"heute {office.hours_text(moment.date())}"

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
        if lang.startswith("de"):
            return f"{OfficeCalendar.day_name(moment.date(), now.date())} ab {moment:%H:%M} Uhr"
        locale = lang.split("-")[0]
        return f"{format_skeleton('MMMEd', moment, locale=locale)}, {format_time(moment, 'short', locale=locale)}"

    @staticmethod
    def day_name(day: date, today: date) -> str:
        """'heute', 'morgen', 'am Montag, 28.12.,'."""
        days = (day - today).days
        return "heute" if days == 0 else "morgen" if days == 1 else f"am {WEEKDAY_NAMES[day.weekday()]}, {day:%d.%m.},"


_DAYS = {name.lower(): n for n, name in enumerate(WEEKDAY_NAMES)} | {"sonnabend": 5}
# "samstags" is a Saturday; "morgens" and "am Morgen" are not tomorrow.
_DAY_WORD = re.compile(r"\b(?:(" + "|".join(_DAYS) + r")s?|(?<!am )(?<!jeden )(übermorgen|morgen))\b", re.IGNORECASE)


def day_asked(text: str, now: datetime) -> date | None:
    """The day a question asks about: 'und am Samstag?', 'samstags', 'morgen' (the next such day)."""
    m = _DAY_WORD.search(text)
    if not m:
        return None
    if m.group(2):
        return now.date() + timedelta(days=1 if m.group(2).lower() == "morgen" else 2)
    return now.date() + timedelta(days=(_DAYS[m.group(1).lower()] - now.weekday()) % 7)
