"""The bot's fixed replies (greeting, thanks, bot identity …) in the citizen's language.

Rasa's rules choose them; their texts come from the message catalogue (bot/i18n/), so they are
actions rather than domain responses: a domain response could only carry one language.
"""

from __future__ import annotations

from typing import Any

from bot.actions.protocol import Action, Dispatcher, Event, Tracker
from bot.i18n.catalogue import text as say
from bot.reply import BotMessage, Kind


class Say(Action):
    def __init__(self, name: str, msgid: str, kind: Kind = Kind.SMALLTALK):
        self.name, self.msgid, self.kind = name, msgid, kind

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        dispatcher.send(BotMessage(kind=self.kind, text=say(self.msgid, tracker.lang), lang=tracker.lang))
        return []


FIXED_REPLIES = (
    Say("action_greet", "greet"),
    Say("action_goodbye", "goodbye"),
    Say("action_thanks", "thanks"),
    Say("action_bot_identity", "bot_identity"),
    Say("action_feedback", "feedback"),
    Say("action_how_can_i_help", "how_can_i_help"),
    Say("action_ask_contact", "ask_contact", Kind.CONTACT_FORM),  # the contact form's question
    Say("action_not_understood", "not_understood", Kind.DECLINE),  # Rasa's core fallback (config.yml)
)
