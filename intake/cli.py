"""The `intake` command: parse options, load the config, set up logging once, call one function.

Exit codes (README, cron; intake.faults): 0 ok (also: another run holds the lock) · 1 fix something
(config, login, TLS/port, store, disk) · 2 usage · 3 finished, but some messages failed ·
4 try again later (mailbox unreachable or gone mid-run: committed results are kept).
Errors are mapped to exit codes in one place, IntakeGroup.invoke: one line on stderr, the same line in
the log file, no traceback (except in the log file, for a bug).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import click

from core.documents import DocumentError, ParsedForm
from intake import __version__
from intake.config import Config, demo_config, load_config
from intake.faults import EXIT_FAILED, EXIT_OK

__all__ = ["DEMO_DIR", "main"]

log = logging.getLogger("intake")

DEMO_DIR = "intake-demo"
_DATA_DIR = "intake.data_dir"  # ctx.meta key: where the loaded config keeps its store (to name files)


class IntakeGroup(click.Group):
    """Maps exceptions to exit codes: a known fault prints its one line; anything else is a bug."""

    def invoke(self, ctx: click.Context) -> Any:
        from intake.lock import LockBusy

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except LockBusy as err:
            # cron starts the next run while a long one is still going: nothing is wrong, nothing to say
            log.info("%s: this run does nothing", err)
            ctx.exit(EXIT_OK)
        except Exception as err:
            from intake.faults import describe
            from intake.logs import FILE_ONLY, pop_file_error

            fault = describe(err, ctx.meta.get(_DATA_DIR))
            if _DATA_DIR in ctx.meta:  # the config was read, so the log file is open: the same line there
                log.error("%s", fault.message, extra=FILE_ONLY, exc_info=err if fault.bug else None)
            unlogged = pop_file_error()
            click.echo(f"intake: {fault.message}" + (f" (and {unlogged})" if unlogged else ""), err=True)
            ctx.exit(fault.exit_code)


def _config_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("config.toml"),
        show_default=True,
        help="Configuration file.",
    )(f)


def _log_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--verbose", "-v", is_flag=True, help="Debug logging.")(f)
    return click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors on stderr (cron).")(f)


def _setup(config: Config | None, *, quiet: bool, verbose: bool) -> None:
    from intake.datadir import check_writable, umask_for
    from intake.logs import defer_file_errors, register_secret, setup_logging

    ctx = click.get_current_context(silent=True)
    if config is not None:
        check_writable(config.data_dir)  # a read-only data_dir: one line naming it, before any log
        # Private before the first file (the log) is created, whatever the umask cron or the shell had.
        old = os.umask(umask_for(config.intake.group))
        if ctx is not None:
            ctx.meta[_DATA_DIR] = config.data_dir
            ctx.call_on_close(lambda: os.umask(old))  # in-process callers (tests) get theirs back
    setup_logging(
        data_dir=config.data_dir if config else None,
        verbose=verbose,
        quiet=quiet,
        tz=config.intake.timezone if config else None,
    )
    if ctx is not None:  # after setup_logging, which resets it: the CLI says a log failure itself, once
        defer_file_errors()
        # on the group's context: it closes after IntakeGroup.invoke has joined a failure to its line
        ctx.find_root().call_on_close(_report_log_failure)
    if config is not None:  # whatever the source kind: the 授权码 must never reach a log
        register_secret(os.environ.get(config.mailbox.password_env))


def _report_log_failure() -> None:
    from intake.logs import pop_file_error

    line = pop_file_error()
    if line:
        click.echo(f"intake: {line}", err=True)


def _load(config_path: Path, quiet: bool, verbose: bool) -> Config:
    config = load_config(config_path)
    _setup(config, quiet=quiet, verbose=verbose)
    return config


@click.group(cls=IntakeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message="intake %(version)s")
def main() -> None:
    """intake: turns the office mailbox of 申报表 submissions into a review workbook, an HTML summary and a
    JSON-lines export.  Exit codes: 0 ok, 1 fix something (config, login, store, disk), 2 usage,
    3 finished but some messages failed, 4 try again later (mailbox unreachable)."""


# ---------------------------------------------------------------- run / rerun / report / export


def _report_summary(summary: Any, quiet: bool) -> None:
    """The run's line on stdout (the log has it too; warnings and errors were logged as they happened)."""
    if quiet:
        return
    click.echo(summary.line())
    for name, path in summary.outputs.items():
        click.echo(f"  {name}: {path}")


@main.command("run")
@_config_option
@click.option(
    "--dry-run", is_flag=True, help="Fetch and parse, write outputs to a temporary folder, store untouched."
)
@click.option("--notify", "with_notify", is_flag=True, help="Then draft the notices due (see `notify`).")
@click.option("--send", is_flag=True, help='With --notify and notify.mode = "smtp": send them.')
@_log_options
@click.pass_context
def run_command(
    ctx: click.Context,
    config_path: Path,
    dry_run: bool,
    with_notify: bool,
    send: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Fetch new mail, parse the forms, update the store and rebuild the outputs (cron runs this)."""
    from intake.run import run_intake

    if send and not with_notify:
        raise click.UsageError("--send is for --notify")
    if dry_run and with_notify:
        raise click.UsageError("--notify with --dry-run: use `intake notify --dry-run` to see the notices")
    config = _load(config_path, quiet, verbose)
    summary = run_intake(config, mode="run", dry_run=dry_run, show_progress=not quiet)
    _report_summary(summary, quiet)
    code = summary.exit_code
    if with_notify:
        code = max(code, _notify(config, send=send, quiet=quiet))
    ctx.exit(code)


def _notify(config: Config, *, send: bool, quiet: bool, retry_unconfirmed: bool = False) -> int:
    from intake.notify import notify

    result = notify(config, send=send, retry_unconfirmed=retry_unconfirmed)
    if not quiet:
        verb = "sent" if result.channel == "smtp" else f"drafted in {result.folder or 'the drafts folder'}"
        click.echo(
            f"notices: {result.done} {verb}, {result.recovered} recovered, {result.failed} failed, "
            f"{result.unconfirmed} unconfirmed, {result.already} done before, {result.skipped} mails without one"
        )
    if result.aborted:
        click.echo(f"intake: notices: {result.aborted}", err=True)
    return result.exit_code


@main.command("notify")
@_config_option
@click.option("--dry-run", is_flag=True, help="Print the notices that are due; draft and send nothing.")
@click.option("--send", is_flag=True, help='notify.mode = "smtp": really send them.')
@click.option(
    "--preview",
    metavar="FORM_OR_MAIL",
    help="Print the notice of one mail (message key, Message-ID or 表单编号).",
)
@click.option(
    "--retry-unconfirmed",
    is_flag=True,
    help="smtp: send again the notices whose earlier sending was cut off (check the sent mail first).",
)
@_log_options
@click.pass_context
def notify_command(
    ctx: click.Context,
    config_path: Path,
    dry_run: bool,
    send: bool,
    preview: str | None,
    retry_unconfirmed: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Draft a receipt (回执) or 补正通知 for every stored mail that should get one, once (exit 3 if one failed)."""
    from intake.notify import notify, print_notices
    from intake.notify import preview as preview_notice

    config = _load(config_path, quiet, verbose)
    if preview is not None:
        click.echo(preview_notice(config, preview), nl=False)
        ctx.exit(EXIT_OK)
    if dry_run:
        result = notify(config, send=send, dry_run=True)
        print_notices(result.planned_notices, sys.stdout)
        click.echo(
            f"{result.planned} notice(s) due, {result.already} done before, {result.skipped} mails without one"
        )
        ctx.exit(EXIT_OK)
    ctx.exit(_notify(config, send=send, quiet=quiet, retry_unconfirmed=retry_unconfirmed))


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


@main.command("rerun")
@_config_option
@click.option(
    "--since", callback=_parse_day, metavar="YYYY-MM-DD", help="First day (inclusive, office time zone)."
)
@click.option(
    "--until", callback=_parse_day, metavar="YYYY-MM-DD", help="Last day (inclusive, office time zone)."
)
@click.option("--force", is_flag=True, help="Recompute even messages whose bytes and rules are unchanged.")
@click.option("--dry-run", is_flag=True, help="Write outputs to a temporary folder, store untouched.")
@_log_options
@click.pass_context
def rerun_command(
    ctx: click.Context,
    config_path: Path,
    since: date | None,
    until: date | None,
    force: bool,
    dry_run: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Process the mail received in a date range again (after a rule change) and replace its results."""
    from intake.run import run_intake

    if since and until and since > until:
        raise click.UsageError("--since is after --until")
    summary = run_intake(
        _load(config_path, quiet, verbose),
        mode="rerun",
        since=since,
        until=until,
        force=force,
        dry_run=dry_run,
        show_progress=not quiet,
    )
    _report_summary(summary, quiet)
    ctx.exit(summary.exit_code)


@main.command("report")
@_config_option
@click.option(
    "--bundle",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write workbook, originals, review pages and summary into folder DIR (links work anywhere).",
    metavar="DIR",
)
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write that folder as one zip file FILE (for e-mail or a shared drive).",
    metavar="FILE",
)
@_log_options
def report_command(
    config_path: Path, bundle: Path | None, zip_path: Path | None, quiet: bool, verbose: bool
) -> None:
    """Rebuild the workbook, HTML summary and export from the store (no mail access)."""
    from intake.run import rebuild_outputs

    outputs = rebuild_outputs(_load(config_path, quiet, verbose), bundle=bundle, zip_path=zip_path)
    if not quiet:
        for name, path in outputs.items():
            click.echo(f"{name}: {path}")


@main.command("export")
@_config_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically) instead of stdout.",
)
@_log_options
def export_command(config_path: Path, output: Path | None, quiet: bool, verbose: bool) -> None:
    """Print every stored message as JSON lines (the export contract in README.md)."""
    from intake.run import export

    export(_load(config_path, quiet, verbose), output, sys.stdout)


@main.command("status")
@_config_option
@click.pass_context
def status_command(ctx: click.Context, config_path: Path) -> None:
    """The last run's time, result and counts, and any standing problem (missing component, login failing
    since ..., failed messages). Exits with the last scheduled run's exit code: 0 when it went well."""
    from intake.lock import holder
    from intake.status import status

    config = load_config(config_path)
    ctx.meta[_DATA_DIR] = config.data_dir
    result = status(config, running_pid=holder(config.data_dir))
    for line in result.lines:
        click.echo(line)
    ctx.exit(result.exit_code)


# ---------------------------------------------------------------- demo


@main.command("demo")
@_log_options
@click.pass_context
def demo_command(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """Build a demo mailbox under ./intake-demo/, run the pipeline on it and print where the outputs are."""
    from intake.run import prepare_demo, run_intake

    config = demo_config(Path.cwd() / DEMO_DIR)
    mailbox = prepare_demo(config)
    _setup(config, quiet=quiet, verbose=verbose)
    summary = run_intake(config)
    _report_summary(summary, quiet)
    # No server here: notices are drafted into the demo Maildir's own drafts folder (mailbox/.Drafts).
    code = max(summary.exit_code, _notify(config, send=False, quiet=quiet))
    if not quiet:
        click.echo(
            f"demo mailbox: {mailbox} (notices: {mailbox / '.Drafts' / 'cur'})\n"
            f"open the workbook: {config.report.workbook}"
        )
    ctx.exit(code)


# ---------------------------------------------------------------- parse


def _form_json(doc_name: str, kind: str, result: ParsedForm | DocumentError, debug: bool) -> dict[str, Any]:
    """One parsed file as `intake parse` prints it (`error` when unreadable)."""
    if isinstance(result, DocumentError):
        return {"source": doc_name, "kind": kind, "error": result.reason}
    out: dict[str, Any] = {
        "source": result.source,
        "kind": result.kind,
        "is_form": result.is_form,
        "fields": result.fields.to_json(),
        "problems": [asdict(p) for p in result.problems],
        "pdf": asdict(result.pdf) if result.pdf else None,
        "note": result.note,
    }
    if debug:
        out["raw_pairs"] = [list(p) for p in result.raw_pairs]
        out["evidence"] = {k: asdict(e) for k, e in result.evidence.items()}
        if result.scan:  # what OCR saw: every box it recognised, with the recogniser's confidence
            out["ocr"] = [_ocr_page(page) for page in result.scan]
    return out


def _ocr_page(page: Any) -> dict[str, Any]:
    boxes = sorted(page.pieces, key=lambda p: (p.box[1], p.box[0]))
    return {
        "page": page.index + 1,
        "turned_degrees": page.turned * 90,
        "skew_degrees": page.angle,
        "seal": page.seal,
        "seal_text": page.seal_text,
        "table_cells": len(page.cells),
        "complete": page.complete,
        "boxes": [
            {"text": p.text, "confidence": p.confidence, "box": list(p.box), "kind": p.kind} for p in boxes
        ],
    }


@main.command("parse")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--debug",
    is_flag=True,
    help="Add the raw label/value pairs the parser found and, for scans, every OCR'd box with its confidence.",
)
@_log_options
@click.pass_context
def parse_command(ctx: click.Context, files: Sequence[Path], debug: bool, quiet: bool, verbose: bool) -> None:
    """Parse Word/PDF/image 申报表 files and print one JSON object per file (exit 3 if one is unreadable)."""
    from intake.parsing import parse_files

    _setup(None, quiet=quiet, verbose=verbose)
    results = parse_files(files)
    for doc, result in results:
        click.echo(
            json.dumps(_form_json(doc.name, doc.kind, result, debug), ensure_ascii=False, sort_keys=True)
        )
    ctx.exit(EXIT_FAILED if any(isinstance(r, DocumentError) for _, r in results) else EXIT_OK)


# ---------------------------------------------------------------- check / attachments


@main.command("check")
@_config_option
def check_command(config_path: Path) -> None:
    """Test the mailbox connection (connect, log in, send ID, list folders) and the optional components
    (LibreOffice, a RAR tool, CJK fonts); exit 1 when something must be fixed."""
    from intake.check import run_check

    sys.exit(run_check(config_path))


@main.command("attachments")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def attachments_command(files: Sequence[Path]) -> None:
    """Print each attachment of FILE.eml... (decoded name, kind, size, sha256, archive members) as JSON."""
    from intake.archive import describe_message

    result = {str(f): describe_message(f.read_bytes()) for f in files}
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
