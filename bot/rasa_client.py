"""Client for the Rasa server: REST channel, tracker and status, with timeouts and typed errors."""

from __future__ import annotations

from typing import Any

import httpx

APOLOGY = ("Entschuldigung, der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten "
           "noch einmal – oder lassen Sie sich mit einer Mitarbeiterin oder einem Mitarbeiter verbinden.")


class RasaUnavailableError(RuntimeError):
    """Rasa did not answer in time or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 10.0, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)))
        self._params = {"token": token} if token else {}

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, f"{self.base_url}{path}", params=self._params, **kwargs)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise RasaUnavailableError(f"Rasa unter {self.base_url} antwortet nicht: {e}") from e

    def send(self, sender_id: str, text: str) -> list[dict[str, Any]]:
        """One user message through Rasa's REST channel; the bot's messages in order."""
        return self._request("POST", "/webhooks/rest/webhook", json={"sender": sender_id, "message": text}) or []

    def tracker(self, sender_id: str) -> dict[str, Any]:
        return self._request("GET", f"/conversations/{sender_id}/tracker")

    def is_ready(self) -> bool:
        try:
            status = self._request("GET", "/status")
        except RasaUnavailableError:
            return False
        return bool(status.get("model_file"))

    def close(self) -> None:
        self._client.close()
