"""`swarmfi ledger show | verify | export`: read, check and export the ledger.

`verify` exits 0 when the chain is intact and 1 when any record is altered,
missing or reordered (naming the first bad seq); a file that is not a ledger at
all is a StateError (exit 2).
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from swarmfi import paths
from swarmfi.errors import UserInputError
from swarmfi.ledger.store import KINDS, Ledger, Record
from swarmfi.ledger.summary import one_line
from swarmfi.ledger.verify import VerifyReport, check_jsonl
from swarmfi.output import console, emit

VERIFY_FAILED_EXIT = 1


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
    """Show the latest records, oldest first: what, when, which run, and a one-line summary
    (the full payloads, hashes and CIDs are in --json).

    Example: swarmfi ledger show --kind receipt --limit 10
    """
    path = _path(ledger_path)
    if not path.exists():
        emit({"ledger": str(path), "total": 0, "records": []}, as_json, _render_missing(path))
        return
    with Ledger(path, create=False) as ledger:
        if kind is not None:
            _check_kind(ledger, kind)
        records = ledger.records(run_id, kind, limit=limit or None)
        total = ledger.count(run_id, kind)
    data = {"ledger": str(path), "total": total, "records": [r.to_json() for r in records]}
    emit(data, as_json, lambda _: _render_records(path, records, total))


def known_kinds(ledger: Ledger) -> list[str]:
    """The kinds swarmfi writes and any other kind this ledger holds."""
    present = {row[0] for row in ledger._select("SELECT DISTINCT kind FROM records", ())}
    return sorted(set(KINDS) | present)


def _check_kind(ledger: Ledger, kind: str) -> None:
    kinds = known_kinds(ledger)
    if kind not in kinds:
        near = difflib.get_close_matches(kind, kinds, n=1)
        raise UserInputError(
            f"there is no record kind {kind!r}" + (f"; did you mean {near[0]!r}?" if near else ""),
            "use one of: " + ", ".join(kinds),
        )


def _render_missing(path: Path) -> Any:
    return lambda _: console.print(f"no ledger yet at {escape(str(path))}; nothing recorded")


def _render_records(path: Path, records: list[Record], total: int) -> None:
    console.print(escape(f"{path}: {len(records)} of {total} records"), highlight=False,
                  soft_wrap=True)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name, wide in (("seq", False), ("when (UTC)", False), ("what", False),
                       ("run", False), ("summary", True)):
        table.add_column(name, no_wrap=not wide, overflow="fold" if wide else "ellipsis",
                         ratio=1 if wide else None)
    for r in records:
        table.add_row(
            str(r.seq), r.ts[5:16].replace("T", " "), escape(r.kind), escape(_run(r.run_id)),
            escape(one_line(r.kind, r.payload)),
        )  # fmt: skip
    console.print(table)


def _run(run_id: str | None) -> str:
    """A run id cut to what tells runs apart: `20260509T073525-3f9a1c` -> `3f9a1c`."""
    if not run_id:
        return ""
    return run_id.rpartition("-")[2][:8] if "-" in run_id else run_id[:8]


@ledger_group.command("verify")
@click.option(
    "--jsonl", "jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None, help="Check an exported JSONL file instead of the ledger database.",
)  # fmt: skip
@_json_option
@_ledger_option
def verify(jsonl: Path | None, as_json: bool, ledger_path: Path | None) -> None:
    """Re-hash the chain (streamed, in bounded memory) and, when the ledger was anchored
    on Arweave, check it against its last anchor; exit 1 if any record was altered, removed
    or reordered.

    Example: swarmfi ledger verify --json
    """
    from swarmfi.ledger.export.anchor import check_last_anchor

    anchor = None
    if jsonl is not None:
        report = check_jsonl(jsonl)
    elif not _path(ledger_path).exists():
        report = VerifyReport(True, 0, None, (), str(_path(ledger_path)))
    else:
        with Ledger(_path(ledger_path), create=False) as ledger:
            report = ledger.verify()
            anchor = check_last_anchor(ledger)
    data = report.to_json() | {"anchor": anchor.to_json() if anchor else None}
    emit(data, as_json, lambda _: _render_report(report, anchor))
    if not report.ok or (anchor is not None and anchor.problems):
        raise click.exceptions.Exit(VERIFY_FAILED_EXIT)


def _render_report(report: VerifyReport, anchor: Any = None) -> None:
    _render_chain(report)
    if anchor is None:
        return
    if not anchor.problems:
        console.print(f"[green]ok[/]: record {anchor.seq} matches the Arweave anchor "
                      f"{escape(anchor.arweave_id)}", highlight=False)
        return
    console.print(f"[bold red]FAILED[/]: the ledger no longer matches its Arweave anchor "
                  f"{escape(anchor.arweave_id)}", highlight=False)
    for problem in anchor.problems:
        console.print(escape(f"  seq {problem.seq}: {problem.message}"), highlight=False)


def _render_chain(report: VerifyReport) -> None:
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
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True,
                                                         path_type=Path))
@click.option(
    "--car", "car_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Also (or only) write a CARv1 file for `ipfs dag import`: every payload a block "
    "under its CID, and a root linking the records in order.",
)  # fmt: skip
@click.option(
    "--payloads", "payload_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Also write each payload's bytes to DIR/<cid>.json (`ipfs add --cid-version=1` ready).",
)  # fmt: skip
@_json_option
@_ledger_option
def export(file: Path | None, car_file: Path | None, payload_dir: Path | None, as_json: bool,
           ledger_path: Path | None) -> None:
    """Write every record to FILE as JSONL (one canonical JSON record a line, CIDs
    included; FILE `-` is stdout) and/or to a CAR file with --car.

    Examples: swarmfi ledger export ledger.jsonl;  swarmfi ledger export - | gzip > l.gz;
    swarmfi ledger export --car ledger.car && ipfs dag import ledger.car
    """
    from swarmfi.ledger import scan
    from swarmfi.ledger.export.car import export_car
    from swarmfi.ledger.export.jsonl import export_jsonl, export_payloads, write_jsonl

    if file is None and car_file is None:
        raise UserInputError("nothing to export to", "give FILE (or - for stdout) and/or --car")
    to_stdout = file is not None and str(file) == "-"
    data: dict[str, Any] = {}
    with Ledger(_path(ledger_path), create=False) as ledger:
        upto = scan.last_seq(ledger)
        if file is not None:
            rows = scan.rows(ledger, upto=upto)
            count = write_jsonl(rows, sys.stdout.buffer) if to_stdout else export_jsonl(rows, file)
            data |= {"file": str(file), "records": count}
        if car_file is not None:
            data["car"] = {"file": str(car_file)} | export_car(
                scan.rows(ledger, upto=upto), car_file).to_json()
        if payload_dir is not None:
            export_payloads(scan.rows(ledger, upto=upto), payload_dir)
            data["payloads"] = str(payload_dir)
    if not to_stdout:
        emit(data, as_json, lambda d: _render_export(d))


def _render_export(data: dict[str, Any]) -> None:
    if "file" in data:
        console.print(escape(f"wrote {data['records']} records to {data['file']}"))
    if "car" in data:
        car = data["car"]
        console.print(escape(f"wrote {car['records']} records ({car['blocks']} blocks, "
                             f"{car['bytes']} bytes) to {car['file']}; root {car['root']}"),
                      highlight=False, soft_wrap=True)
    if "payloads" in data:
        console.print(escape(f"wrote the payloads to {data['payloads']}"))


def register(group: click.Group) -> None:
    from swarmfi.ledger.export.cli import register_exports

    register_exports(ledger_group)
    group.add_command(ledger_group)
