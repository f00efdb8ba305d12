"""Export the JSON Schema of canonical intent JSON to docs/intent.schema.json.

python -m swarmfi.intent.schema            # rewrite docs/intent.schema.json
python -m swarmfi.intent.schema --check    # exit 1 when the file is stale
python -m swarmfi.intent.schema --stdout   # print it
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "docs" / "intent.schema.json"


def render() -> str:
    """The schema file's exact text (stable key order, trailing newline)."""
    from swarmfi.intent.types import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--stdout" in args:
        sys.stdout.write(text)
        return 0
    if "--check" in args:
        current = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""
        if current != text:
            print(f"{DEFAULT_PATH} is stale: run `python -m swarmfi.intent.schema`")
            return 1
        return 0
    DEFAULT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DEFAULT_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
