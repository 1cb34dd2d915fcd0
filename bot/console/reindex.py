"""The editors' "Index neu aufbauen": `kommunalbot kb build` as its own process.

Embedding a whole knowledge base takes the CPU for minutes and loads a second copy of the model;
outside the web process it slows no citizen's turn and cannot take the service down. The chat
service picks up the new build as it picks up any (bot/live_index.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from typing import IO

from retrieval.settings import RetrievalSettings


def settings_env(settings: RetrievalSettings) -> dict[str, str]:
    """The service's retrieval settings as the child's environment: it builds exactly the index the
    service reads (same root, knowledge base, model and runtime)."""
    return {f"KOMMUNALBOT_{name.upper()}": str(value) for name in RetrievalSettings.model_fields
            if (value := getattr(settings, name)) is not None}


class ReindexJob:
    """At most one build at a time per process; its state for the console page."""

    def __init__(self, settings: RetrievalSettings):
        self.kb_dir = settings.kb_dir
        self.env = {**os.environ, **settings_env(settings), "COLUMNS": "300", "NO_COLOR": "1"}  # one line per message
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self.started_by: str | None = None
        self._output: list[str] | None = None
        self._log: IO[str] | None = None

    def start(self, by: str) -> bool:
        """Start a build unless one runs; False if one runs."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return False
            # A file, not a pipe: a large knowledge base prints more findings than a pipe holds,
            # and a full pipe would stop the build until someone read it.
            self._log = tempfile.TemporaryFile("w+", encoding="utf-8")
            self._process = subprocess.Popen(  # noqa: S603 - our own CLI with a configured path
                [sys.executable, "-m", "bot.cli", "kb", "build", str(self.kb_dir)],
                stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
            self.started_by, self._output = by, None
            return True

    def status(self) -> dict[str, object]:
        """{} before the first build; else running, and when done the result or the error."""
        with self._lock:
            process = self._process
            if process is None:
                return {}
            if process.poll() is None:
                return {"running": True, "by": self.started_by}
            if self._output is None and self._log is not None:
                self._log.seek(0)
                self._output = self._log.read().strip().splitlines()
                self._log.close()
            lines = self._output or []
        summary = next((line for line in reversed(lines) if line.startswith("Index ")), None)
        if process.returncode == 0 and summary:
            return {"running": False, "result": summary}
        return {"running": False, "error": lines[-1] if lines else f"Exit-Code {process.returncode}"}
