"""Accuracy of a parser backend over labelled {"text", "expect"} JSONL cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmfi.errors import UserInputError


@dataclass(frozen=True)
class Case:
    """One labelled instruction; `line` is its 1-based line in the file."""

    line: int
    text: str
    expect: dict[str, Any]


def load_cases(path: Path) -> list[Case]:
    """Read and check a cases file; UserInputError names the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read {path}: {exc}", "give a UTF-8 JSONL file") from exc
    cases = [_case(path, n, line) for n, line in enumerate(lines, 1) if line.strip()]
    if not cases:
        raise UserInputError(f"{path} has no cases", 'add lines like {"text": ..., "expect": ...}')
    return cases


def _case(path: Path, n: int, line: str) -> Case:
    from swarmfi.intent.types import CanonicalError, from_canonical

    where = f"{path} line {n}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{where} is not JSON: {exc.msg}", "fix that line") from exc
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or "expect" not in data:
        raise UserInputError(f'{where} needs "text" (a string) and "expect"', "fix that line")
    try:
        from_canonical(data["expect"])
    except CanonicalError as exc:
        raise UserInputError(
            f"{where}: expect is not canonical: {exc.message}", "fix that line"
        ) from exc
    return Case(n, data["text"], data["expect"])


def _run(parser: str, text: str) -> dict[str, Any]:
    from swarmfi.intent.parsers import parse_dict

    try:
        return parse_dict(text, parser)
    except UserInputError:
        raise
    except Exception as exc:  # a backend failing on one case is a failed case
        return {"error": {"kind": "crash", "message": f"{type(exc).__name__}: {exc}"}}


def evaluate(cases: list[Case], parser: str = "embedded") -> dict[str, Any]:
    """Run `parser` over `cases`; a report with accuracy, counts and every failure."""
    from swarmfi.intent.comparing import compare

    failures, given = [], 0
    for case in cases:
        got = _run(parser, case.text)
        given += "error" in got
        if not compare(got, case.expect):
            failures.append(
                {"line": case.line, "text": case.text, "expect": case.expect, "got": got}
            )
    total = len(cases)
    return {
        "parser": parser,
        "total": total,
        "passed": total - len(failures),
        "failed": len(failures),
        "accuracy": (total - len(failures)) / total,
        "refusals_expected": sum("error" in c.expect for c in cases),
        "refusals_given": given,
        "failures": failures,
    }
