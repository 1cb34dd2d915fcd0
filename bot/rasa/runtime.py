"""Run Rasa (its own venv, its own process): train when stale, start, wait, stop.

Everything Rasa writes (models, caches, its HOME) stays under ``settings.rasa_home``;
telemetry is off.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from bot.rasa.client import RasaClient
from bot.settings import Settings
from retrieval.model.embedder import INTENT_PROMPT, planned_runtime

TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "components")


class RasaError(RuntimeError):
    pass


def training_hash(settings: Settings) -> str:
    """Hash of everything the trained model depends on (data, config, domain, components)."""
    digest = hashlib.sha256()
    root = settings.rasa_project
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    # The intent model is trained on the chat service's embeddings: a new model or runtime retrains.
    features = f"{settings.embedding_model}|{settings.embedding_dim}|{planned_runtime(settings)}|{INTENT_PROMPT}"
    digest.update(features.encode())
    return digest.hexdigest()[:16]


def model_file(settings: Settings) -> Path:
    return (settings.rasa_home / "models" / f"kommunalbot-{training_hash(settings)}.tar.gz").resolve()


def rasa_env(settings: Settings, app_url: str, token: str) -> dict[str, str]:
    home = settings.rasa_home.resolve()
    (home / "home").mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{settings.rasa_venv.resolve()}/bin:{os.environ.get('PATH', '')}",
        "HOME": str(home / "home"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "MPLCONFIGDIR": str(home / "cache" / "matplotlib"),
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(home / "cache" / "rasa"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(settings.rasa_project.resolve()),
        "KOMMUNALBOT_EMBED_URL": f"{app_url}/internal/nlu-embeddings",
        "KOMMUNALBOT_ACTION_URL": f"{app_url}/webhook",
        "KOMMUNALBOT_INTERNAL_TOKEN": token,
        "LANG": "C.UTF-8",
    }


def _rasa(settings: Settings) -> str:
    binary = settings.rasa_venv.resolve() / "bin" / "rasa"
    if not binary.exists():
        raise RasaError(f"Rasa fehlt in {settings.rasa_venv}. Bitte `scripts/setup` ausführen.")
    return str(binary)


def train_if_stale(settings: Settings, app_url: str, token: str) -> Path:
    """Train when no model for the current training data exists; return the model file."""
    target = model_file(settings)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    project = settings.rasa_project.resolve()
    cmd = [_rasa(settings), "train", "--config", str(project / "config.yml"), "--domain", str(project / "domain.yml"),
           "--data", str(project / "data"), "--out", str(target.parent), "--fixed-model-name", target.name[:-7]]
    result = subprocess.run(cmd, cwd=settings.rasa_home.resolve(), env=rasa_env(settings, app_url, token),
                            capture_output=True, text=True)
    if result.returncode != 0 or not target.exists():
        raise RasaError(f"rasa train fehlgeschlagen:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    for old in target.parent.glob("kommunalbot-*.tar.gz"):
        if old != target:
            old.unlink()
    return target


def endpoints_and_env(settings: Settings) -> tuple[Path, dict[str, str]]:
    """The endpoints file for `rasa run` and the variables it needs.

    With shared stores configured this is endpoints.production.yml, exactly as in the
    containers (docker-compose.yml sets the same RASA_* variables).
    """
    project = settings.rasa_project.resolve()
    if not settings.rasa_tracker_store_url:
        return project / "endpoints.yml", {}
    db = urlsplit(settings.rasa_tracker_store_url)
    redis = urlsplit(settings.rasa_lock_store_url or "redis://127.0.0.1:6379/0")
    env = {"RASA_DB_HOST": db.hostname or "", "RASA_DB_PORT": str(db.port or 5432), "RASA_DB_NAME": db.path.lstrip("/"),
           "RASA_DB_USER": db.username or "", "RASA_DB_PASSWORD": db.password or "",
           "RASA_REDIS_HOST": redis.hostname or "", "RASA_REDIS_PORT": str(redis.port or 6379),
           "RASA_REDIS_DB": redis.path.lstrip("/") or "0"}
    return project / "endpoints.production.yml", env


class RasaServer:
    """A `rasa run` subprocess on loopback, with the REST channel and the HTTP API."""

    def __init__(self, settings: Settings, model: Path, app_url: str, token: str, port: int = 5005):
        self.settings, self.model, self.app_url, self.token, self.port = settings, model, app_url, token, port
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = settings.rasa_home.resolve() / "rasa.log"

    def start(self) -> None:
        project = self.settings.rasa_project.resolve()
        endpoints, extra_env = endpoints_and_env(self.settings)
        # "--auth-token=…" in one argument: a token may begin with "-" (token_urlsafe does, one
        # time in 64), and as a separate argument Rasa's parser would take it for an option.
        cmd = [_rasa(self.settings), "run", "--enable-api", "--model", str(self.model), "--port", str(self.port),
               "--interface", "127.0.0.1", "--endpoints", str(endpoints), f"--auth-token={self.token}",
               "--credentials", str(project / "credentials.yml")]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(cmd, cwd=self.settings.rasa_home.resolve(),
                                        env={**rasa_env(self.settings, self.app_url, self.token), **extra_env},
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, client: RasaClient, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RasaError(f"Rasa ist beim Start beendet worden; siehe {self.log_path}")
            if client.is_ready():
                return
            time.sleep(1.0)
        raise RasaError(f"Rasa nicht innerhalb von {timeout:.0f} s bereit; siehe {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
