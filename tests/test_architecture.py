"""The layer rules of docs/architecture.md, checked: Python imports by import-linter (contracts in
pyproject.toml), the widget's use of the API by reading its sources."""

from __future__ import annotations

import re

from importlinter.cli import lint_imports

from tests.conftest import PROJECT_ROOT

WIDGET_SOURCES = PROJECT_ROOT / "widget/src"


def test_python_layer_contracts_hold():
    assert lint_imports(config_filename=str(PROJECT_ROOT / "pyproject.toml")) == 0


def test_only_api_js_knows_the_api():
    """fetch, EventSource and the API's paths appear in api.js and nowhere else in the widget."""
    api_use = re.compile(r"\bfetch\(|\bEventSource\(|/api/chat")
    users = sorted(p.name for p in WIDGET_SOURCES.glob("*.js") if api_use.search(p.read_text(encoding="utf-8")))
    assert users == ["api.js"]
