"""A report reads its window, and the months before it summarised (issue 25): the same
figures as the whole log, whatever the window; the summaries are written by the change that
writes their month, and checked against it: a month edited by hand is found out (doctor
names it), summarised again, and the figures shown are the file's. Nothing here is timed."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from backcare.domain.analytics import progress_report, whole_from
from backcare.domain.clinical import DEFAULT
from backcare.domain.history import DaySet, streak_days
from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    Goal,
    PainCheckin,
    Prescription,
    PrescriptionHistory,
    PrescriptionPeriod,
    Profile,
    Session,
)
from backcare.domain.schedule import planned_checker, planned_months
from backcare.domain.scoring import score
from backcare.storage import Store, summary

FIRST = date(2025, 1, 6)
TODAY = date(2026, 3, 10)
START = date(2025, 9, 1)
CATEGORIES = {"walking": "aerobic", "bridge": "strengthening", "bird-dog": "strengthening"}


def varied_log(rng: random.Random, first: date, last: date) -> dict[str, list[dict[str, Any]]]:
    """Sessions with every status and gaps, check-ins with flares and symptoms (a red flag
    among them), and an ODI every 14 days: every rule of the report has something to see."""
    sessions, checkins, assessments = [], [], []
    day, n = first, 0
    while day <= last:
        n += 1
        if rng.random() < 0.8:
            logs = tuple(
                ExerciseLog(
                    ex,
                    rng.choice(("done", "done", "partial", "skipped")),
                    Dose(duration_minutes=20) if ex == "walking" else Dose(sets=2, reps=8),
                    rng.choice((None, 2, 5, 8)),
                )
                for ex in ("walking", "bridge", "bird-dog")
            )
            sessions.append(
                Session(
                    f"s-{day:%Y%m%d}-{n:04d}", day, logs, rng.randint(0, 9), rng.randint(0, 9)
                ).to_dict()
            )
        if rng.random() < 0.7:
            symptoms = rng.choice(((),) * 30 + (("numbness",), ("bladder-bowel",)))
            checkins.append(
                PainCheckin(day, rng.randint(0, 10), None, symptoms, rng.random() < 0.05).to_dict()
            )
        if n % 14 == 0:
            scored = score("odi", [rng.randint(0, 5) for _ in range(10)])
            assessments.append(
                Assessment(
                    f"a-{day:%Y%m%d}-w", day, "odi", scored.answers_json, scored.score, scored.band
                ).to_dict()
            )
        day += timedelta(days=1)
    return {"sessions": sessions, "pain_checkins": checkins, "assessments": assessments}


def filled(home: Path, seed: int, profile: Profile | None) -> Store:
    s = Store(home)
    if profile is not None:
        s.save_profile(profile)
    s.import_all(varied_log(random.Random(seed), FIRST, TODAY), None, [], None)
    return s


WINDOWS = [  # (start, end, today)
    (date(2026, 1, 1), TODAY, TODAY),
    (date(2025, 12, 15), date(2026, 2, 20), TODAY),
    (date(2026, 3, 3), TODAY, TODAY),
    (FIRST, TODAY, TODAY),
    (date(2025, 6, 2), date(2025, 8, 31), TODAY),
    (date(2025, 2, 1), date(2025, 3, 1), TODAY),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("with_profile", [True, False])
def test_the_window_and_the_summaries_give_the_figures_of_the_whole_log(
    backcare_home: Path, seed: int, with_profile: bool
) -> None:
    profile = (
        Profile(
            start_date=FIRST + timedelta(days=3),
            baseline_pain=None if seed == 2 else 6,
            days_per_week=[7, 5, 3][seed - 1],
        )
        if with_profile
        else None
    )
    s = filled(backcare_home, seed, profile)
    rx = s.prescriptions()
    for start, end, today in WINDOWS:
        whole = progress_report(
            profile, s.history(None, end), rx, start, end, today, DEFAULT, CATEGORIES
        )
        earlier = Store(backcare_home).earlier(whole_from(start, end, today, DEFAULT))
        assert earlier.before <= whole_from(start, end, today, DEFAULT)
        windowed = progress_report(
            profile,
            s.history(earlier.before, end),
            rx,
            start,
            end,
            today,
            DEFAULT,
            CATEGORIES,
            earlier=earlier,
        )
        assert windowed == whole, (start, end)
        assert windowed.to_dict() == whole.to_dict()


def many_questionnaires(rng: random.Random, first: date, last: date) -> list[dict[str, Any]]:
    """An ODI every 9 days, an RMDQ every 23, a PSFS every 31 rating three of four activities
    (a goal follows one of them), some on the same day: each instrument's first, last two
    and every PSFS are what the months before a window keep."""
    out, day, n = [], first, 0
    while day <= last:
        n += 1
        if n % 9 == 0:
            scored = score("odi", [rng.randint(0, 5) for _ in range(10)])
            out.append(
                Assessment(
                    f"a-{day:%Y%m%d}-o", day, "odi", scored.answers_json, scored.score, scored.band
                ).to_dict()
            )
        if n % 23 == 0:
            scored = score("rmdq", [rng.random() < 0.4 for _ in range(24)])
            out.append(
                Assessment(
                    f"a-{day:%Y%m%d}-r", day, "rmdq", scored.answers_json, scored.score, scored.band
                ).to_dict()
            )
        if n % 31 == 0:
            names = rng.sample(["walking", "Gardening", "lifting", "sitting"], 3)
            scored = score("psfs", {name: rng.randint(0, 10) for name in names})
            out.append(
                Assessment(
                    f"a-{day:%Y%m%d}-p", day, "psfs", scored.answers_json, scored.score, scored.band
                ).to_dict()
            )
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("seed", [6, 7])
def test_whole_years_read_as_their_rollups_give_the_figures_of_the_whole_log(
    backcare_home: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    first = date(2022, 11, 20)
    profile = Profile(start_date=first, baseline_pain=6 if seed == 6 else None)
    log = varied_log(rng, first, TODAY)
    log["assessments"] = many_questionnaires(rng, first, TODAY)
    s = Store(backcare_home)
    s.save_profile(profile)
    s.import_all(log, None, [], None)
    goals = [
        Goal(1, "walk to the shop", first, psfs_activity="Walking"),
        Goal(2, "dig the garden", first, psfs_activity="gardening"),
    ]
    rx = s.prescriptions()
    decoded: list[int] = []
    real = summary.YearFile.months
    monkeypatch.setattr(summary.YearFile, "months", lambda self: decoded.append(1) or real(self))
    for start, end, today in [
        *WINDOWS,
        (date(2025, 1, 1), date(2025, 12, 31), TODAY),
        (date(2024, 3, 4), date(2024, 6, 30), TODAY),
    ]:
        whole = progress_report(
            profile, s.history(None, end), rx, start, end, today, DEFAULT, CATEGORIES, goals
        )
        decoded.clear()
        earlier = Store(backcare_home).earlier(whole_from(start, end, today, DEFAULT))
        # Only the year the window begins in is read month by month.
        assert len(decoded) <= 1, (start, end)
        windowed = progress_report(
            profile,
            s.history(earlier.before, end),
            rx,
            start,
            end,
            today,
            DEFAULT,
            CATEGORIES,
            goals,
            earlier=earlier,
        )
        assert windowed == whole, (start, end)
        assert windowed.to_dict() == whole.to_dict()
        assert windowed.to_dict()["flagged_exercises"] == [f.to_dict() for f in windowed.flagged]
        assert sum(m.count for m in windowed.measures) == len(
            [a for a in log["assessments"] if a["date"] <= min(end, today).isoformat()]
        )


def test_a_summary_file_of_the_first_version_is_read_and_written_again(
    since_first: Cli, backcare_home: Path
) -> None:
    cli = since_first
    before = cli("progress", "--json").json()
    path = backcare_home / "log" / "2025.summary"
    year = summary.read_year(path)
    body = json.dumps({m: year[m].to_raw() for m in sorted(year)}, separators=(",", ":")).encode()
    path.write_bytes(f"{summary.FORMAT} 1 {summary.digest_of(body)}\n".encode() + body)
    old = summary.read_year_file(path)
    assert old is not None and old.rollup is None and old.months() == year
    assert cli("progress", "--json").json() == before
    new = summary.read_year_file(path)
    assert new is not None and new.rollup is not None and new.months() == year
    assert cli("doctor").exit_code == 0


def test_a_change_writes_its_months_summaries_with_them(backcare_home: Path) -> None:
    s = filled(backcare_home, 4, Profile(start_date=FIRST))
    log = backcare_home / "log"
    for year in ("2025", "2026"):
        entries = summary.read_year(log / f"{year}.summary")
        months = sorted(p.name[:7] for p in log.glob(f"{year}-*.json"))
        assert sorted(entries) == months
        for month in months:  # each matches its month as written: nothing to make again
            raw = (log / f"{month}.json").read_bytes()
            assert entries[month].digest == summary.digest_of(raw)
    before = summary.read_year(log / "2025.summary")["2025-03"]
    s.put_checkin(PainCheckin(date(2025, 3, 31), 9, None, ("numbness",)))
    after = summary.read_year(log / "2025.summary")["2025-03"]
    assert after != before and after.checkins[-1]["symptoms"] == ["numbness"]
    assert after.digest == summary.digest_of((log / "2025-03.json").read_bytes())
    earlier = Store(backcare_home).earlier(date(2026, 1, 1))
    assert PainCheckin(date(2025, 3, 31), 9, None, ("numbness",)) in earlier.checkins


def test_the_summaries_of_an_undone_change_go_back_with_its_months(
    backcare_home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    filled(backcare_home, 5, Profile(start_date=FIRST))
    log = backcare_home / "log"
    was = (log / "2025.summary").read_bytes()
    assert cli("pain", "3", "--symptom", "numbness", "--date", "2025-05-04").exit_code in (0, 3)
    assert (log / "2025.summary").read_bytes() != was
    assert cli("undo").exit_code == 0
    assert summary.read_year(log / "2025.summary")["2025-05"].same_records(
        summary.split_year(was).months()["2025-05"]
    )  # type: ignore[union-attr,index]


# --- a hand edit ---------------------------------------------------------------------------------


def hand_edit(home: Path, month: str) -> None:
    """Every session of a month made 'skipped', in the file itself, as an editor would."""
    path = home / "log" / f"{month}.json"
    doc = json.loads(path.read_text())
    for s in doc["sessions"].values():
        for e in s["exercises"]:
            e["status"] = "skipped"
    path.write_text(json.dumps(doc, indent=1))


def daily(home: Path) -> None:
    """Every day exercised since FIRST: the streak reaches back to the start."""
    sessions = [
        Session(
            f"s-{d:%Y%m%d}-day", d, (ExerciseLog("bridge", "done", Dose(sets=2, reps=8)),)
        ).to_dict()
        for d in (FIRST + timedelta(days=n) for n in range((TODAY - FIRST).days + 1))
    ]
    Store(home).import_all(
        {
            "sessions": sessions,
            "pain_checkins": [PainCheckin(FIRST, 6).to_dict(), PainCheckin(TODAY, 4).to_dict()],
        },
        None,
        [],
        None,
    )


@pytest.fixture
def since_first(cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    res = cli(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--yes",
        "--pain",
        "6",
        "--date",
        FIRST.isoformat(),
    )
    assert res.exit_code == 0, res.output
    daily(backcare_home)
    return cli


def whole_streak(home: Path) -> int:
    s = Store(home)
    return progress_report(
        s.profile(), s.history(), s.prescriptions(), TODAY, TODAY, TODAY, DEFAULT, {}
    ).streak_days


def test_a_month_edited_by_hand_is_named_by_doctor_and_its_summary_made_again(
    since_first: Cli, backcare_home: Path
) -> None:
    cli = since_first
    first = cli("progress", "--json")
    assert first.exit_code == 0, first.output
    assert first.json()["streak_days"] == whole_streak(backcare_home)
    hand_edit(backcare_home, "2025-04")
    found = cli("doctor")
    assert found.exit_code == 2, found.output
    assert "2025-04.json: does not match its summary in 2025.summary" in found.output
    assert "--yes makes the summary again" in found.output
    report = cli("doctor", "--json").json()
    assert [(Path(p["file"]).name, p["fix"]) for p in report["problems"]] == [
        ("2025-04.json", "summarise")
    ]
    fixed = cli("doctor", "--yes")
    assert fixed.exit_code == 0, fixed.output
    assert "made the summary of 2025-04.json again" in fixed.output
    assert cli("doctor").exit_code == 0
    shown = cli("progress", "--json").json()["streak_days"]
    assert shown == whole_streak(backcare_home) < first.json()["streak_days"]


def test_progress_after_a_hand_edit_shows_the_files_figures_and_mends_the_summary(
    since_first: Cli, backcare_home: Path
) -> None:
    cli = since_first
    before = cli("progress", "--json").json()  # the summaries are in place
    hand_edit(backcare_home, "2025-06")
    shown = cli("progress", "--json").json()
    assert shown["streak_days"] == whole_streak(backcare_home) < before["streak_days"]
    entry = summary.read_year(backcare_home / "log" / "2025.summary")["2025-06"]
    assert entry.exercised == 0  # made again from the file, and written back
    assert cli("doctor").exit_code == 0


def test_a_hand_edit_in_a_year_read_as_its_rollup_is_found_and_the_rollup_made_again(
    since_first: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = since_first
    argv = ("progress", "--json", "--from", "2026-03-02")  # 2025 is wholly before its window
    decoded: list[int] = []
    real = summary.YearFile.months
    monkeypatch.setattr(summary.YearFile, "months", lambda self: decoded.append(1) or real(self))
    before = cli(*argv).json()
    assert before["streak_days"] == whole_streak(backcare_home)
    decoded.clear()
    hand_edit(backcare_home, "2025-06")
    shown = cli(*argv).json()
    assert decoded  # the year's months no longer match its file: read month by month
    assert shown["streak_days"] == whole_streak(backcare_home) < before["streak_days"]
    year = summary.read_year_file(backcare_home / "log" / "2025.summary")
    assert year is not None and year.rollup is not None
    assert year.rollup.exercised["2025-06"] == 0  # made again, and written back
    decoded.clear()
    assert cli(*argv).json() == shown and not decoded  # the rollup again
    assert cli("doctor").exit_code == 0


@pytest.mark.parametrize("where", ["entries", "rollup"])
def test_a_damaged_summary_file_is_never_used_and_is_made_again(
    since_first: Cli, backcare_home: Path, where: str
) -> None:
    cli = since_first
    argv = ("progress", "--json", "--from", "2026-03-02")  # 2025 is read as its rollup
    before = cli(*argv).json(), cli("progress", "--json").json()
    path = backcare_home / "log" / "2025.summary"
    raw = bytearray(path.read_bytes())
    # One flipped bit: in an entry, the entries' hash no longer holds; in the line of the
    # months' identities and the rollup, that line's.
    at = -20 if where == "entries" else raw.index(b"\n") + 5
    raw[at] ^= 0x01
    path.write_bytes(bytes(raw))
    damaged = summary.split_year(bytes(raw))
    if where == "entries":
        assert damaged is not None and damaged.months() is None
    else:
        assert damaged is None
    assert (cli(*argv).json(), cli("progress", "--json").json()) == before
    mended = summary.split_year(path.read_bytes())
    assert mended is not None and mended.months() is not None
    assert cli("doctor").exit_code == 0


@pytest.mark.parametrize(
    "forged",
    [
        {"exercised": "every day"},
        {"month": "2025-13"},
        {"first": "2025-02-30"},
        {"checkin": {"date": "2025-02-03"}},
        {"count": -4},
    ],
)
def test_a_rollup_whose_hash_holds_but_whose_values_backcare_never_writes_is_made_again(
    since_first: Cli, backcare_home: Path, forged: dict[str, Any]
) -> None:
    """A year's file written by another program, or by hand with its hashes worked out
    again: its line checks, but what it says cannot be read. progress shows the figures of
    the log, and the summary is made again from the months, not a dead end at doctor."""
    cli = since_first
    argv = ("progress", "--json", "--from", "2026-03-02")  # 2025 is read as its rollup
    before = cli(*argv).json()
    path = backcare_home / "log" / "2025.summary"
    head, index, body = path.read_bytes().split(b"\n", 2)
    keys, rollup = json.loads(index)
    exercised, first, checkins, assessments, counts = rollup
    if "exercised" in forged:
        exercised["2025-02"] = forged["exercised"]
    if "month" in forged:
        exercised[forged["month"]] = 1
    if "first" in forged:
        first = forged["first"]
    if "checkin" in forged:
        checkins.append(forged["checkin"])
    if "count" in forged:
        counts["odi"] = forged["count"]
    index = json.dumps([keys, [exercised, first, checkins, assessments, counts]]).encode()
    name, version, _, body_hash = head.decode().split(" ")
    path.write_bytes(
        f"{name} {version} {summary.digest_of(index)} {body_hash}\n".encode() + index + b"\n" + body
    )
    shown = cli(*argv)
    assert shown.exit_code == 0, shown.output
    assert shown.json() == before
    mended = summary.read_year_file(path)
    assert mended is not None and mended.rollup is not None
    assert mended.rollup.exercised["2025-02"] == before_mask(backcare_home, "2025-02")
    assert cli("doctor").exit_code == 0


def before_mask(home: Path, month: str) -> int:
    """The exercise days of a month, as a mask of its day numbers, from the month itself."""
    doc = json.loads((home / "log" / f"{month}.json").read_text())
    return sum(1 << int(s["date"][8:]) for s in doc.get("sessions", {}).values())


def test_doctor_reads_a_month_whole_only_when_its_hash_differs(
    since_first: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = since_first
    assert cli("doctor").exit_code == 0
    loaded = names_read(monkeypatch, Store, "load")
    assert cli("doctor").exit_code == 0
    assert not [n for n in loaded if n[:4].isdigit()]  # no month read whole
    path = backcare_home / "log" / "2025-08.json"
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"bridge"', b'"bridge" ', 1))  # the same records
    loaded.clear()
    assert cli("doctor").exit_code == 0  # same figures: no finding, the summary made again
    assert [n for n in loaded if n[:4].isdigit()] == ["2025-08.json"]


def names_read(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[str]:
    """The names of the files ``owner.name`` is called on from now on (its last argument
    is the file's path), in order: the function still does its work."""
    real = getattr(owner, name)
    read: list[str] = []

    def counted(*args: Any) -> Any:
        read.append(args[-1].name)
        return real(*args)

    monkeypatch.setattr(owner, name, counted)
    return read


# --- the pure parts --------------------------------------------------------------------------


def regimes(rng: random.Random) -> tuple[Profile | None, PrescriptionHistory | None]:
    profile = (
        Profile(
            start_date=date(2024, 1, 1) + timedelta(days=rng.randint(0, 400)),
            days_per_week=rng.randint(1, 7),
        )
        if rng.random() < 0.9
        else None
    )
    if rng.random() < 0.5:
        return profile, None
    periods = []
    day = date(2024, 1, 1)
    for _ in range(rng.randint(1, 3)):
        day += timedelta(days=rng.randint(10, 200))
        days = rng.sample(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], rng.randint(1, 7))
        rx = (
            Prescription.from_dict({"exercises": [{"id": "bridge", "days": days}]})
            if rng.random() < 0.8
            else None
        )
        periods.append(PrescriptionPeriod(day, rx, "imported", day))
    return profile, PrescriptionHistory(tuple(periods))


@pytest.mark.parametrize("seed", range(12))
def test_planned_months_are_the_planned_days(seed: int) -> None:
    rng = random.Random(seed)
    profile, rx = regimes(rng)
    planned, months = planned_checker(profile, rx), planned_months(profile, rx)
    for year, month in [(y, m) for y in (2023, 2024, 2025, 2026) for m in range(1, 13)]:
        first = date(year, month, 1)
        days = [
            first + timedelta(days=n)
            for n in range(31)
            if (first + timedelta(days=n)).month == month
        ]
        assert months(year, month) == sum(1 << d.day for d in days if planned(d)), (year, month)


@pytest.mark.parametrize("seed", range(12))
def test_the_streak_by_month_is_the_streak_day_by_day(seed: int) -> None:
    rng = random.Random(seed)
    profile, rx = regimes(rng)
    done = {
        date(2024, 1, 1) + timedelta(days=n)
        for n in range(900)
        if rng.random() < (0.99 if seed % 2 else 0.9)
    }
    cut = date(2025, 6, 1)
    masks: dict[tuple[int, int], int] = {}
    for d in done:
        if d < cut:
            masks[(d.year, d.month)] = masks.get((d.year, d.month), 0) | 1 << d.day
    days = DaySet({d for d in done if d >= cut}, masks)
    assert set(days) == done and len(days) == len(done)
    for _ in range(20):
        as_of = date(2024, 1, 1) + timedelta(days=rng.randint(0, 950))
        floor = date(2024, 1, 1) + timedelta(days=rng.randint(0, 300))
        assert streak_days(as_of, floor, profile, rx, days) == streak_days(
            as_of, floor, profile, rx, frozenset(done)
        ), (as_of, floor)


def test_doctor_checks_an_undo_history_file_again_only_when_it_changed(
    since_first: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backcare.storage import journal

    cli = since_first
    assert cli("doctor").exit_code == 0  # the import's entry, checked once
    read = names_read(monkeypatch, journal, "read_entry")
    assert cli("doctor").exit_code == 0
    assert read == []
    entry = max((backcare_home / "undo").glob("*.json"))
    doc = json.loads(entry.read_text())
    doc["action"] = "mystery"
    entry.write_text(json.dumps(doc))  # changed by hand: checked again, and refused
    found = cli("doctor", "--json").json()
    assert read == [entry.name]
    assert [Path(p["file"]).name for p in found["problems"]] == [entry.name]


@pytest.mark.parametrize("since", [None, "2025-11-01"])
def test_the_pdf_report_is_made_from_its_window_with_the_figures_of_the_whole_log(
    since_first: Cli,
    backcare_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    since: str | None,
) -> None:
    from backcare.commands import export as export_command
    from backcare.domain.report import full_report
    from backcare.loading.library import load_library

    seen: list[Any] = []
    real = export_command.export_context

    def context(*args: Any, **kwargs: Any) -> Any:
        seen.append((args[2], kwargs["report"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(export_command, "export_context", context)
    hand_edit(backcare_home, "2025-05")  # a month summarised again on the way
    argv = ["export", "--format", "pdf", "--out", str(tmp_path / "r.pdf")]
    res = since_first(*argv, *(["--from", since] if since else []))
    assert res.exit_code == 0, res.output
    ((start, report),) = seen
    assert start == (date.fromisoformat(since) if since else TODAY - timedelta(days=83))
    s = Store(backcare_home)
    whole = full_report(
        s.profile(),
        s.history(None, TODAY),
        s.prescriptions(),
        start,
        TODAY,
        TODAY,
        load_library(backcare_home),
        DEFAULT,
        s.goals(),
    )
    assert report == whole and report.streak_days < (TODAY - FIRST).days
