"""Helpers to run the product as separate processes, as in production."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT


class AppProcess:
    """`uvicorn bot.asgi:app` in its own process with the given KOMMUNALBOT_* environment."""

    def __init__(self, port: int, env: dict[str, str], log: Path):
        self.port, self.env, self.log = port, env, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 240) -> AppProcess:
        cmd = [str(PROJECT_ROOT / ".venv/bin/uvicorn"), "bot.asgi:app", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env={**os.environ, **self.env},
                                        stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"App-Prozess beendet: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError(f"App-Prozess nicht bereit: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
