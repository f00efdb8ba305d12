import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from swarmfi.compute.usage import UsageStore
from swarmfi.errors import StateError
from swarmfi.ledger.store import Ledger
from swarmfi.sqlite import SqliteFile


class Notes(SqliteFile):
    application_id = 0x4E4F5445
    schema_version = 2
    schema = ("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",)
    what = "note file"
    busy_timeout_s = 0.2

    def __init__(self, path: Path, *, create: bool = True) -> None:
        super().__init__(path, create=create, missing_hint="write a note first")

    def add(self, body: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO notes (body) VALUES (?)", (body,))

    def bodies(self) -> list[str]:
        return [row[0] for row in self._select("SELECT body FROM notes ORDER BY id", ())]


def _raw(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_a_new_file_gets_its_identity_schema_and_wal(tmp_path):
    path = tmp_path / "deep" / "er" / "notes.sqlite3"
    with Notes(path) as notes:
        notes.add("hello")
        assert notes.bodies() == ["hello"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x4E4F5445
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with Notes(path) as again:
        assert again.bodies() == ["hello"]


def test_missing_file_without_create_is_refused_and_not_made(tmp_path):
    with pytest.raises(StateError, match="there is no note file at") as info:
        Notes(tmp_path / "none.sqlite3", create=False)
    assert info.value.hint == "write a note first"
    assert not (tmp_path / "none.sqlite3").exists()


@pytest.mark.parametrize(
    "statements",
    [
        ("CREATE TABLE songs (title TEXT)",),
        ("PRAGMA application_id = 1234",),
        ("PRAGMA application_id = 1234", "CREATE TABLE notes (id INTEGER)"),
    ],
)
def test_a_foreign_sqlite_file_is_refused_and_left_alone(tmp_path, statements):
    path = tmp_path / "other.db"
    _raw(path, *statements)
    before = path.read_bytes()
    with pytest.raises(StateError, match="an SQLite database of something else") as info:
        Notes(path)
    assert info.value.message.startswith(f"{path} is not a swarmfi note file")
    assert f"mv {path} {path}.bad" in info.value.hint
    assert path.read_bytes() == before


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite3"
    Notes(path).close()
    _raw(path, "PRAGMA user_version = 3")
    with pytest.raises(StateError, match="written by a newer swarmfi \\(schema 3\\)") as info:
        Notes(path)
    assert str(path) in info.value.message
    assert "upgrade swarmfi" in info.value.hint


@pytest.mark.parametrize(
    ("opener", "message", "hint"),
    [
        (Notes, "{path} is not a swarmfi note file: ", "mv {path} {path}.bad"),
        (UsageStore, "cannot open the usage database {path}: ", "$SWARMFI_USAGE_DB elsewhere"),
    ],
)
def test_a_corrupt_file_is_a_state_error_naming_the_path(tmp_path, opener, message, hint):
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"not an sqlite file, only text " * 200)
    with pytest.raises(StateError) as info:
        opener(path)
    assert info.value.message.startswith(message.format(path=path))
    assert hint.format(path=path) in info.value.hint


def test_an_unopenable_path_is_a_state_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way of a directory")
    with pytest.raises(StateError, match="cannot open the note file") as info:
        Notes(blocker / "notes.sqlite3")
    assert str(blocker / "notes.sqlite3") in info.value.message


def test_a_held_write_lock_is_a_state_error_after_the_busy_timeout(tmp_path):
    path = tmp_path / "notes.sqlite3"
    notes = Notes(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StateError, match=r"stayed locked for 0\.2 s") as info:
            notes.add("blocked")
        assert "another swarmfi process is holding it" in info.value.hint
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    notes.add("after")
    assert notes.bodies() == ["after"]
    notes.close()


def test_a_failed_write_is_rolled_back(tmp_path):
    with Notes(tmp_path / "notes.sqlite3") as notes:
        with pytest.raises(ZeroDivisionError), notes._write() as conn:
            conn.execute("INSERT INTO notes (body) VALUES ('half')")
            _ = 1 / 0
        notes.add("whole")
        assert notes.bodies() == ["whole"]


_WRITER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path
    from swarmfi.sqlite import SqliteFile

    class Counter(SqliteFile):
        application_id = 0x434E5452
        schema = ("CREATE TABLE IF NOT EXISTS hits (n INTEGER NOT NULL, who TEXT NOT NULL)",)
        what = "counter"

    path = Path(sys.argv[1])
    counter = Counter(path, create=True)
    (path.parent / f"ready-{sys.argv[3]}").touch()
    deadline = time.monotonic() + 60
    while len(list(path.parent.glob("ready-*"))) < 2:  # start writing together
        if time.monotonic() > deadline:
            sys.exit("the other writer never opened the file")
        time.sleep(0.001)
    for _ in range(int(sys.argv[2])):
        with counter._write() as conn:  # read-modify-write: lost updates show up as repeats
            (top,) = conn.execute("SELECT coalesce(max(n), 0) FROM hits").fetchone()
            conn.execute("INSERT INTO hits VALUES (?, ?)", (top + 1, sys.argv[3]))
        time.sleep(0.002)  # other work between writes: the two interleave, neither starves
    counter.close()
    """
)


def test_two_processes_write_one_file_without_losing_a_write(tmp_path):
    path, rounds = tmp_path / "counter.sqlite3", 150
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(rounds), who], env=env)
        for who in ("a", "b")
    ]
    try:
        assert [w.wait(timeout=120) for w in writers] == [0, 0]
    finally:
        for w in writers:
            w.kill()
            w.wait()
    conn = sqlite3.connect(path)
    numbers = [n for (n,) in conn.execute("SELECT n FROM hits ORDER BY n")]
    who = dict(conn.execute("SELECT who, count(*) FROM hits GROUP BY who").fetchall())
    conn.close()
    assert numbers == list(range(1, 2 * rounds + 1))
    assert who == {"a": rounds, "b": rounds}


def test_many_connections_creating_one_file_at_once_all_open_it(tmp_path):
    # Two ways this once failed: a reader saw the creator's tables but not yet its id
    # ("something else"), and two journal-mode switches at once deadlocked ("locked").
    failures: list[BaseException] = []

    class PatientNotes(Notes):
        busy_timeout_s = 30.0

    def open_together(path: Path, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            PatientNotes(path).close()
        except BaseException as exc:
            failures.append(exc)

    for attempt in range(40):
        barrier = threading.Barrier(6)
        threads = [
            threading.Thread(target=open_together, args=(tmp_path / f"n{attempt}.sqlite3", barrier))
            for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_the_usage_database_refuses_a_ledger(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger.append("note", {"hello": "world"})
    with pytest.raises(StateError, match="an SQLite database of something else"):
        UsageStore(path)
    with Ledger(path) as ledger:
        assert ledger.verify().ok
