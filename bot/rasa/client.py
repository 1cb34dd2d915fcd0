"""Client for the Rasa server: one call per citizen message (our turn channel) and the status,
with timeouts and typed errors."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ValidationError


class RasaUnavailableError(RuntimeError):
    """Rasa did not answer in time or answered with an error."""


class Intent(BaseModel):
    name: str | None = None
    confidence: float | None = None


class RasaTurn(BaseModel):
    """Rasa's answer to one message (bot/rasa/channels/turn_channel.py)."""

    messages: list[dict[str, Any]]
    intent: Intent = Intent()


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 10.0, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)))
        self._params = {"token": token} if token else {}  # Rasa's HTTP API
        self._headers = {"X-Internal-Token": token} if token else {}  # our turn channel

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, f"{self.base_url}{path}", params=self._params,
                                            headers=self._headers, **kwargs)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise RasaUnavailableError(f"Rasa unter {self.base_url} antwortet nicht: {e}") from e

    def send(self, sender_id: str, text: str, metadata: dict[str, Any] | None = None) -> RasaTurn:
        """One user message, with its metadata; the bot's messages in order and the turn's intent."""
        body = self._request("POST", "/webhooks/kommunalbot/webhook",
                             json={"sender": sender_id, "message": text, "metadata": metadata or {}})
        try:
            return RasaTurn.model_validate(body)
        except ValidationError as e:
            raise RasaUnavailableError(f"Rasa unter {self.base_url} antwortet unerwartet: {e}") from e

    def is_ready(self) -> bool:
        try:
            status = self._request("GET", "/status")
        except RasaUnavailableError:
            return False
        return bool(status.get("model_file"))

    def close(self) -> None:
        self._client.close()
