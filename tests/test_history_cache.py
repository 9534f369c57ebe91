"""The history cache: months read before come back from `cache/`, and are the same records
as the month files hold (issue 7, issue 12). A month that changed is read from its file."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from backcare.domain.models import Dose, ExerciseLog, PainCheckin, Session, Visit
from backcare.storage import Store, cache

START = date(2026, 1, 5)


def fill(home: Path, months: int = 6) -> Store:
    s = Store(home)
    day = START
    while day < START + timedelta(days=30 * months):
        s.add_session(Session(f"s-{day:%Y%m%d}", day, (
            ExerciseLog("bridge", "done", Dose(sets=2, reps=8), 2),
            ExerciseLog("walking", "partial", Dose(duration_minutes=10), None)),
            3, 2, "note é" if day.day == 1 else None))
        s.put_checkin(PainCheckin(day, 4, None, ("tingling",) if day.day == 2 else ()))
        day += timedelta(days=3)
    s.add_visit(Visit("v-1", START, "manual-therapy", "mobilisation"))
    return s


def test_a_second_read_comes_from_the_cache_and_holds_the_same_records(
        backcare_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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


def test_a_changed_month_is_read_from_its_file(backcare_home: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
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
