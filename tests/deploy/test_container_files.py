"""Docker cannot run here: lint the Dockerfile and check that every container command points at
files and entry points that exist. The commands themselves run in the scale-out tests."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(PROJECT_ROOT / ".venv/bin/hadolint")
    result = subprocess.run([hadolint, str(PROJECT_ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_targets_run_as_non_root_with_health_checks():
    stages = re.split(r"(?m)^FROM ", DOCKERFILE)
    targets = {re.match(r"\S+ AS (\S+)", stage).group(1): stage for stage in stages[1:] if " AS " in stage.splitlines()[0]}
    for name in ("app", "rasa"):
        assert re.search(r"(?m)^USER 10001", targets[name]), name
        assert "HEALTHCHECK" in targets[name] and "VOLUME" in targets[name]


def test_container_commands_reference_existing_files():
    paths = set(re.findall(r"/app/([\w./-]+\.(?:yml|py))", DOCKERFILE + yaml.safe_dump(COMPOSE)))
    assert "bot/rasa/endpoints.production.yml" in paths
    for path in paths:
        assert (PROJECT_ROOT / path).exists(), path
    assert "bot.asgi:app" in DOCKERFILE and (PROJECT_ROOT / "bot/asgi.py").exists()
    assert (PROJECT_ROOT / "docker/postgres-init.sql").exists()
    # Rasa's HTTP API is not open; with "=" a token beginning with "-" stays a value.
    assert '--auth-token=\\"$KOMMUNALBOT_INTERNAL_TOKEN\\"' in DOCKERFILE


def test_compose_services_and_order():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "redis", "init", "app", "rasa-train", "rasa"}
    assert services["app"]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert services["rasa"]["depends_on"]["rasa-train"]["condition"] == "service_completed_successfully"
    assert "kommunalbot model fetch" in services["init"]["command"][-1]  # the verified bootstrap of scripts/setup
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]


@pytest.mark.parametrize("variable", ["KOMMUNALBOT_ACTION_URL", "KOMMUNALBOT_INTERNAL_TOKEN", "RASA_DB_HOST", "RASA_REDIS_HOST"])
def test_production_endpoints_variables_are_set_by_compose(variable):
    endpoints = (PROJECT_ROOT / "bot/rasa/endpoints.production.yml").read_text(encoding="utf-8")
    assert "${" + variable + "}" in endpoints
    assert variable in COMPOSE["x-rasa-env"]
