"""Problems found in knowledge-base files, reported as ``file:line: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "Warnung: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class KnowledgeBaseFileError(ValueError):
    """A knowledge-base file cannot be used; carries every finding for it."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))
