"""`backcare export --format ics`: the coming weeks' exercise days as calendar events, at
the patient's time, in their time zone, with a reminder at the start."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backcare.domain.models import Dose, PrescribedItem, Prescription, Profile
from backcare.exporters import ExportContext, get_exporter
from backcare.exporters.ics_export import uid_for
from backcare.storage import Store

D = date.fromisoformat


def plan(
    day: str, minutes: float = 24.6, items: list[dict[str, Any]] | None = None, mode: str = "normal"
) -> dict[str, Any]:
    if items is None:
        items = [
            {
                "exercise_id": "bridge",
                "name": "Bridge",
                "category": "strengthening",
                "sets": 2,
                "reps": 10,
                "hold_seconds": 5,
                "duration_minutes": None,
                "per_side": False,
                "reason": "r",
            },
            {
                "exercise_id": "hamstring-stretch",
                "name": "Hamstring stretch",
                "category": "stretching",
                "sets": 1,
                "reps": 3,
                "hold_seconds": 20,
                "duration_minutes": None,
                "per_side": True,
                "reason": "r",
            },
            {
                "exercise_id": "walking",
                "name": "Walking",
                "category": "aerobic",
                "sets": None,
                "reps": None,
                "hold_seconds": None,
                "duration_minutes": 15,
                "reason": "r",
            },
        ]
    return {"date": day, "mode": mode, "total_minutes": minutes, "items": items, "warnings": []}


def calendar(data: bytes) -> Any:
    from icalendar import Calendar

    return Calendar.from_ical(data)


def events(data: bytes) -> list[Any]:
    """The planned sessions (not the cancellations)."""
    return [e for e in calendar(data).walk("VEVENT") if str(e.get("status")) != "CANCELLED"]


def cancelled(data: bytes) -> list[Any]:
    return [e for e in calendar(data).walk("VEVENT") if str(e.get("status")) == "CANCELLED"]


LONDON = "Europe/London"


def render(
    plans: list[dict[str, Any]], exported_at: str = "2026-03-01T20:00:00+01:00", **changes: Any
) -> bytes:
    values: dict[str, Any] = {"time_zone": LONDON, "remind_at": time(18, 0)}
    values.update(changes)
    ctx = ExportContext(doc={}, exported_at=exported_at, plans=tuple(plans), **values)
    return get_exporter("ics").render(ctx).data


def test_one_timed_event_per_plan_in_the_patients_zone_with_a_reminder_at_its_start() -> None:
    data = render(
        [plan("2026-03-02"), plan("2026-03-04", 10.2), plan("2026-03-05", items=[])]
    )  # a rest day: no event
    found = events(data)
    zone = ZoneInfo(LONDON)
    assert [e.decoded("dtstart") for e in found] == [
        datetime(2026, 3, 2, 18, 0, tzinfo=zone),
        datetime(2026, 3, 4, 18, 0, tzinfo=zone),
    ]
    first = found[0]
    assert first.decoded("dtend") == datetime(2026, 3, 2, 18, 25, tzinfo=zone)
    assert b"DTSTART;TZID=Europe/London:20260302T180000" in data
    (vtimezone,) = calendar(data).walk("VTIMEZONE")
    assert str(vtimezone["tzid"]) == LONDON
    assert str(first["summary"]) == "backcare: 25 min exercise session"
    assert str(found[1]["summary"]) == "backcare: 10 min exercise session"
    assert str(first["uid"]) == uid_for("patient", "2026-03-02")  # no key given
    (alarm,) = first.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    assert alarm.decoded("trigger") == timedelta(0)  # relative to the start, not to midnight
    assert alarm["trigger"].params.get("RELATED", "START") == "START"
    assert first.decoded("dtstamp").isoformat() == "2026-03-01T19:00:00+00:00"
    assert calendar(data)["version"] == "2.0"


def test_the_local_time_holds_across_a_clock_change() -> None:
    """18:00 in London is 18:00 GMT before 29 March 2026 and 18:00 BST after it."""
    found = events(render([plan("2026-03-27"), plan("2026-03-30")]))
    utc = [e.decoded("dtstart").astimezone(UTC).hour for e in found]
    assert utc == [18, 17]


def test_without_a_known_zone_the_events_are_in_utc_at_the_local_offset() -> None:
    data = render([plan("2026-03-02")], time_zone=None, utc_offset=timedelta(hours=2))
    (event,) = events(data)
    assert event.decoded("dtstart") == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert b"DTSTART:20260302T160000Z" in data
    assert not calendar(data).walk("VTIMEZONE")


def test_a_later_export_has_a_higher_sequence_so_calendars_update_the_event() -> None:
    (old,) = events(render([plan("2026-03-02")], "2026-03-01T20:00:00+01:00"))
    (new,) = events(render([plan("2026-03-02", 30)], "2026-03-01T20:05:00+01:00"))
    assert str(old["uid"]) == str(new["uid"])
    assert int(new["sequence"]) > int(old["sequence"]) >= 0


def test_the_description_lists_the_exercises_with_their_doses() -> None:
    (event,) = events(render([plan("2026-03-02")]))
    text = str(event["description"])
    assert "- Bridge (strengthening): 2 × 10, hold 5 s" in text
    assert "- Hamstring stretch (stretching): 1 × 3, hold 20 s each side" in text
    assert "- Walking (aerobic): 15 min" in text


def test_a_flare_plan_says_so() -> None:
    (event,) = events(render([plan("2026-03-02", 12, mode="flare")]))
    assert "flare-up" in str(event["summary"])


def test_uids_are_stable_per_date() -> None:
    a = events(render([plan("2026-03-02")]))
    b = events(render([plan("2026-03-02", 30)]))
    assert str(a[0]["uid"]) == str(b[0]["uid"])
    assert uid_for("pt-1", "2026-03-02") != uid_for("pt-1", "2026-03-03")


def test_the_command_puts_events_on_the_prescribed_days(
    cli, backcare_home: Path, tmp_path: Path
) -> None:
    s = Store(backcare_home)
    s.save_profile(Profile(start_date=D("2026-03-02"), equipment=["none", "mat"]))
    s.save_programme(
        Prescription(
            (
                PrescribedItem(
                    "bridge", Dose(sets=2, reps=10, hold_seconds=5), ("mon", "wed", "fri")
                ),
                PrescribedItem("walking", Dose(duration_minutes=15), ("mon", "fri")),
            ),
            "A. Physio",
            D("2026-03-02"),
        )
    )
    out = tmp_path / "sessions.ics"
    res = cli(
        "export",
        "--format",
        "ics",
        "--out",
        str(out),
        "--date",
        "2026-03-02",
        "--weeks",
        "2",
        "--json",
    )
    assert res.exit_code == 0, res.output
    found = events(out.read_bytes())
    mondays = [D("2026-03-02"), D("2026-03-09")]
    expected = sorted(m + timedelta(days=k) for m in mondays for k in (0, 2, 4))
    assert [e.decoded("dtstart").date() for e in found] == expected
    assert res.json()["records"] == 6
    assert "Walking" in str(found[0]["description"])
    assert "Walking" not in str(found[1]["description"])  # not prescribed on Wednesdays


def test_the_command_follows_the_profiles_days_per_week(
    cli, backcare_home: Path, tmp_path: Path
) -> None:
    Store(backcare_home).save_profile(
        Profile(start_date=D("2026-03-02"), days_per_week=3, equipment=["none", "mat"])
    )
    out = tmp_path / "s.ics"
    res = cli("export", "--format", "ics", "--out", str(out), "--date", "2026-03-02")
    assert res.exit_code == 0, res.output
    days = [e.decoded("dtstart").date() for e in events(out.read_bytes())]
    assert len(days) == 4 * 3  # four weeks by default
    assert {d.weekday() for d in days} == {0, 2, 4}  # spread: Monday, Wednesday, Friday
    assert all(str(e["summary"]).startswith("backcare: ") for e in events(out.read_bytes()))


def test_weeks_must_be_sensible(cli, tmp_path: Path) -> None:
    res = cli("export", "--format", "ics", "--out", str(tmp_path / "x.ics"), "--weeks", "0")
    assert res.exit_code == 2 and "--weeks" in res.output


def test_at_sets_the_time_in_the_local_zone(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    Store(backcare_home).save_profile(
        Profile(start_date=D("2026-03-02"), equipment=["none", "mat"])
    )
    out = tmp_path / "s.ics"
    res = cli(
        "export",
        "--format",
        "ics",
        "--out",
        str(out),
        "--date",
        "2026-03-02",
        "--weeks",
        "1",
        "--at",
        "7:30",
    )
    assert res.exit_code == 0, res.output
    first = events(out.read_bytes())[0]
    assert first.decoded("dtstart") == datetime(
        2026, 3, 2, 7, 30, tzinfo=ZoneInfo("America/New_York")
    )
    default = tmp_path / "d.ics"
    assert (
        cli("export", "--format", "ics", "--out", str(default), "--date", "2026-03-02").exit_code
        == 0
    )
    assert events(default.read_bytes())[0].decoded("dtstart").time() == time(9, 0)


@pytest.mark.parametrize("bad", ["25:00", "18:60", "18", "6pm", "18:5", "-1:00", "１８:00", ""])
def test_at_must_be_a_time_of_day(cli, tmp_path: Path, bad: str) -> None:
    res = cli("export", "--format", "ics", "--out", str(tmp_path / "x.ics"), "--at", bad)
    assert res.exit_code == 2 and "--at" in res.stderr and "HH:MM" in res.stderr
    assert not (tmp_path / "x.ics").exists()


def test_at_is_for_ics_only(cli, tmp_path: Path) -> None:
    res = cli("export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--at", "18:00")
    assert res.exit_code == 2 and "--at is for --format ics only" in res.stderr


def test_out_dash_writes_the_calendar_to_stdout(cli, backcare_home: Path) -> None:
    Store(backcare_home).save_profile(
        Profile(start_date=D("2026-03-02"), equipment=["none", "mat"])
    )
    res = cli("export", "--format", "ics", "--out", "-", "--date", "2026-03-02", "--weeks", "1")
    assert res.exit_code == 0, res.output
    assert len(events(res.stdout.encode("utf-8"))) == 7


def test_a_new_export_cancels_the_days_no_longer_planned(patient, tmp_path: Path) -> None:
    """After a Tue/Thu prescription, the other days' reminders are sent as cancelled, with
    the same UID and a higher SEQUENCE, so a calendar that imported the first file drops
    them (issue 23). UIDs carry the patient's identifier and no host."""
    one = tmp_path / "one.ics"
    res = patient(
        "export", "--format", "ics", "--out", str(one), "--date", "2026-03-02", "--weeks", "2"
    )
    assert res.exit_code == 0, res.output
    rx = tmp_path / "rx.yaml"
    rx.write_text(
        "start: 2026-03-02\nexercises:\n  - id: bridge\n    sets: 2\n"
        "    reps: 10\n    days: [tue, thu]\n",
        "utf-8",
    )
    assert patient("programme", "import", str(rx)).exit_code == 0
    two = tmp_path / "two.ics"
    res = patient(
        "export", "--format", "ics", "--out", str(two), "--date", "2026-03-03", "--weeks", "2"
    )
    assert res.exit_code == 0, res.output
    before = {str(e["uid"]): e for e in events(one.read_bytes())}
    planned = {str(e["uid"]): e for e in events(two.read_bytes())}
    dropped = {str(e["uid"]): e for e in cancelled(two.read_bytes())}
    assert {e.decoded("dtstart").strftime("%a") for e in planned.values()} == {"Tue", "Thu"}
    pid = Store(patient_home()).profile().patient_id
    assert pid and all(
        uid.startswith(f"backcare-{pid}-") and "@" not in uid
        for uid in [*before, *planned, *dropped]
    )
    overlap = {uid for uid, e in before.items() if e.decoded("dtstart").date() >= D("2026-03-03")}
    gone = overlap - set(planned)
    assert gone and gone <= set(dropped)  # every reminder no longer planned is cancelled
    for uid in gone:
        assert int(dropped[uid]["sequence"]) > int(before[uid]["sequence"])
        assert dropped[uid].decoded("dtstart") == before[uid].decoded("dtstart")
    assert not set(dropped) & set(planned)


def patient_home() -> Path:
    import os

    return Path(os.environ["BACKCARE_HOME"])
