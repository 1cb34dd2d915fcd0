"""Rasa 3.6 checks every response of the action server against its JSON schema with
``jsonschema.validate``, which first checks the schema itself, the large events schema, on every
call: about 40 % of Rasa's CPU time per citizen message (py-spy on benchmarks/turn_latency.py).

The same check with the validator built once. A response that fails goes through Rasa's own
method, so the error (and its message) is exactly Rasa's. Imported by the turn channel, which Rasa
loads at start; written for Rasa 3.6 (pinned in bot/rasa/env).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import validators
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction

_rasas_check = RemoteAction._validate_action_result


@cache
def _validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    return True if _validator().is_valid(result) else _rasas_check(self, result)


RemoteAction._validate_action_result = _validate_action_result
