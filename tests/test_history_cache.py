"""The history cache: months read before come back from `cache/`, and are the same records
as the month files hold (issue 7, issue 12). A month that changed is read from its file.

The caches are checked, not trusted (issue 17): random flips of 1–3 bytes never give a wrong
record (FLIPS of them; 600 with BACKCARE_FULL=1), a damaged or huge cache is read within a
bounded memory and made again, and an edit that keeps a file's size and time is still seen.
"""

from __future__ import annotations

import os
import random
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import pytest

from backcare.domain.models import Dose, ExerciseLog, PainCheckin, Session, Visit
from backcare.storage import DataPaths, Store, cache

START = date(2026, 1, 5)


def fill(home: Path, months: int = 6) -> Store:
    s = Store(home)
    day = START
    while day < START + timedelta(days=30 * months):
        s.add_session(
            Session(
                f"s-{day:%Y%m%d}",
                day,
                (
                    ExerciseLog("bridge", "done", Dose(sets=2, reps=8), 2),
                    ExerciseLog("walking", "partial", Dose(duration_minutes=10), None),
                ),
                3,
                2,
                "note é" if day.day == 1 else None,
            )
        )
        s.put_checkin(PainCheckin(day, 4, None, ("tingling",) if day.day == 2 else ()))
        day += timedelta(days=3)
    s.add_visit(Visit("v-1", START, "manual-therapy", "mobilisation"))
    return s


def test_a_second_read_comes_from_the_cache_and_holds_the_same_records(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = fill(backcare_home)
    first = s.history()
    assert s.paths.history_cache.is_file()  # the first long read writes the cache
    reads: list[Path] = []
    real = Store._read_month

    def counting(self: Store, path: Path, builder: cache.RecordBuilder) -> cache.MonthRecords:
        reads.append(path)
        return real(self, path, builder)

    monkeypatch.setattr(Store, "_read_month", counting)
    second = Store(backcare_home).history()
    assert reads == []  # every month came from the cache
    assert second == first
    assert second.sessions[0].exercises[0] is second.sessions[1].exercises[0]  # shared


def test_a_changed_month_is_read_from_its_file(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = fill(backcare_home)
    s.history()
    changed = s.paths.month(START)
    s.put_checkin(PainCheckin(START + timedelta(days=1), 7))
    reads: list[str] = []
    real = Store._read_month

    def counting(self: Store, path: Path, builder: cache.RecordBuilder) -> cache.MonthRecords:
        reads.append(path.name)
        return real(self, path, builder)

    monkeypatch.setattr(Store, "_read_month", counting)
    h = Store(backcare_home).history()
    assert reads == [changed.name]
    assert any(c.score == 7 for c in h.checkins)


def test_a_damaged_cache_is_only_a_slower_read(backcare_home: Path) -> None:
    s = fill(backcare_home)
    expected = s.history()
    s.paths.history_cache.write_bytes(b"\x00not a cache")
    os.chmod(s.paths.history_cache, 0o600)
    assert Store(backcare_home).history() == expected


# --- checked, not trusted (issue 17) -----------------------------------------------------------

FLIPS = 600 if os.environ.get("BACKCARE_FULL") == "1" else 150


def flip(data: bytes, rng: random.Random) -> bytes:
    """1 to 3 bytes of ``data`` changed at random places."""
    raw = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(raw))
        raw[i] ^= rng.randint(1, 255)
    return bytes(raw)


def test_a_flipped_byte_never_gives_wrong_records(backcare_home: Path) -> None:
    s = fill(backcare_home)
    expected = s.history()
    expected_symptoms = s.symptom_checkins()
    caches = {p: p.read_bytes() for p in (s.paths.history_cache, s.paths.symptoms_cache)}
    rng = random.Random(17)
    tracemalloc.start()
    try:
        for n in range(FLIPS):
            for path, good in caches.items():
                path.write_bytes(flip(good, rng))
            fresh = Store(backcare_home)
            assert fresh.history() == expected, f"flip {n}"
            assert fresh.symptom_checkins() == expected_symptoms, f"flip {n}"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20  # never the gigabytes a damaged length field once asked for


def test_a_failed_entry_is_made_again_silently(backcare_home: Path) -> None:
    s = fill(backcare_home)
    expected = s.history()
    path = s.paths.history_cache
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2][:-3] + b"]]]"  # one month's entry spoiled, the others intact
    path.write_bytes(b"\n".join(lines))
    checked = cache.read_cache(path, "history")
    assert checked.failed == 1 and len(checked.entries) == months_of(backcare_home) - 1
    assert Store(backcare_home).history() == expected
    again = cache.read_cache(path, "history")
    assert again.failed == 0 and len(again.entries) == months_of(backcare_home)


def months_of(home: Path) -> int:
    return len(list((home / "log").glob("*.json")))


def test_the_cache_is_lines_of_text_not_marshal(backcare_home: Path) -> None:
    s = fill(backcare_home)
    s.history()
    raw = s.paths.history_cache.read_bytes()
    assert raw.startswith(b"backcare-cache history 2\n")
    raw.decode("utf-8")  # text all through


def test_a_huge_cache_file_is_ignored_before_it_is_read(backcare_home: Path) -> None:
    s = fill(backcare_home)
    expected = s.history()
    path = s.paths.history_cache
    with open(path, "r+b") as fh:
        fh.truncate(cache.MAX_CACHE_BYTES + 1)  # sparse: quick to make
    tracemalloc.start()
    try:
        assert Store(backcare_home).history() == expected
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20
    assert path.stat().st_size < 2**20  # made again, at its real size


def test_an_edit_that_keeps_the_size_and_the_time_is_still_seen(backcare_home: Path) -> None:
    s = fill(backcare_home)
    s.history()
    path = s.paths.month(START)
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert '"score":4' in text
    path.write_text(text.replace('"score":4', '"score":6', 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same size, the old time
    assert 6 in [c.score for c in Store(backcare_home).history().checkins]


def test_a_cache_from_another_data_folder_is_not_used(backcare_home: Path, tmp_path: Path) -> None:
    other = fill(tmp_path / "other")
    other.history()
    s = fill(backcare_home)
    s.put_checkin(PainCheckin(START, 9))
    expected = s.history()
    for name in ("history.cache", "key"):
        (s.paths.cache / name).write_bytes((other.paths.cache / name).read_bytes())
    # Same file names, other files: even with its key, the entries stand for other files.
    assert Store(backcare_home).history() == expected


def test_the_library_cache_is_checked_too(backcare_home: Path) -> None:
    from backcare.loading.library import load_library

    backcare_home.mkdir(mode=0o700)
    expected = load_library(backcare_home)
    path = DataPaths(backcare_home).library_cache
    good = path.read_bytes()
    rng = random.Random(7)
    for n in range(FLIPS // 5):
        path.write_bytes(flip(good, rng))
        assert load_library(backcare_home).exercises == expected.exercises, f"flip {n}"
