"""`swarmfi parse` and `swarmfi eval intents`."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

import click

from swarmfi.errors import RefusalError
from swarmfi.output import console, emit, to_json

_PARSER_HELP = "Parser backend: embedded (built in, no network), or a registered one such as llm."


@click.command("parse")
@click.option("--json", "as_json", is_flag=True, help="Print the canonical JSON (SCHEMA.md).")
@click.option("--parser", "parser_name", default="embedded", show_default=True, help=_PARSER_HELP)
@click.argument("text", required=False)
def parse_command(as_json: bool, parser_name: str, text: str | None) -> None:
    """Turn an instruction (English or Chinese) into the canonical intent.

    With TEXT: prints the steps readably, or the canonical JSON with --json. A
    refusal exits 2 with its message, except under --json, where the refusal's
    JSON is printed and the exit status is 0.

    Without TEXT (or with TEXT "-"): reads stdin, one instruction per line, and
    writes exactly one JSON object per line in the same order; an empty line is
    refused as invalid. Refusals are data here: the exit status is 0.
    """
    from swarmfi.intent.parsers import get_parser, parse_dict

    get_parser(parser_name)  # unknown name -> UserInputError before reading input
    if text is None or text == "-":
        _parse_lines(parser_name)
        return
    result = parse_dict(text, parser_name)
    if "error" in result and not as_json:
        error = result["error"]
        raise RefusalError(error["kind"], f"refused ({error['kind']}): {error['message']}")
    emit(result, as_json, _render)


def _parse_lines(parser_name: str) -> None:
    from swarmfi.intent.parsers import parse_dict

    for line in sys.stdin:
        sys.stdout.write(to_json(parse_dict(line.rstrip("\r\n"), parser_name)) + "\n")
        sys.stdout.flush()


def _render(result: dict[str, Any]) -> None:
    for index, step in enumerate(result["steps"]):
        console.print(f"{index + 1}. {describe(step)}", highlight=False)
    schedule = result.get("schedule")
    if schedule:
        times = schedule["times"]
        every = _duration(schedule["every_seconds"])
        console.print(f"repeat every {every}" + (f", {times} times" if times else ", no end"))


def describe(step: dict[str, Any]) -> str:
    """One readable line for a canonical step."""
    text = _ACTIONS[step["action"]](step)
    when = step.get("when")
    if when:
        what = (
            "health factor"
            if when["metric"] == "health_factor"
            else (f"{when['token']} {when['metric'].replace('_', ' ')}")
        )
        value = f"{float(when['value']) * 100:g}%" if "apy" in when["metric"] else when["value"]
        text += f"  (when {what} {when['op']} {value})"
    return text


def _amount(amount: dict[str, Any], token: str | None = None) -> str:
    unit = f" {token}" if token else ""
    if "value" in amount:
        return f"{amount['value']}{unit}"
    if "usd" in amount:
        return f"${amount['usd']} of{unit}"
    share = f"{float(amount['fraction']) * 100:g}%"
    if "of_step" in amount:
        return f"{share} of{unit} from step {amount['of_step'] + 1}"
    return f"{share} of your{unit}"


def _swap(s: dict[str, Any]) -> str:
    measured = s["token_in"] if s["side"] == "in" else s["token_out"]
    verb = "spend" if s["side"] == "in" else "receive"
    slip = f", max slippage {float(s['slippage']) * 100:g}%" if s["slippage"] else ""
    return (
        f"swap {s['token_in']} -> {s['token_out']} ({verb} {_amount(s['amount'], measured)}){slip}"
    )


_ACTIONS = {
    "swap": _swap,
    "transfer": lambda s: f"send {_amount(s['amount'], s['token'])} to {s['to']}",
    "wrap": lambda s: f"wrap {_amount(s['amount'], 'ETH')} into WETH",
    "unwrap": lambda s: f"unwrap {_amount(s['amount'], 'WETH')} into ETH",
    "supply": lambda s: f"supply {_amount(s['amount'], s['token'])} to the lending market",
    "withdraw": lambda s: f"withdraw {_amount(s['amount'], s['token'])} from the lending market",
    "borrow": lambda s: f"borrow {_amount(s['amount'], s['token'])}",
    "repay": lambda s: f"repay {_amount(s['amount'], s['token'])} of debt",
    "add_liquidity": lambda s: (
        f"add {_amount(s['amount'], s['token_a'])} (+ {s['token_b']}) "
        f"to the {s['token_a']}/{s['token_b']} pool"
    ),
    "remove_liquidity": lambda s: (
        f"remove {_amount(s['amount'])} of the {s['token_a']}/{s['token_b']} LP position"
    ),
    "launch": lambda s: (
        f"launch {s['name']} ({s['symbol']}), supply {s['supply'] or 'default'}, "
        f"community {_pct(s['community_share'])}, FDV ${s['fdv_usd'] or 'default'}"
    ),
    "vote": lambda s: f"vote {s['support']} on proposal {s['proposal']}",
    "query": lambda s: f"show {s['query']}" + (f" of {s['token']}" if s["token"] else ""),
}


def _pct(value: str | None) -> str:
    return f"{float(value) * 100:g}%" if value else "default"


def _duration(seconds: int) -> str:
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


# ---- eval -------------------------------------------------------------------------


@click.group("eval")
def eval_group() -> None:
    """Measure parts of swarmfi against labelled cases."""


@eval_group.command("intents")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--min", "minimum", type=click.FloatRange(0, 1), default=0.95, show_default=True,
              help="Exit with status 1 when the accuracy is below this.")  # fmt: skip
@click.option("--parser", "parser_name", default="embedded", show_default=True, help=_PARSER_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def eval_intents(file: Path, minimum: float, parser_name: str, as_json: bool) -> None:
    """Run a parser over FILE.jsonl ({"text", "expect"} per line) and compare as
    SCHEMA.md says. Prints each failure as a diff, then the accuracy and counts;
    exits 1 when the accuracy is below --min, 2 on a bad file or line."""
    from swarmfi.intent.evaluate import evaluate, load_cases

    cases = load_cases(file)
    report = evaluate(cases, parser_name)
    emit(report, as_json, _render_report)
    if report["accuracy"] < minimum:
        raise click.exceptions.Exit(1)


def _render_report(report: dict[str, Any]) -> None:
    for failure in report["failures"]:
        console.print(
            f"[bold red]FAIL[/] line {failure['line']}: {failure['text']}", highlight=False
        )
        console.print(_diff(failure["expect"], failure["got"]), highlight=False, markup=False)
    console.print(
        f"accuracy {report['accuracy']:.4f}: {report['passed']}/{report['total']} passed, "
        f"{report['failed']} failed (parser {report['parser']}; refusals expected "
        f"{report['refusals_expected']}, refusals given {report['refusals_given']})",
        highlight=False,
    )


def _diff(expect: Any, got: Any) -> str:
    a = json.dumps(expect, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
    b = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
    lines = difflib.unified_diff(a, b, "expect", "got", lineterm="", n=1)
    return "\n".join(f"    {line}" for line in lines)


def register(group: click.Group) -> None:
    group.add_command(parse_command)
    group.add_command(eval_group)
