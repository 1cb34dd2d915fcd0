"""YAML loading that remembers the line of every key, so errors can name the line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from retrieval.kb.findings import Finding

LinePath = tuple[str | int, ...]

# Pydantic error types, in the words an editor understands.
_MESSAGES = {
    "missing": "Pflichtfeld fehlt",
    "extra_forbidden": "unbekanntes Feld (Tippfehler?)",
    "date_from_datetime_parsing": "ungültiges Datum, erwartet JJJJ-MM-TT",
    "date_parsing": "ungültiges Datum, erwartet JJJJ-MM-TT",
    "date_type": "ungültiges Datum, erwartet JJJJ-MM-TT",
    "url_parsing": "ungültige URL",
    "url_scheme": "URL muss mit http:// oder https:// beginnen",
    "string_type": "erwartet einen Text",
    "list_type": "erwartet eine Liste",
    "dict_type": "erwartet eine Zuordnung (Schlüssel: Wert)",
    "literal_error": "unzulässiger Wert",
    "string_pattern_mismatch": "unzulässiges Format",
    "string_too_short": "darf nicht leer sein",
}


class _DatesAsTextLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic reports a bad date with its line
    (PyYAML itself would crash on 2026-13-45 with a bare ValueError)."""


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_with_lines(text: str, first_line: int = 1) -> tuple[Any, dict[LinePath, int]]:
    """Parse YAML; return the data and a map from key path to 1-based file line.

    ``first_line`` is the file line on which ``text`` starts. Raises yaml.YAMLError.
    """
    node = yaml.compose(text, Loader=_DatesAsTextLoader)
    data = yaml.load(text, Loader=_DatesAsTextLoader)  # noqa: S506 - a SafeLoader subclass
    lines: dict[LinePath, int] = {}

    def walk(n: yaml.Node, path: LinePath) -> None:
        lines.setdefault(path, n.start_mark.line + first_line)
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                key_path = (*path, str(key_node.value))
                lines[key_path] = key_node.start_mark.line + first_line
                walk(value_node, key_path)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, i))

    if node is not None:
        walk(node, ())
    return data, lines


def yaml_error_line(error: yaml.YAMLError, first_line: int = 1) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return (mark.line + first_line) if mark is not None else first_line


def line_for(lines: dict[LinePath, int], loc: Sequence[str | int], default: int) -> int:
    """The line of the deepest known key on ``loc``."""
    for end in range(len(loc), -1, -1):
        key = tuple(str(p) if isinstance(p, str) else p for p in loc[:end])
        if key in lines:
            return lines[key]
    return default


def validation_findings(
    error: ValidationError, path: Path, lines: dict[LinePath, int], default_line: int,
    loc_prefix: LinePath = (),
) -> list[Finding]:
    findings = []
    for e in error.errors():
        loc = (*loc_prefix, *e["loc"])
        field = ".".join(str(p) for p in e["loc"]) or "Eintrag"
        message = _MESSAGES.get(e["type"], e["msg"])
        if e["type"] == "value_error":
            message = str(e.get("ctx", {}).get("error", e["msg"]))
        findings.append(Finding(path, line_for(lines, loc, default_line), f"{field}: {message}"))
    return findings
