"""Embedded intent parser: parses per second on one core, and its import time.

Figure: `swarmfi.intent.parser.parse_canonical(text)` over every text in
tests/intent/data/dev.jsonl (the shared dev set), repeated for about two seconds,
one process pinned to one core.

Baseline, measured in the same run: the same texts through the typed path,
`swarmfi.intent.parse(text)`, which runs the same parser and then validates its
JSON into the pydantic models (what every LLM parser's output goes through).
The ratio shows what skipping pydantic on the hot path buys.

Import time: a fresh interpreter importing `swarmfi.intent.parser` (median of
5), against importing `swarmfi.intent.types` (pydantic and the models), which is
what the parser would cost if it built its results as pydantic models.

Aims (issue 4): at least 5,000 parses/s, import under 100 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "intent" / "data" / "dev.jsonl"


def _texts() -> list[str]:
    lines = DEV.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _rate(fn: Callable[[str], Any], texts: list[str], seconds: float = 2.0) -> float:
    for text in texts:  # warm up caches and lazy imports
        fn(text)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            fn(text)
        done += len(texts)
    return done / (time.perf_counter() - start)


def _import_ms(module: str, runs: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times) * 1000


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    sys.path.insert(0, str(ROOT / "src"))
    from swarmfi.intent import parse
    from swarmfi.intent.parser import parse_canonical

    texts = _texts()
    value = _rate(parse_canonical, texts)
    baseline = _rate(parse, texts)
    import_ms = _import_ms("swarmfi.intent.parser")
    import_baseline_ms = _import_ms("swarmfi.intent.types")
    print(f"embedded parser:          {value:,.0f} parses/s over {len(texts)} dev texts")
    print(f"baseline (typed, pydantic): {baseline:,.0f} parses/s")
    print(f"import swarmfi.intent.parser: {import_ms:.1f} ms (aim < 100 ms)")
    print(f"import swarmfi.intent.types:  {import_baseline_ms:.1f} ms (pydantic models)")
    result = {
        "figure": "intent_parse_rate",
        "value": round(value, 1),
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 2),
        "unit": "parses/s",
        "better": "higher",
        "import_ms": round(import_ms, 1),
        "import_baseline_ms": round(import_baseline_ms, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
