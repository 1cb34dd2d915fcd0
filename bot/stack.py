"""Start the whole product on one machine: the chat service (in this process) and Rasa.

Order: chat service first (Rasa's intent classifier needs its embeddings, even for training),
then `rasa train` if the model is stale, then `rasa run`. Shutdown in reverse.
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

import uvicorn

from bot.rasa.client import RasaClient
from bot.rasa.runtime import RasaServer, train_if_stale
from bot.settings import Settings


class AppServer:
    """uvicorn in a background thread."""

    def __init__(self, app, host: str, port: int):
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                                    timeout_graceful_shutdown=10))
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.url = f"http://{host}:{port}"

    def start(self, timeout: float = 300.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"Chat-Dienst auf {self.url} ist nicht gestartet")
            time.sleep(0.2)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class Stack:
    def __init__(self, settings: Settings, with_rasa: bool = True):
        token = settings.internal_token or secrets.token_urlsafe(24)
        self.settings = settings.model_copy(update={"internal_token": token})
        self.with_rasa = with_rasa
        self.app_server: AppServer | None = None
        self.rasa: RasaServer | None = None
        self.model: Path | None = None
        self.client = RasaClient(self.settings.rasa_url, self.settings.rasa_timeout_seconds, token)

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def start(self) -> Stack:
        from bot.main import create_app

        self.app_server = AppServer(create_app(self.settings), self.settings.host, self.settings.port)
        self.app_server.start()
        self.model = train_if_stale(self.settings, self.app_url, self.settings.internal_token)
        if self.with_rasa:
            port = int(self.settings.rasa_url.rsplit(":", 1)[1].split("/")[0])
            self.rasa = RasaServer(self.settings, self.model, self.app_url, self.settings.internal_token, port)
            self.rasa.start()
            self.rasa.wait_ready(self.client, self.settings.rasa_startup_seconds)
        return self

    def stop(self) -> None:
        if self.rasa:
            self.rasa.stop()
        if self.app_server:
            self.app_server.stop()
        self.client.close()

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
