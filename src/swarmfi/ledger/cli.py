"""`swarmfi ledger show | verify | export`: read, check and export the ledger.

`verify` exits 0 when the chain is intact and 1 when any record is altered,
missing or reordered (naming the first bad seq); a file that is not a ledger at
all is a StateError (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from swarmfi import paths
from swarmfi.ledger.store import Ledger, Record
from swarmfi.ledger.verify import VerifyReport, check_jsonl
from swarmfi.output import console, emit, to_json

VERIFY_FAILED_EXIT = 1
_SUMMARY_WIDTH = 70


def _ledger_option(func: Any) -> Any:
    return click.option(
        "--ledger",
        "ledger_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Ledger file to use [default: $SWARMFI_HOME/ledger.sqlite3, ~/.swarmfi/…].",
    )(func)


def _json_option(func: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(func)


def _path(ledger_path: Path | None) -> Path:
    return ledger_path if ledger_path is not None else paths.ledger_path()


@click.group("ledger")
def ledger_group() -> None:
    """The append-only, hash-chained record of every intent, plan and transaction."""


@ledger_group.command("show")
@click.option("--run", "run_id", default=None, help="Only records of this run id.")
@click.option("--kind", default=None, help="Only records of this kind (intent, plan, receipt…).")
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(min=0),
    help="Show the last N matching records; 0 shows all.",
)  # fmt: skip
@_json_option
@_ledger_option
def show(
    run_id: str | None, kind: str | None, limit: int, as_json: bool, ledger_path: Path | None
) -> None:
    """Show the latest records, oldest first."""
    path = _path(ledger_path)
    if not path.exists():
        emit({"ledger": str(path), "total": 0, "records": []}, as_json, _render_missing(path))
        return
    with Ledger(path, create=False) as ledger:
        records = ledger.records(run_id, kind, limit=limit or None)
        total = ledger.count(run_id, kind)
    data = {"ledger": str(path), "total": total, "records": [r.to_json() for r in records]}
    emit(data, as_json, lambda _: _render_records(path, records, total))


def _render_missing(path: Path) -> Any:
    return lambda _: console.print(f"no ledger yet at {escape(str(path))}; nothing recorded")


def _render_records(path: Path, records: list[Record], total: int) -> None:
    title = escape(f"{path} — {len(records)} of {total} records")
    table = Table(title=title, title_justify="left")
    for name in ("seq", "time (UTC)", "kind", "run", "payload", "cid"):
        wrap = name == "payload"
        table.add_column(name, overflow="fold" if wrap else "ellipsis", no_wrap=not wrap)
    for r in records:
        table.add_row(
            str(r.seq), r.ts[:19].replace("T", " "), escape(r.kind), escape(r.run_id or ""),
            escape(_summary(r.payload)), r.cid[:14] + "…",
        )  # fmt: skip
    console.print(table)


def _summary(payload: dict[str, Any]) -> str:
    text = to_json(payload)
    return text if len(text) <= _SUMMARY_WIDTH else text[: _SUMMARY_WIDTH - 1] + "…"


@ledger_group.command("verify")
@click.option(
    "--jsonl", "jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None, help="Check an exported JSONL file instead of the ledger database.",
)  # fmt: skip
@_json_option
@_ledger_option
def verify(jsonl: Path | None, as_json: bool, ledger_path: Path | None) -> None:
    """Re-hash the chain; exit 1 if any record was altered, removed or reordered."""
    if jsonl is not None:
        report = check_jsonl(jsonl)
    elif not _path(ledger_path).exists():
        report = VerifyReport(True, 0, None, (), str(_path(ledger_path)))
    else:
        with Ledger(_path(ledger_path), create=False) as ledger:
            report = ledger.verify()
    emit(report.to_json(), as_json, lambda _: _render_report(report))
    if not report.ok:
        raise click.exceptions.Exit(VERIFY_FAILED_EXIT)


def _render_report(report: VerifyReport) -> None:
    if report.ok:
        head = f"; head {report.head}" if report.head else ""
        where = escape(report.source)
        console.print(f"[green]ok[/]: {report.checked} records in {where} verified{head}")
        return
    console.print(
        f"[bold red]FAILED[/]: {escape(report.source)} — first bad record is seq "
        f"{report.first_bad_seq} "
        f"({len(report.problems)} problems in {report.checked} records)",
        highlight=False,
    )
    for problem in report.problems:
        line = f"  seq {problem.seq}: {problem.what}: {problem.message}"
        console.print(escape(line), highlight=False)
    console.print("Do not trust records from the first bad seq on; keep a copy for inspection.")


@ledger_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--payloads", "payload_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Also write each payload's bytes to DIR/<cid>.json (`ipfs add --cid-version=1` ready).",
)  # fmt: skip
@_json_option
@_ledger_option
def export(file: Path, payload_dir: Path | None, as_json: bool, ledger_path: Path | None) -> None:
    """Write every record to FILE as JSONL (one canonical JSON record a line, CIDs included)."""
    with Ledger(_path(ledger_path), create=False) as ledger:
        count = ledger.export(file, payload_dir)
    data = {"file": str(file), "records": count, "payloads": str(payload_dir or "")}
    emit(data, as_json, lambda _: console.print(escape(f"wrote {count} records to {file}")))


def register(group: click.Group) -> None:
    group.add_command(ledger_group)
