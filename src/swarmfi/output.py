"""Output helpers shared by every CLI command: `--json` or a Rich rendering."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def to_json(data: Any) -> str:
    """Compact, stable JSON: keys sorted, no ASCII escaping of Chinese text."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def emit(data: Any, as_json: bool, render: Callable[[Any], None] | None = None) -> None:
    """Print `data` as one JSON line when `as_json`, else through `render`."""
    if as_json or render is None:
        sys.stdout.write(to_json(data) + "\n")
        sys.stdout.flush()
    else:
        render(data)
