import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def load_cases(name: str) -> list[dict]:
    """The {"text", "expect"} cases of a JSONL file in tests/intent/data (or beside it)."""
    path = DATA / name if (DATA / name).exists() else Path(__file__).parent / name
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
