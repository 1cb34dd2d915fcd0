"""The ``kommunalbot`` command."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.reports import cli as report_cli
from bot.settings import get_settings
from retrieval import cli as retrieval_cli

app = typer.Typer(help="Kommunalbot: Bürgerfragen aus der Wissensbasis der Kommune beantworten.",
                  no_args_is_help=True)
retrieval_cli.register(app)
report_cli.register(app)
rasa_app = typer.Typer(help="Rasa-Dialogschicht.", no_args_is_help=True)
app.add_typer(rasa_app, name="rasa")
staff_app = typer.Typer(help="Konten der Mitarbeiterkonsole.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
console, err = retrieval_cli.console, retrieval_cli.err


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Adresse des Chat-Dienstes")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port des Chat-Dienstes")] = None,
    terminal: Annotated[bool, typer.Option("--terminal", help="Zusätzlich im Terminal mit dem Bot chatten")] = False,
) -> None:
    """Baut den Index, startet Chat-Dienst und Rasa, wartet auf Bereitschaft; Strg+C beendet beides sauber."""
    from bot.stack import Stack

    settings = get_settings()
    updates = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = settings.model_copy(update=updates)
    from bot.logging_config import configure_logging

    configure_logging(settings.log_format == "json", settings.log_level)
    retrieval_cli.run_build(settings.kb_dir, settings, quiet=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with err.status("Starte Chat-Dienst und Rasa (beim ersten Mal wird Rasa trainiert) …"):
        stack = Stack(settings).start()
    try:
        base = f"http://{settings.host}:{settings.port}"
        console.print(f"Kommunalbot läuft. Demoseite mit Chat-Widget: {base}/  ·  Konsole: {base}/staff/  ·  "
                      f"API: {base}/docs  (Beenden mit Strg+C)")
        if terminal:
            terminal_chat(stack)
        else:
            stop.wait()
    finally:
        with err.status("Beende …"):
            stack.stop()


def terminal_chat(stack) -> None:
    """A chat through the real stack (Rasa, actions, retrieval) in the terminal."""
    import uuid

    from bot.chat.service import apology, reply_of
    from bot.i18n.detect import message_language
    from bot.rasa.client import RasaUnavailableError

    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    knowledge = stack.app_server.app.state.knowledge
    console.print("Schreiben Sie Ihre Frage (leere Eingabe oder Strg+D beendet).")
    lang = "de"
    while True:
        try:
            text = console.input("[bold]Sie> [/bold]").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if not text:
            return
        lang = text.startswith("/") and lang or message_language(text, lang)  # the conversation's so far
        try:
            metadata = {**knowledge.message_metadata(text, lang), "lang": lang}
            replies = [reply_of(item) for item in stack.client.send(sender, text, metadata).messages]
        except RasaUnavailableError:
            replies = [apology(lang)]
        for reply in replies:
            if reply.text:
                console.print(f"[cyan]Bot>[/cyan] {reply.text}", highlight=False)
            for i, button in enumerate(reply.buttons, start=1):
                console.print(f"     [{i}] {button.title}  ({button.payload})", highlight=False, markup=False)
            for source in reply.sources:
                console.print(f"     Quelle: {source.title} – {source.url}" + (f" (Stand: {source.date:%d.%m.%Y})" if source.date else ""),
                              highlight=False, markup=False)
            for link in reply.links:
                console.print(f"     {link.title}: {link.url}", highlight=False, markup=False)


@staff_app.command("add-user")
def staff_add_user(
    username: Annotated[str, typer.Argument(help="Benutzername für die Anmeldung")],
    role: Annotated[str, typer.Option(help="staff, editor oder admin")] = "staff",
    name: Annotated[Optional[str], typer.Option(help="Anzeigename (Standard: Benutzername)")] = None,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="Passwort (mindestens 10 Zeichen); ohne Option wird gefragt")] = "",
) -> None:
    """Legt ein Konto für die Mitarbeiterkonsole an."""
    from bot.console.auth import ROLES, hash_password
    from bot.db import repository as repo
    from bot.db.session import Database, migrate

    if role not in ROLES:
        err.print(f"[red]Unbekannte Rolle {role!r}; erlaubt: {', '.join(ROLES)}[/red]")
        raise typer.Exit(2)
    try:
        password_hash = hash_password(password)
    except ValueError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    settings = get_settings()
    migrate(settings.database_url)
    db = Database(settings.database_url)
    with db.session() as s:
        if repo.get_user(s, username):
            err.print(f"[red]Benutzer {username!r} gibt es schon.[/red]")
            raise typer.Exit(1)
        repo.create_user(s, username, name or username, password_hash, role)
    console.print(f"Konto {username!r} ({role}) angelegt.")


@rasa_app.command("train")
def rasa_train() -> None:
    """Trainiert das Rasa-Modell, wenn Trainingsdaten oder Konfiguration sich geändert haben."""
    from bot.stack import Stack

    settings = get_settings()
    retrieval_cli.run_build(settings.kb_dir, settings, quiet=True)
    with err.status("Trainiere Rasa, falls nötig …"):
        with Stack(settings, with_rasa=False) as stack:
            console.print(f"Rasa-Modell: {stack.model}")


@retrieval_cli.eval_app.command("dialogue")
def eval_dialogue(
    questions: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL-Fragen (Format von dev.jsonl)")],
    kb: Annotated[Path, typer.Option("--kb", exists=True, file_okay=False, help="Wissensbasis")],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Ergebnis je Frage als JSONL")] = None,
) -> None:
    """Jede Frage als neues Gespräch durch Rasa, Aktionen und Suche; Zusammenfassung der Ergebnisse."""
    from bot.dialogue_eval import evaluate_dialogue
    from bot.stack import Stack
    from retrieval.evaluation.evaluate import read_jsonl

    settings = retrieval_cli.eval_index_settings(get_settings(), kb)
    retrieval_cli.run_build(kb, settings, force=True, quiet=True)
    rows = read_jsonl(questions)
    with err.status("Starte Chat-Dienst und Rasa …"):
        stack = Stack(settings).start()
    try:
        with retrieval_cli._progress() as bar:
            task = bar.add_task("Gespräche", total=len(rows))
            knowledge = stack.app_server.app.state.knowledge
            report = evaluate_dialogue(stack.client, rows, lambda: bar.advance(task),
                                       lambda text, lang: [h.doc_id for h in knowledge.search(text, lang=lang).hits],
                                       knowledge.message_metadata)
    finally:
        stack.stop()
    s = report.summary
    if s.get("service", {}).get("n"):
        console.print(f"Leistungsfragen (n={s['service']['n']}): richtig {s['service']['ok_share']:.1%}, "
                      f"sicher falsch {s['service']['bad_share']:.1%}")
    if s.get("out_of_scope", {}).get("n"):
        console.print(f"Fachfremd (n={s['out_of_scope']['n']}): abgelehnt/übergeben {s['out_of_scope']['ok_share']:.1%}, "
                      f"beantwortet {s['out_of_scope']['bad_share']:.1%}")
    if s.get("handoff", {}).get("n"):
        console.print(f"Übergabe (n={s['handoff']['n']}): Recall {s['handoff']['ok_share']:.1%}")
    if s.get("smalltalk", {}).get("n"):
        console.print(f"Smalltalk (n={s['smalltalk']['n']}): richtige Reaktion {s['smalltalk']['ok_share']:.1%}")
    console.print("Was Bürgerinnen und Bürger erleben:")
    retrieval_cli.print_citizen_metrics(s["citizen"])
    if s.get("reply_in_citizens_language") is not None:
        console.print(f"Antwort in der Sprache der Frage: {s['reply_in_citizens_language']:.1%} der Züge")
    console.print(f"Antwortzeit je Zug: p50 {s['latency_ms']['p50']:.0f} ms, p95 {s['latency_ms']['p95']:.0f} ms")
    if json_out:
        json_out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in report.records), encoding="utf-8")


if __name__ == "__main__":
    app()
