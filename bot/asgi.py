"""ASGI entry point for production servers: ``uvicorn bot.asgi:app --workers N``.

Every worker reads the same settings (environment / kommunalbot.toml). With several workers set
``database_url`` (PostgreSQL), ``redis_url``, ``session_secret`` and ``internal_token`` so that
all of them share state; Rasa runs as its own service (see Dockerfile, docker-compose.yml).
"""

from bot.logging_config import configure_logging
from bot.main import create_app
from bot.settings import get_settings

_settings = get_settings()
configure_logging(_settings.log_format == "json", _settings.log_level)
app = create_app(_settings)
