"""Server-sent events as OpenAI streams them: `data: {json}` lines, blank line ends an event.

Pure and incremental: feed lines, get each event's data when it completes.
"""

from __future__ import annotations

DONE = "[DONE]"


class SSEDecoder:
    """Collects `data:` fields into events (multi-line data joined by newlines)."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> str | None:
        """Feed one line (without its newline); return an event's data when a blank line ends it."""
        line = line.rstrip("\r\n")
        if not line:
            return self.flush()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if field == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None

    def flush(self) -> str | None:
        """The pending event, if any (at a blank line or at the end of the stream)."""
        if not self._data:
            return None
        data, self._data = "\n".join(self._data), []
        return data
