"""The data folder: privacy, atomic writes, damaged files, schema versions, concurrent writers,
crashes, and `backcare doctor` (issue 2, CONTRACT.md "Where data lives")."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.models import PainCheckin, Profile, Visit
from backcare.errors import BackcareError
from backcare.storage import DataFileError, Store, new_id
from backcare.storage import files as storage
from backcare.storage.journal import FileSet

Cli = Callable[..., Any]  # the `cli` fixture of conftest.py

MARCH = date(2026, 3, 10)
FEBRUARY = date(2026, 2, 10)
JANUARY = date(2026, 1, 10)
ROOT = Path(__file__).resolve().parent.parent


def visit(day: date = MARCH, note: str = "manual therapy") -> Visit:
    return Visit(new_id("v", day), day, "manual-therapy", note)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def month_file(home: Path, day: date = MARCH) -> Path:
    return home / "log" / f"{day:%Y-%m}.json"


def fingerprint(path: Path) -> tuple[int, int, bytes]:
    st = os.lstat(path)
    return st.st_ino, st.st_mtime_ns, path.read_bytes()


# --- privacy -------------------------------------------------------------------------------------


def test_the_folder_is_0700_and_its_files_0600_whatever_the_umask(backcare_home: Path) -> None:
    old = os.umask(0o022)  # a common, generous umask must not leak health data
    try:
        s = Store(backcare_home)
        s.add_visit(visit())
        s.add_visit(visit())  # the second write of the day keeps a backup
        s.save_profile(Profile(start_date=MARCH))
    finally:
        os.umask(old)
    assert mode(backcare_home) == 0o700
    assert mode(backcare_home / "log") == 0o700
    assert mode(backcare_home / "backups") == 0o700
    for path in [*backcare_home.rglob("*")]:
        expected = 0o700 if path.is_dir() else 0o600
        assert mode(path) == expected, path
    assert s.permission_problems() == []


def test_widened_permissions_are_reported_and_fixed(backcare_home: Path) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    os.chmod(backcare_home, 0o755)
    os.chmod(month_file(backcare_home), 0o644)
    problems = s.permission_problems()
    assert len(problems) == 2
    assert any(str(backcare_home) in p and "should be 700" in p for p in problems)
    assert any(str(month_file(backcare_home)) in p and "should be 600" in p for p in problems)
    assert s.fix_permissions() == 2
    assert (mode(backcare_home), mode(month_file(backcare_home))) == (0o700, 0o600)
    assert s.permission_problems() == []


# --- atomic writes ---------------------------------------------------------------------------


def test_every_write_replaces_the_file_with_a_complete_new_one(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    s.save_profile(Profile(start_date=MARCH))
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        replaced.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    for write, path in [
        (lambda: s.add_visit(visit()), month_file(backcare_home)),
        (lambda: s.put_checkin(PainCheckin(MARCH, 3)), month_file(backcare_home)),
        (lambda: s.save_profile(Profile(start_date=MARCH, baseline_pain=5)), s.main_path),
        (lambda: s.add_goal("walk to the shop", MARCH, None, None), s.main_path),
    ]:
        replaced.clear()
        write()
        # One complete new file, renamed over the old one: never written in place, and
        # never in steps (put_checkin is a remove and an insert, save_profile a truncate and
        # an insert: a crash between the two must not lose the old record).
        src_dst = [r for r in replaced if r[1] == str(path)]
        assert len(src_dst) == 1
        src = Path(src_dst[0][0])
        assert src.parent == path.parent
        assert src.name.startswith(f".{path.name}.") and src.name.endswith(".tmp")
    assert not list(backcare_home.rglob("*.tmp"))


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    s.add_visit(visit())  # today's backup now exists, so the next write only writes the log
    path = month_file(backcare_home)
    before = fingerprint(path)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(BackcareError, match="could not be saved .No space left on device."):
        s.add_visit(visit())
    monkeypatch.undo()
    assert fingerprint(path) == before
    assert not list(backcare_home.rglob("*.tmp"))
    assert len(s.history().visits) == 2


def test_an_operation_that_fails_half_way_writes_nothing(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    s.save_profile(Profile(start_date=MARCH, baseline_pain=6))
    s.put_checkin(PainCheckin(MARCH, 4))
    files = {p: fingerprint(p) for p in (s.main_path, month_file(backcare_home))}

    def interrupted(self: Any, *args: Any) -> int:
        raise KeyboardInterrupt  # after truncate() or remove() has run

    monkeypatch.setattr(FileSet, "set_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        s.save_profile(Profile(start_date=MARCH, baseline_pain=2))
    # A change to the log is made in memory first (the old check-in taken out, the new one
    # put in), then written: interrupted between the two steps, nothing is written.
    monkeypatch.setattr(FileSet, "put", interrupted)
    with pytest.raises(KeyboardInterrupt):
        s.put_checkin(PainCheckin(MARCH, 1))
    monkeypatch.undo()
    assert {p: fingerprint(p) for p in files} == files
    profile = s.profile()
    assert profile is not None and profile.baseline_pain == 6
    assert [c.score for c in s.history().checkins] == [4]


def test_the_days_backup_holds_the_file_as_it_was_before_the_days_first_change(
    backcare_home: Path,
) -> None:
    s = Store(backcare_home)
    s.save_profile(Profile(start_date=MARCH, baseline_pain=6))
    s.save_profile(Profile(start_date=MARCH, baseline_pain=5))
    s.save_profile(Profile(start_date=MARCH, baseline_pain=4))
    [backup] = (backcare_home / "backups").glob("*/backcare.json")
    tables = storage.load_tables(backup, backcare_home)
    assert tables is not None
    assert [d["baseline_pain"] for d in tables["profile"].values()] == [6]


# --- damaged files are never written over ------------------------------------------------------

DAMAGE = {
    "garbage": b"\x00\xffthis is not json",
    "truncated": None,  # the first half of a good file
    "emptied": b"",
    "not-an-object": b"[1, 2, 3]",
    "table-not-an-object": b'{"visits": [1], "_meta": {"1": {"schema": 1}}}',
    "newer-schema": b'{"visits": {}, "_meta": {"1": {"schema": 99}}}',
    "unreadable-schema": b'{"visits": {}, "_meta": {"1": {"version": 1}}}',
}


def damage(path: Path, how: str) -> bytes:
    good = path.read_bytes()
    bad = DAMAGE[how] if DAMAGE[how] is not None else good[: len(good) // 2]
    assert bad is not None
    path.write_bytes(bad)
    return bad


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_log_file_is_named_and_never_written_over(backcare_home: Path, how: str) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    path = month_file(backcare_home)
    damage(path, how)
    before = fingerprint(path)
    with pytest.raises(DataFileError) as info:
        s.history()
    assert str(path) in info.value.message
    assert "backcare doctor" in info.value.message
    for write in (
        lambda: s.add_visit(visit()),
        lambda: s.put_checkin(PainCheckin(MARCH, 2)),
        lambda: s.import_all({"visits": [visit().to_dict()]}, None, [], None),
    ):
        with pytest.raises(DataFileError, match=str(path)):
            write()
        assert fingerprint(path) == before
    # Other months are still usable.
    s.add_visit(visit(FEBRUARY))
    assert len(s.history(FEBRUARY, FEBRUARY).visits) == 1


@pytest.mark.parametrize("how", ["garbage", "truncated", "newer-schema"])
def test_a_damaged_main_file_is_named_and_never_written_over(backcare_home: Path, how: str) -> None:
    s = Store(backcare_home)
    s.save_profile(Profile(start_date=MARCH))
    damage(s.main_path, how)
    before = fingerprint(s.main_path)
    with pytest.raises(DataFileError, match=str(s.main_path)):
        s.profile()
    for write in (
        lambda: s.save_profile(Profile(start_date=MARCH)),
        lambda: s.add_goal("walk", MARCH, None, None),
    ):
        with pytest.raises(DataFileError, match=str(s.main_path)):
            write()
        assert fingerprint(s.main_path) == before


def test_a_symlinked_data_file_is_refused(backcare_home: Path, tmp_path: Path) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    path = month_file(backcare_home)
    elsewhere = tmp_path / "elsewhere.json"
    os.replace(path, elsewhere)
    path.symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    with pytest.raises(DataFileError, match="symbolic link"):
        s.add_visit(visit())
    assert path.is_symlink()
    assert elsewhere.read_bytes() == before


def test_the_cli_refuses_to_write_over_a_damaged_file(cli: Cli, backcare_home: Path) -> None:
    Store(backcare_home).add_visit(visit())
    path = month_file(backcare_home)
    bad = damage(path, "truncated")
    res = cli("visit", "--date", MARCH.isoformat())
    assert res.exit_code == 1, res
    assert "Traceback" not in res.output
    assert str(path) in res.stderr
    assert path.read_bytes() == bad


# A file that is valid JSON but holds a record no command could write (issue 17): how each
# record is spoiled, in a month file of one visit and one check-in.
BAD_RECORDS: dict[str, Callable[[dict[str, Any]], None]] = {
    "a date that does not exist": lambda t: (
        _first(t, "pain_checkins").update(date="2026-03-30", id="p-2026-03-30")
        or _first(t, "visits").update(date="2026-02-30")
    ),
    "NaN for a score": lambda t: _first(t, "pain_checkins").update(score=float("nan")),
    "a score in words": lambda t: _first(t, "pain_checkins").update(score="five"),
    "a pain score of 11": lambda t: _first(t, "pain_checkins").update(score=11),
    "an unknown symptom": lambda t: _first(t, "pain_checkins").update(symptoms=["hiccups"]),
    "a lone surrogate in a note": lambda t: _first(t, "visits").update(note="ok \udc80"),
    "a record of another month": lambda t: _first(t, "visits").update(date="2026-04-02"),
    "a record that is not an object": lambda t: t["visits"].update({"7": [1, 2]}),
    "a record number that is not one": lambda t: t["visits"].update({"x": _first(t, "visits")}),
}


def _first(tables: dict[str, Any], table: str) -> dict[str, Any]:
    return next(iter(tables[table].values()))


@pytest.mark.parametrize("how", BAD_RECORDS)
def test_a_file_with_a_bad_record_is_damaged_named_and_never_written(
    cli: Cli, backcare_home: Path, how: str
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    s.put_checkin(PainCheckin(MARCH, 4))  # today's backup holds the good file
    path = month_file(backcare_home)
    tables = json.loads(path.read_text(encoding="utf-8"))
    BAD_RECORDS[how](tables)
    path.write_text(json.dumps(tables), encoding="utf-8")  # NaN and all: valid to Python
    before = fingerprint(path)
    with pytest.raises(DataFileError, match="is damaged") as info:
        Store(backcare_home).history()
    assert str(path) in info.value.message
    res = cli("pain", "5", "--date", MARCH.isoformat())
    assert res.exit_code == 1, res
    assert str(path) in res.stderr and "is damaged" in res.stderr
    assert fingerprint(path) == before  # never written
    # It never becomes a day's "good" backup, and doctor agrees with the readers.
    for backup in (backcare_home / "backups").glob("*/log/2026-03.json"):
        assert Store(backcare_home).load(backup) is not None
    report = cli("doctor", "--json").json()
    assert [(p["file"], p["fix"]) for p in report["problems"]] == [(str(path), "restore")]
    assert "is damaged" in report["problems"][0]["problem"]
    assert cli("doctor", "--yes").exit_code == 0
    restored = Store(backcare_home).history()  # the day's backup: before the check-in
    assert (len(restored.visits), restored.checkins) == (1, ())
    assert cli("doctor", "--json").json()["clean"] is True


@pytest.mark.parametrize(
    "field,value",
    [
        ("start_date", None),
        ("start_date", "2026-13-01"),
        ("minutes_per_day", "twenty"),
        ("red_flags", "bladder-bowel"),
    ],
)
def test_a_wrong_shaped_main_file_is_named(
    cli: Cli, backcare_home: Path, field: str, value: Any
) -> None:
    assert cli("init", "--yes", "--no-red-flags", "--no-conditions", "--pain", "5").exit_code == 0
    main = backcare_home / "backcare.json"
    tables = json.loads(main.read_text(encoding="utf-8"))
    _first(tables, "profile")[field] = value
    main.write_text(json.dumps(tables), encoding="utf-8")
    for args in (["plan"], ["pain", "3"], ["progress", "--json"]):
        res = cli(*args)
        assert res.exit_code == 1, (args, res)
        assert str(main) in res.stderr and f"profile: {field}" in res.stderr
        assert "unexpected problem" not in res.stderr


# --- schema versions and migrations ------------------------------------------------------------


def test_every_file_carries_its_schema_version_and_counts_its_writes(backcare_home: Path) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    s.save_profile(Profile(start_date=MARCH))
    s.save_profile(Profile(start_date=MARCH, baseline_pain=3))
    for path, writes in ((month_file(backcare_home), 1), (s.main_path, 2)):
        assert json.loads(path.read_text(encoding="utf-8"))["_meta"] == {
            "1": {"schema": storage.SCHEMA_VERSION, "generation": writes}
        }


def test_a_newer_schema_is_refused_with_the_files_name(backcare_home: Path) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    path = month_file(backcare_home)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["_meta"] = {"1": {"schema": storage.SCHEMA_VERSION + 1}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = fingerprint(path)
    with pytest.raises(DataFileError) as info:
        s.history()
    assert info.value.message.startswith(f"{path}: has schema version {storage.SCHEMA_VERSION + 1}")
    assert "newer backcare" in info.value.message
    with pytest.raises(DataFileError):
        s.add_visit(visit())
    assert fingerprint(path) == before


def _uppercase_notes(name: str, tables: dict[str, Any]) -> dict[str, Any]:
    for doc in (tables.get("visits") or {}).values():
        doc["note"] = doc["note"].upper()
    return tables


def test_an_old_file_is_migrated_on_read_and_saved_at_the_new_schema(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit(note="mobilisation"))
    path = month_file(backcare_home)
    old = path.read_bytes()
    migrated: list[str] = []

    def one_to_two(name: str, tables: dict[str, Any]) -> dict[str, Any]:
        migrated.append(name)
        return _uppercase_notes(name, tables)

    monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(storage.MIGRATIONS, 1, one_to_two)
    assert [v.note for v in s.history().visits] == ["MOBILISATION"]
    assert migrated == ["log/2026-03.json"]
    assert path.read_bytes() == old  # reading migrates in memory, and writes nothing

    s.add_visit(visit(note="exercise review"))
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["_meta"]["1"]["schema"] == 2
    assert sorted(d["note"] for d in doc["visits"].values()) == ["MOBILISATION", "exercise review"]
    migrated.clear()
    assert len(s.history().visits) == 2
    assert migrated == []  # already at schema 2


def test_migrations_run_in_order_from_the_files_own_version(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit(JANUARY, note="january"))
    ran: list[tuple[int, str]] = []

    def step(n: int) -> storage.Migration:
        def migrate(name: str, tables: dict[str, Any]) -> dict[str, Any]:
            ran.append((n, name))
            for doc in (tables.get("visits") or {}).values():
                doc["note"] += f" >{n + 1}"
            return tables

        return migrate

    monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
    s.add_visit(visit(FEBRUARY, note="february"))  # written at schema 2
    monkeypatch.setattr(storage, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(storage.MIGRATIONS, 1, step(1))
    monkeypatch.setitem(storage.MIGRATIONS, 2, step(2))
    notes = sorted(v.note or "" for v in s.history().visits)
    assert notes == ["february >3", "january >2 >3"]
    assert ran == [(1, "log/2026-01.json"), (2, "log/2026-01.json"), (2, "log/2026-02.json")]


def test_a_gap_in_the_migrations_is_a_clean_error(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
    with pytest.raises(DataFileError, match="no migration from it"):
        s.history()


# --- one file a month ------------------------------------------------------------------------


def test_a_new_entry_rewrites_only_that_months_file(backcare_home: Path) -> None:
    s = Store(backcare_home)
    s.save_profile(Profile(start_date=JANUARY))
    s.add_visit(visit(JANUARY))
    s.add_visit(visit(FEBRUARY))
    s.add_visit(visit(MARCH))
    s.add_visit(visit(MARCH))  # today's backups exist from here on
    untouched = {
        p: fingerprint(p)
        for p in (month_file(backcare_home, JANUARY), month_file(backcare_home, MARCH), s.main_path)
    }
    february = fingerprint(month_file(backcare_home, FEBRUARY))
    s.add_visit(visit(FEBRUARY))
    s.put_checkin(PainCheckin(FEBRUARY, 4))
    for path, before in untouched.items():
        assert fingerprint(path) == before, path
    assert fingerprint(month_file(backcare_home, FEBRUARY)) != february
    assert sorted(p.name for p in (backcare_home / "log").iterdir()) == [
        "2026-01.json",
        "2026-02.json",
        "2026-03.json",
        "2026.summary",
    ]  # and their summary


def test_temporary_files_left_by_a_crash_are_never_data_and_the_next_writer_removes_them(
    backcare_home: Path,
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    s.save_profile(Profile(start_date=MARCH))
    left = [
        backcare_home / "log" / ".2026-03.json.0a1b2c3d4e5f.tmp",
        backcare_home / ".backcare.json.ffeeddccbbaa.tmp",
    ]
    left[0].write_bytes(b'{"visits": {"1": ')
    left[1].write_bytes(b"")
    for path in left:
        path.chmod(0o600)
    assert s.month_paths() == [month_file(backcare_home)]
    assert s.data_files() == [s.main_path, month_file(backcare_home)]
    assert len(s.history().visits) == 1
    # doctor reports them (issue 17) as leftovers to remove, nothing else.
    findings = s.check()
    assert sorted(f.path for f in findings) == sorted(left)
    assert all(f.action == "remove" and f.fixable for f in findings)
    s.add_visit(visit())  # the next writer, once it holds the lock, removes them
    assert not any(p.exists() for p in left)
    assert s.check() == []
    # A file that only looks like one is not touched.
    mine = backcare_home / ".notes.tmp"
    mine.write_bytes(b"mine")
    mine.chmod(0o600)
    s.add_visit(visit())
    assert mine.exists()


# --- concurrent writers and crashes ----------------------------------------------------------

WRITER = """
import sys, time
from datetime import date
from pathlib import Path
from backcare.domain.models import Visit
from backcare.storage import new_id
from backcare.storage import Store

home, tag, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = Store(home)
day = date(2026, 3, 10)
while not go.exists():  # both writers start together
    time.sleep(0.001)
for i in range(count):
    store.add_visit(Visit(new_id("v", day), day, "other", f"{tag}-{i}"))
"""
ENTRIES_EACH = 200


def _python(*args: str) -> list[str]:
    return [sys.executable, "-c", *args]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "BACKCARE_HOME": str(home), "PYTHONPATH": str(ROOT)}


def test_two_processes_appending_at_once_lose_nothing(backcare_home: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            _python(WRITER, str(backcare_home), tag, str(ENTRIES_EACH), str(go)),
            env=_env(backcare_home),
        )
        for tag in ("a", "b")
    ]
    go.touch()
    for w in writers:
        assert w.wait(timeout=120) == 0
    notes = sorted(v.note or "" for v in Store(backcare_home).history().visits)
    assert len(notes) == 2 * ENTRIES_EACH
    assert notes == sorted(f"{tag}-{i}" for tag in ("a", "b") for i in range(ENTRIES_EACH))


LOOPING_WRITER = """
import sys
from datetime import date, timedelta
from pathlib import Path
from backcare.domain.models import PainCheckin, Profile, Visit
from backcare.storage import new_id
from backcare.storage import Store

store = Store(Path(sys.argv[1]))
day = date(2026, 3, 1)
print("ready", flush=True)
i = 0
while True:
    i += 1
    d = day + timedelta(days=i % 60)  # March and April: two log files
    store.add_visit(Visit(new_id("v", d), d, "other", f"visit {i}"))
    store.put_checkin(PainCheckin(d, i % 11))
    if i % 5 == 0:
        store.save_profile(Profile(start_date=day, baseline_pain=i % 11))
"""
KILL_ROUNDS = 10
MAX_DELAY_S = 0.15


def test_a_writer_killed_mid_write_never_leaves_an_unreadable_file(
    cli: Cli, backcare_home: Path
) -> None:
    rng = random.Random(20260301)  # reproducible delays
    visits_seen = 0
    for _ in range(KILL_ROUNDS):
        writer = subprocess.Popen(
            _python(LOOPING_WRITER, str(backcare_home)),
            env=_env(backcare_home),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0, MAX_DELAY_S))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()

        s = Store(backcare_home)
        history = s.history()  # every file still reads
        assert len(history.visits) >= visits_seen  # nothing written before is lost
        visits_seen = len(history.visits)
        s.profile()
        # At most a temp file of the write the kill cut short, which the next writer removes.
        assert all(f.action == "remove" for f in s.check())
        cli("pain", "3", "--date", "2026-01-05")
        assert s.check() == []
        res = cli("doctor", "--json")
        assert res.exit_code == 0, res
        assert res.json()["clean"] is True
        # Temp files a kill leaves behind are never taken for data files.
        assert all(not p.name.startswith(".") for p in s.data_files())
    assert visits_seen > 0


# --- doctor --------------------------------------------------------------------------------------


def _log_with_backup(home: Path) -> tuple[Path, Path]:
    """A month file written twice today: the second write kept a good backup of the first."""
    s = Store(home)
    s.add_visit(visit(note="first"))
    s.add_visit(visit(note="second"))
    path = month_file(home)
    backups = list((home / "backups").glob("*/log/2026-03.json"))
    assert len(backups) == 1
    return path, backups[0]


@pytest.mark.parametrize("how", ["truncated", "garbage", "emptied"])
def test_doctor_reports_a_damaged_log_file_with_its_backup(
    cli: Cli, backcare_home: Path, how: str
) -> None:
    path, backup = _log_with_backup(backcare_home)
    bad = damage(path, how)
    res = cli("doctor", "--json")
    assert res.exit_code == 0, res  # --json reports; only --yes changes anything
    doc = res.json()
    assert doc["clean"] is False
    assert doc["problems"] == [
        {
            "file": str(path),
            "problem": doc["problems"][0]["problem"],
            "backup": str(backup),
            "fix": "restore",
        }
    ]
    assert doc["problems"][0]["problem"]
    # Without --json it would ask; with no terminal to ask at, it names --yes (CONTRACT.md).
    res = cli("doctor")
    assert res.exit_code == 2, res
    assert f"{path}: " in res.stderr
    assert f"a good backup from {backup.parts[-3]} exists" in res.stderr
    assert "backcare doctor --yes" in res.stderr
    assert path.read_bytes() == bad  # reporting changes nothing


@pytest.mark.parametrize("how", ["truncated", "garbage", "emptied"])
def test_doctor_yes_restores_the_newest_good_backup_and_keeps_the_damaged_file(
    cli: Cli, backcare_home: Path, how: str
) -> None:
    path, backup = _log_with_backup(backcare_home)
    bad = damage(path, how)
    res = cli("doctor", "--yes")
    assert res.exit_code == 0, res
    assert "Traceback" not in res.output
    assert f"restored 2026-03.json from the backup of {backup.parts[-3]}" in res.stderr
    assert path.read_bytes() == backup.read_bytes()
    kept = list(path.parent.glob("2026-03.json.damaged-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes() == bad
    assert mode(kept[0]) == 0o600
    assert mode(path) == 0o600
    assert [v.note for v in Store(backcare_home).history().visits] == ["first"]
    after = cli("doctor", "--json")
    assert after.exit_code == 0, after
    assert after.json() == {"home": str(backcare_home), "clean": True, "problems": []}


def test_doctor_restores_the_newest_of_several_backups(cli: Cli, backcare_home: Path) -> None:
    path, backup = _log_with_backup(backcare_home)
    older = backcare_home / "backups" / "2000-01-01" / "log" / "2026-03.json"
    older.parent.mkdir(parents=True)
    older.write_bytes(b'{"visits": {}, "_meta": {"1": {"schema": 1}}}')
    newer_but_bad = backcare_home / "backups" / "9999-12-31" / "log" / "2026-03.json"
    newer_but_bad.parent.mkdir(parents=True)
    newer_but_bad.write_bytes(b"damaged too")
    damage(path, "garbage")
    assert cli("doctor", "--json").json()["problems"][0]["backup"] == str(backup)
    assert cli("doctor", "--yes").exit_code == 0
    assert path.read_bytes() == backup.read_bytes()


def test_doctor_restores_the_main_file(cli: Cli, backcare_home: Path) -> None:
    s = Store(backcare_home)
    s.save_profile(Profile(start_date=MARCH, baseline_pain=6))
    s.save_profile(Profile(start_date=MARCH, baseline_pain=5))
    damage(s.main_path, "truncated")
    assert cli("doctor", "--yes").exit_code == 0
    profile = Store(backcare_home).profile()
    assert profile is not None and profile.baseline_pain == 6


def test_doctor_without_a_backup_leaves_the_file_and_says_so(cli: Cli, backcare_home: Path) -> None:
    Store(backcare_home).add_visit(visit())  # written once: no backup yet
    path = month_file(backcare_home)
    bad = damage(path, "garbage")
    res = cli("doctor", "--json")
    assert res.exit_code == 0, res
    doc = res.json()
    assert doc["problems"][0]["file"] == str(path)
    assert doc["problems"][0]["backup"] is None
    res = cli("doctor", "--yes")
    assert res.exit_code == 1
    assert "no backup can repair this" in res.stderr
    assert "Traceback" not in res.output
    assert path.read_bytes() == bad
    assert not list(path.parent.glob("*.damaged-*"))


def test_doctor_reports_and_fixes_widened_permissions(cli: Cli, backcare_home: Path) -> None:
    Store(backcare_home).add_visit(visit())
    path = month_file(backcare_home)
    os.chmod(backcare_home, 0o755)
    os.chmod(path, 0o644)
    res = cli("doctor", "--json")
    assert res.exit_code == 0, res
    problems = [p["problem"] for p in res.json()["problems"]]
    assert any("should be 700" in p for p in problems)
    assert any(str(path) in p and "should be 600" in p for p in problems)
    res = cli("doctor", "--yes")
    assert res.exit_code == 0, res
    assert (mode(backcare_home), mode(path)) == (0o700, 0o600)
    assert cli("doctor", "--json").json()["clean"] is True


def test_doctor_on_a_clean_or_missing_folder(cli: Cli, backcare_home: Path) -> None:
    res = cli("doctor")
    assert res.exit_code == 0, res
    assert "reads cleanly" in res.stderr
    assert not backcare_home.exists()  # checking creates nothing
    Store(backcare_home).add_visit(visit())
    assert cli("doctor", "--json").json()["clean"] is True


def test_doctor_json_yes_reports_then_repairs(cli: Cli, backcare_home: Path) -> None:
    path, backup = _log_with_backup(backcare_home)
    damage(path, "garbage")
    res = cli("doctor", "--json", "--yes")
    assert res.exit_code == 0, res
    assert res.json()["problems"][0]["backup"] == str(backup)  # what it found, on stdout
    assert "restored" in res.stderr
    assert path.read_bytes() == backup.read_bytes()


# --- one change, all or nothing, and undoable (issue 14) --------------------------------------


def crash_on_data_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the undo history's file is written and before the data files are:
    every way a change can stop half-way, for the files it writes."""
    real = Store._write

    def write(self: Store, data: dict[Path, bytes]) -> None:
        if any(p.parent.name == "log" or p.name == "corrections.json" for p in data):
            raise KeyboardInterrupt
        real(self, data)

    monkeypatch.setattr(Store, "_write", write)


def undo_files(home: Path) -> list[str]:
    folder = home / "undo"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_change_cut_short_is_rolled_back_by_the_next_writer(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    s.add_visit(visit())
    crash_on_data_write(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        s.put_checkin(PainCheckin(MARCH, 4))
    monkeypatch.undo()
    assert undo_files(backcare_home) == ["00000001.json", "00000002.pending.json"]
    assert s.history().checkins == ()  # never written, never confirmed
    s.add_visit(visit())  # the next writer settles it
    assert undo_files(backcare_home) == ["00000001.json", "00000002.json"]
    assert len(s.history().visits) == 2 and s.history().checkins == ()


def test_an_undo_cut_short_is_finished_by_the_next_writer(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backcare.storage.store import UndoChoice

    s = Store(backcare_home)
    s.put_checkin(PainCheckin(MARCH, 4))
    s.put_checkin(PainCheckin(MARCH, 6, "worse"))  # replaces it
    crash_on_data_write(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        s.undo(lambda entry, files: UndoChoice())
    monkeypatch.undo()
    assert "00000002.undoing.json" in undo_files(backcare_home)
    outcome = s.undo(lambda entry, files: UndoChoice())
    assert outcome.entry is None and outcome.settled[0][0] == "undone"  # finished, once
    assert [c.score for c in s.history().checkins] == [4]
    assert undo_files(backcare_home) == ["00000001.json"]
    trail = s.corrections()
    assert [line["action"] for line in trail] == ["replace", "undo"]


def test_a_change_is_refused_when_its_record_changed_meanwhile(backcare_home: Path) -> None:
    from backcare.storage.journal import Change, RecordChange

    s = Store(backcare_home)
    s.put_checkin(PainCheckin(MARCH, 4))
    stale = PainCheckin(MARCH, 5).to_dict()  # what another command read, now out of date
    with pytest.raises(BackcareError, match="changed while this command ran"):
        s.save_change(
            lambda files: Change(
                "edit",
                "x",
                (RecordChange("pain_checkins", stale, PainCheckin(MARCH, 2).to_dict()),),
                "edit",
            )
        )
    assert [c.score for c in s.history().checkins] == [4]


def test_undo_keeps_the_last_twenty_changes(backcare_home: Path) -> None:
    s = Store(backcare_home)
    for _ in range(25):
        s.add_visit(visit())
    assert len(s.undo_history()) == 20
    assert undo_files(backcare_home)[0] == "00000006.json"
