"""The ``kommunalbot`` command."""

from __future__ import annotations

import typer

from retrieval import cli as retrieval_cli
from retrieval.settings import get_retrieval_settings

app = typer.Typer(help="Kommunalbot: Bürgerfragen aus der Wissensbasis der Kommune beantworten.",
                  no_args_is_help=True)
retrieval_cli.register(app)


@app.command()
def demo() -> None:
    """Baut den Index der Wissensbasis und startet eine interaktive Suche im Terminal."""
    settings = get_retrieval_settings()
    retrieval_cli.run_build(settings.kb_dir, settings)
    retrieval_cli.interactive_search(settings)


if __name__ == "__main__":
    app()
