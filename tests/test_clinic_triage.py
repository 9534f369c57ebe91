"""`backcare clinic list` as triage (issue 22): red flags first, the symptom and its day on
the row, critical rows that stand out, a patient who stops sending files, and names a
physiotherapist can type."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot
from test_clinic_cli import TODAY, clinic_home, export_doc, rows, write

__all__ = ["clinic_home"]  # the clinic folder fixture, shared

D = TODAY.isoformat()


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", D)


def checkin(day: date, score: int = 4, symptoms: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "id": f"p-{day.isoformat()}",
        "date": day.isoformat(),
        "score": score,
        "note": None,
        "symptoms": list(symptoms),
        "flare": False,
    }


def add(cli: Cli, tmp_path: Path, name: str, doc: dict[str, Any], *extra: str) -> None:
    path = write(tmp_path, f"{name.replace(' ', '-').replace('.', '')}.json", doc)
    res = cli("clinic", "add", str(path), "--as", name, *extra)
    assert res.exit_code == 0, res.output


def test_red_flags_come_first_newest_first_with_their_symptom_and_day(
    cli: Cli, tmp_path: Path
) -> None:
    four_days_ago, six_days_ago = TODAY - timedelta(days=4), TODAY - timedelta(days=6)
    add(
        cli,
        tmp_path,
        "Severe Sue",
        export_doc("pt-sevr000000000001", extra_checkins=[checkin(TODAY - timedelta(days=1), 9)]),
    )
    add(
        cli,
        tmp_path,
        "Saddle Sal",
        export_doc(
            "pt-sadl000000000002", extra_checkins=[checkin(six_days_ago, 3, ("saddle-numbness",))]
        ),
    )
    add(cli, tmp_path, "Low Adherence Lou", export_doc("pt-lowa000000000003", skip_last=12))
    add(
        cli,
        tmp_path,
        "Bladder Bob",
        export_doc(
            "pt-bldr000000000004", extra_checkins=[checkin(four_days_ago, 2, ("bladder-bowel",))]
        ),
    )
    listed = rows(cli, "--date", D)
    assert [r["name"] for r in listed] == [
        "Bladder Bob",
        "Saddle Sal",
        "Severe Sue",
        "Low Adherence Lou",
    ]
    bob = listed[0]["alert"]
    assert bob["rule"] == "red-flag" and bob["level"] == "critical"
    assert bob["symptoms"] == ["bladder-bowel"] and bob["date"] == four_days_ago.isoformat()
    assert listed[1]["alert"]["symptoms"] == ["saddle-numbness"]
    assert listed[2]["alert"]["rule"] == "severe-pain"
    # The CSV names the same symptom and day.
    res = cli("clinic", "list", "--csv", "--date", D)
    first = next(csv.DictReader(io.StringIO(res.stdout)))
    assert (first["name"], first["alert_rule"], first["alert_symptoms"], first["alert_date"]) == (
        "Bladder Bob",
        "red-flag",
        "bladder-bowel",
        four_days_ago.isoformat(),
    )
    # The table: critical rows marked !! (NO_COLOR is set), red flags with symptom and day.
    lines = cli("clinic", "list", "--date", D).stdout.splitlines()
    assert lines[2].startswith("!! Bladder Bob") and "FLAG 16 Mar bladder-bowel" in lines[2]
    assert lines[3].startswith("!! Saddle Sal") and "FLAG 14 Mar saddle-numbness" in lines[3]
    assert lines[4].startswith("   Severe Sue")  # one day of 9/10 is high, not critical
    assert lines[5].startswith("   Low Adherence Lou") and "HIGH" in lines[5]
    assert "\x1b[" not in "\n".join(lines)


def test_a_red_flag_at_the_screen_ranks_above_severe_pain(cli: Cli, tmp_path: Path) -> None:
    flagged = export_doc("pt-scrn000000000001", pain=2)
    flagged["profile"]["red_flags"] = ["bladder-bowel"]
    add(cli, tmp_path, "Screened", flagged)
    add(
        cli,
        tmp_path,
        "Severe",
        export_doc("pt-sevr000000000002", extra_checkins=[checkin(TODAY, 10)]),
    )
    first, second = rows(cli, "--date", D)
    assert first["name"] == "Screened" and first["alert"]["symptoms"] == ["bladder-bowel"]
    assert second["alert"]["rule"] == "severe-pain"


def test_critical_rows_are_red_and_bold_at_a_terminal() -> None:
    from backcare.domain.caseload import ClinicPatient, RowAlert, Summary, caseload
    from backcare.render import clinic as render_clinic

    def patient(pid: str, name: str) -> ClinicPatient:
        return ClinicPatient(pid, "0" * 32, name, TODAY, TODAY, f"{D}T08:00:00+00:00", "json")

    def summary(alert: RowAlert | None) -> Summary:
        return Summary(
            TODAY, alert, 1 if alert else 0, TODAY, 100.0, 6, 3.0, -3.0, "improving", None, False
        )

    red = RowAlert("critical", "red-flag", "…", TODAY, ("fever",))
    made = caseload(
        [(patient("a", "Calm"), summary(None)), (patient("b", "Feverish"), summary(red))], TODAY
    )
    out = io.StringIO()
    render_clinic.table(made, out, 80, colour=True)
    lines = out.getvalue().splitlines()
    assert lines[2].startswith("\x1b[1;31m!! Feverish") and lines[2].endswith("\x1b[0m")
    assert lines[3].startswith("   Calm") and "\x1b[" not in lines[3]


def test_a_patient_who_stops_sending_files_raises_the_no_export_alert(
    cli: Cli, tmp_path: Path, clinic_home: Path
) -> None:
    sent = TODAY - timedelta(days=20)
    add(cli, tmp_path, "Silent Sid", export_doc("pt-sild000000000001", pain=2, end=sent))
    add(cli, tmp_path, "Current Cat", export_doc("pt-curr000000000002", pain=2))
    first, second = rows(cli, "--date", D)
    assert first["name"] == "Silent Sid" and first["stale"] is True
    assert first["export_age_days"] == 20 and first["as_of"] == sent.isoformat()
    assert first["alert"]["rule"] == "no-export" and first["alert"]["level"] == "high"
    assert "20 days" in first["alert"]["message"] and "as of" in first["alert"]["message"]
    assert second["stale"] is False and second["alert"] is None
    assert second["export_age_days"] == 0
    table = cli("clinic", "list", "--date", D).stdout
    assert "HIGH no-export 28 Feb" in table and "20d" in table and "as of" in table
    shown = cli("clinic", "show", "silent", "--date", sent.isoformat())
    assert "(20 days ago): every figure is as of that day" in shown.stderr
    # --date moves "today": ten days after that export, it is not yet stale.
    earlier = rows(cli, "--date", (sent + timedelta(days=10)).isoformat())
    assert all(r["stale"] is False for r in earlier)
    # The number of days is a setting of the clinic's.
    (clinic_home / "settings.yaml").write_text("thresholds:\n  alert_no_export_days: 21\n")
    assert all(r["stale"] is False for r in rows(cli, "--date", D))
    (clinic_home / "settings.yaml").write_text("thresholds:\n  alert_no_export_days: 3\n")
    res = cli("clinic", "list", "--date", D)
    assert res.exit_code == 1 and "alert_no_export_days" in res.stderr


def test_names_are_found_by_any_unique_part_in_any_case(cli: Cli, tmp_path: Path) -> None:
    add(cli, tmp_path, "J. Murphy", export_doc("pt-murp000000000001"))
    add(cli, tmp_path, "Ann Murray", export_doc("pt-murr000000000002"))
    for wanted in ("murphy", "MURPHY", "j. murphy", "j. m", "Murp", "pt-murp"):
        res = cli("clinic", "show", wanted, "--json", "--date", D)
        assert res.exit_code == 0, (wanted, res.output)
        assert res.json()["name"] == "J. Murphy"
    add(cli, tmp_path, "M. O'Brien", export_doc("pt-obri000000000003"))
    assert cli("clinic", "show", "obrien", "--json", "--date", D).json()["name"] == "M. O'Brien"
    res = cli("clinic", "show", "mur", "--date", D)
    assert res.exit_code == 1
    assert "several patients" in res.stderr
    assert "J. Murphy (pt-murp000000000001)" in res.stderr and "Ann Murray" in res.stderr


def test_a_duplicate_name_is_refused_and_a_rename_is_asked_for(
    cli: Cli, tmp_path: Path, clinic_home: Path
) -> None:
    murphy = export_doc("pt-murp000000000001")
    add(cli, tmp_path, "J. Murphy", murphy)
    before = snapshot(clinic_home, skip_cache=True)
    other = write(tmp_path, "other.json", export_doc("pt-othr000000000002"))
    res = cli("clinic", "add", str(other), "--as", "j. murphy")
    assert res.exit_code == 1 and "already has that name" in res.stderr
    again = write(tmp_path, "again.json", murphy)
    res = cli("clinic", "add", str(again), "--as", "John Murphy")
    assert res.exit_code == 2 and "--rename" in res.stderr
    assert snapshot(clinic_home, skip_cache=True) == before
    res = cli("clinic", "add", str(again), "--as", "John Murphy", "--rename")
    assert res.exit_code == 0, res.output
    assert [r["name"] for r in rows(cli, "--date", D)] == ["John Murphy"]


def test_a_long_name_is_not_cut_on_a_wide_terminal(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = "Dr. Jonathan Fitzgerald-Murphy"
    add(cli, tmp_path, long, export_doc("pt-long000000000001"))
    wide = cli("clinic", "list", "--date", D).stdout  # COLUMNS=120 (conftest)
    assert long in wide
    monkeypatch.setenv("COLUMNS", "80")
    narrow = cli("clinic", "list", "--date", D).stdout
    assert long not in narrow and "Dr. Jonatha…" in narrow
    assert all(len(line) <= 80 for line in narrow.splitlines())


def test_a_red_flag_a_clinician_has_cleared_since_ranks_with_the_rest(
    cli: Cli, tmp_path: Path
) -> None:
    flagged_on = TODAY - timedelta(days=5)
    cleared = export_doc(
        "pt-clrd000000000001", pain=2, extra_checkins=[checkin(flagged_on, 2, ("fever",))]
    )
    cleared["profile"].update(
        cleared_by_clinician=True, cleared_on=(flagged_on + timedelta(days=1)).isoformat()
    )
    add(cli, tmp_path, "Cleared Cleo", cleared)
    add(
        cli,
        tmp_path,
        "Severe Sue",
        export_doc("pt-sevr000000000002", extra_checkins=[checkin(TODAY, 9)]),
    )
    first, second = rows(cli, "--date", D)
    assert first["name"] == "Severe Sue"
    assert second["alert"]["rule"] == "red-flag" and second["alert"]["cleared"] is True
    assert second["alert"]["symptoms"] == ["fever"]
    lines = cli("clinic", "list", "--date", D).stdout.splitlines()
    assert lines[2].startswith("   Severe Sue")  # one day of 9/10 is high, not critical
    assert lines[3].startswith("   Cleared Cleo") and "flag 15 Mar fever" in lines[3]
