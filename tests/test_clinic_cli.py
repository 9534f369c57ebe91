"""`backcare clinic`: a physiotherapist's caseload over patients' exports (issue 16).

Patients' exports are made here as a patient's `export` would write them; the clinic folder
is `clinic/` in the test's data folder unless BACKCARE_CLINIC_HOME says otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

TODAY = date(2026, 3, 20)
START = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())


@pytest.fixture
def clinic_home(backcare_home: Path) -> Path:
    return backcare_home / "clinic"


def export_doc(
    patient_id: str | None,
    days: int = 14,
    *,
    end: date = TODAY,
    pain: int = 4,
    baseline: int = 6,
    skip_last: int = 0,
    exported_at: str | None = None,
    extra_checkins: list[dict[str, Any]] = (),
    created: date = date(2026, 1, 5),
) -> dict[str, Any]:
    """A patient's JSON export: ``days`` days of sessions and check-ins up to ``end``, the
    last ``skip_last`` days without a session."""
    first = end - timedelta(days=days - 1)
    sessions, checkins = [], []
    tag = "".join(c for c in patient_id or "anon" if c.isalnum())[-6:]
    for n in range(days):
        d = first + timedelta(days=n)
        if n < days - skip_last:
            sessions.append(
                {
                    "id": f"s-{d:%Y%m%d}-{tag}",
                    "date": d.isoformat(),
                    "pain_before": pain,
                    "pain_after": pain,
                    "note": None,
                    "exercises": [
                        {
                            "exercise_id": "bridge",
                            "status": "done",
                            "sets": 2,
                            "reps": 8,
                            "hold_seconds": 5,
                            "duration_minutes": None,
                            "pain": 2,
                        },
                        {
                            "exercise_id": "walking",
                            "status": "done",
                            "sets": None,
                            "reps": None,
                            "hold_seconds": None,
                            "duration_minutes": 20,
                            "pain": None,
                        },
                    ],
                }
            )
        checkins.append(
            {
                "id": f"p-{d.isoformat()}",
                "date": d.isoformat(),
                "score": pain,
                "note": None,
                "symptoms": [],
                "flare": False,
            }
        )
    for extra in extra_checkins:
        checkins = [c for c in checkins if c["date"] != extra["date"]] + [extra]
    profile = {
        "start_date": first.isoformat(),
        "baseline_pain": baseline,
        "minutes_per_day": 20,
        "days_per_week": 7,
        "equipment": ["none", "mat"],
        "avoid_positions": [],
        "red_flags": [],
        "cleared_by_clinician": False,
        "conditions": [],
        "assessed_by_clinician": True,
        "created": created.isoformat(),
        "updated": first.isoformat(),
        "cleared_on": None,
        "patient_id": patient_id,
    }
    return {
        "format": "backcare-export",
        "version": 1,
        "exported_at": exported_at or f"{end.isoformat()}T08:00:00+00:00",
        "profile": profile,
        "sessions": sessions,
        "pain_checkins": sorted(checkins, key=lambda c: c["date"]),
        "assessments": [],
        "visits": [],
        "goals": [],
        "programme": None,
    }


def write(tmp_path: Path, name: str, doc: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


def rows(cli: Cli, *args: str) -> list[dict[str, Any]]:
    res = cli("clinic", "list", "--json", *args)
    assert res.exit_code == 0, res.output
    patients: list[dict[str, Any]] = res.json()["patients"]
    return patients


# --- add, merge, list ------------------------------------------------------------------------


def test_add_then_list_puts_the_most_urgent_patient_first(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calm = write(tmp_path, "calm.json", export_doc("pt-calm000000000001", pain=2))
    stopped = write(
        tmp_path, "stopped.json", export_doc("pt-stop000000000002", pain=4, skip_last=8)
    )
    severe = write(
        tmp_path,
        "severe.json",
        export_doc(
            "pt-sevr000000000003",
            pain=5,
            extra_checkins=[
                {
                    "id": f"p-2026-03-{d}",
                    "date": f"2026-03-{d}",
                    "score": 8,
                    "note": None,
                    "symptoms": [],
                    "flare": False,
                }
                for d in (17, 18, 19)
            ],
        ),
    )
    assert cli("clinic", "add", str(calm), "--as", "Calm Carol").exit_code == 0
    assert cli("clinic", "add", str(stopped), "--as", "Stopped Sam").exit_code == 0
    res = cli("clinic", "add", str(severe), "--as", "Severe Sue")
    assert res.exit_code == 0, res.output
    assert "Added Severe Sue" in res.output
    order = [r["name"] for r in rows(cli)]
    assert order == ["Severe Sue", "Stopped Sam", "Calm Carol"]
    first, second, third = rows(cli)
    # Severe pain on 3 days in a row is critical (CLINICAL.md §12); one day is high.
    assert first["alert"]["level"] == "critical" and first["alert"]["rule"] == "severe-pain-3-days"
    assert second["days_since_session"] == 8 and second["alert"]["level"] == "high"
    assert third["alert"] is None and third["adherence_percent"] == 100.0
    assert third["pain"] == {"baseline": 6, "current": 2.0, "change": -4.0, "verdict": "improving"}
    monkeypatch.setenv("COLUMNS", "80")  # a wider terminal widens the alert column
    table = cli("clinic", "list")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[2].startswith("!! Severe Sue") and "CRIT severe-pain" in lines[2]
    assert lines[3].startswith("   Stopped Sam")  # only a critical row is marked
    assert "↓" in lines[4] and "100%" in lines[4]
    only = cli("clinic", "list", "--alerts-only", "--json").json()["patients"]
    assert [r["name"] for r in only] == ["Severe Sue", "Stopped Sam"]


def test_a_newer_export_of_the_same_patient_merges(
    cli: Cli, tmp_path: Path, clinic_home: Path
) -> None:
    early = export_doc("pt-same000000000001", days=10, end=TODAY - timedelta(days=6), baseline=7)
    late = export_doc("pt-same000000000001", days=10, end=TODAY, baseline=6)
    assert (
        cli("clinic", "add", str(write(tmp_path, "a.json", early)), "--as", "J. Smith").exit_code
        == 0
    )
    res = cli("clinic", "add", str(write(tmp_path, "b.json", late)), "--json")
    assert res.exit_code == 0, res.output
    (line,) = res.json()["added"]
    assert line["new"] is False and line["records_added"] == 12  # 6 sessions, 6 check-ins
    (row,) = rows(cli)
    assert row["name"] == "J. Smith"  # the name given once stays
    assert row["pain"]["baseline"] == 6  # the newer export's profile
    from backcare.storage import Store

    (folder,) = (clinic_home / "patients").iterdir()
    sessions = Store(folder).history().sessions
    assert len(sessions) == len({s.id for s in sessions}) == 16  # nothing twice
    # An older export added afterwards adds nothing and changes nothing.
    before = snapshot(clinic_home, skip_cache=True)
    again = cli("clinic", "add", str(write(tmp_path, "a2.json", early)), "--json")
    assert again.json()["added"][0]["records_added"] == 0
    assert rows(cli)[0]["pain"]["baseline"] == 6
    after = snapshot(clinic_home, skip_cache=True)
    assert {k: v for k, v in after.items() if "backups" not in k and k != "clinic.json"} == {
        k: v for k, v in before.items() if "backups" not in k and k != "clinic.json"
    }


def test_as_names_one_patient(cli: Cli, tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", export_doc("pt-aaaa000000000001"))
    b = write(tmp_path, "b.json", export_doc("pt-bbbb000000000002"))
    res = cli("clinic", "add", str(a), str(b), "--as", "J. Smith")
    assert res.exit_code == 2 and "--as" in res.stderr
    assert cli("clinic", "add", str(a), "--as", "bad\x1bname").exit_code == 2
    assert cli("clinic", "add", str(a), str(b)).exit_code == 0
    labels = sorted(r["patient"] for r in rows(cli))
    assert labels == ["pt-aaaa000000000001", "pt-bbbb000000000002"]


def test_show_is_the_patients_own_progress_view(patient: Cli, tmp_path: Path) -> None:
    """The same figures, from the same code: the patient's `progress` and the clinic's
    `show` of their export agree."""
    for n in range(10):
        d = (START + timedelta(days=n)).isoformat()
        patient("log", "--done", "walking", "--date", d, "--pain-after", "3")
        patient("pain", str(3 + n % 4), "--date", d)
    patient("assess", "odi", "--answers", "2,2,2,2,2,2,2,2,2,2", "--date", "2026-03-03")
    out = tmp_path / "mine.json"
    assert patient("export", "--format", "json", "--out", str(out)).exit_code == 0
    assert patient("clinic", "add", str(out), "--as", "Me").exit_code == 0
    own = patient("progress", "--json", "--weeks", "3").json()
    seen = patient(
        "clinic", "show", "Me", "--json", "--weeks", "3", "--date", TODAY.isoformat()
    ).json()
    assert seen.pop("name") == "Me" and seen.pop("patient").startswith("pt-")
    seen.pop("exported_at")
    assert seen.pop("voice") == "clinician" and seen.pop("clinical")["conditions"] == []
    assert "your" not in seen.pop("verdict_text").casefold()
    own.pop("verdict_text")
    assert seen == own
    table = patient("clinic", "show", "me")
    assert table.exit_code == 0 and "Me (pt-" in table.output and "Pain" in table.stdout


def test_report_is_the_patients_pdf(cli: Cli, tmp_path: Path) -> None:
    cli(
        "clinic",
        "add",
        str(write(tmp_path, "a.json", export_doc("pt-rprt000000000001"))),
        "--as",
        "J. Smith",
    )
    pdf = tmp_path / "smith.pdf"
    res = cli("clinic", "report", "J. Smith", "--out", str(pdf))
    assert res.exit_code == 0, res.output
    assert pdf.read_bytes().startswith(b"%PDF") and (pdf.stat().st_mode & 0o777) == 0o600
    from pypdf import PdfReader

    text = PdfReader(str(pdf)).pages[0].extract_text()
    assert "J. Smith" in text
    again = cli("clinic", "report", "J. Smith", "--out", str(pdf))
    assert again.exit_code == 1 and "--force" in again.stderr


def test_remove_needs_yes_and_keeps_a_backup(cli: Cli, tmp_path: Path, clinic_home: Path) -> None:
    cli(
        "clinic",
        "add",
        str(write(tmp_path, "a.json", export_doc("pt-gone000000000001"))),
        "--as",
        "J. Smith",
    )
    before = snapshot(clinic_home)
    res = cli("clinic", "remove", "J. Smith")
    assert res.exit_code == 2 and "--yes" in res.stderr
    assert snapshot(clinic_home) == before
    res = cli("clinic", "remove", "J. Smith", "--yes")
    assert res.exit_code == 0, res.output
    assert rows(cli) == []
    kept = [p for p in (clinic_home / "backups").rglob("backcare.json")]
    assert len(kept) == 1 and "patients" in kept[0].parts
    assert json.loads(kept[0].read_text())["profile"]["1"]["patient_id"] == "pt-gone000000000001"
    assert cli("clinic", "show", "J. Smith").exit_code == 1


def test_the_clinic_folder_is_private_and_can_be_elsewhere(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "practice"
    monkeypatch.setenv("BACKCARE_CLINIC_HOME", str(elsewhere))
    cli("clinic", "add", str(write(tmp_path, "a.json", export_doc("pt-priv000000000001"))))
    assert (elsewhere / "clinic.json").is_file()
    for path in [elsewhere, *elsewhere.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), path
    res = cli("doctor", "--clinic", "--json")
    assert res.exit_code == 0 and res.json()["clean"] is True


def test_csv_lists_the_same_rows_and_neutralises_formulas(cli: Cli, tmp_path: Path) -> None:
    cli(
        "clinic",
        "add",
        str(write(tmp_path, "a.json", export_doc("pt-csvv000000000001"))),
        "--as",
        "=HYPERLINK(1)",
    )
    res = cli("clinic", "list", "--csv")
    assert res.exit_code == 0
    (row,) = list(csv.DictReader(io.StringIO(res.stdout)))
    assert row["patient"] == "pt-csvv000000000001"
    assert not row["name"].startswith("=")
    assert row["adherence_percent"] == "100.0" and row["reassessment_due"] == "yes"
    assert cli("clinic", "list", "--csv", "--json").exit_code == 2


def test_list_of_an_empty_clinic(cli: Cli) -> None:
    res = cli("clinic", "list")
    assert res.exit_code == 0 and "No patients yet" in res.output
    assert cli("clinic", "list", "--json").json()["patients"] == []


def test_unknown_and_ambiguous_patients_are_named(cli: Cli, tmp_path: Path) -> None:
    for n in (1, 2):
        cli(
            "clinic", "add", str(write(tmp_path, f"{n}.json", export_doc(f"pt-dupe00000000000{n}")))
        )
    res = cli("clinic", "show", "pt-dupe")
    assert res.exit_code == 1 and "several patients" in res.stderr
    assert cli("clinic", "show", "pt-dupe000000000001", "--json").exit_code == 0
    res = cli("clinic", "show", "nobody")
    assert res.exit_code == 1 and "no patient 'nobody'" in res.stderr


# --- bad and hostile files ---------------------------------------------------------------------

BAD_FILES = {
    "not-json.json": ("{not json", "not valid JSON"),
    "other.json": ({"hello": "world"}, "not a backcare export"),
    "future.json": ({**export_doc("pt-futr000000000001"), "version": 2}, "export version 2"),
    "bad-record.json": (
        {
            **export_doc("pt-badr000000000001"),
            "pain_checkins": [
                {
                    "id": "p-2026-03-19",
                    "date": "2026-03-19",
                    "score": 14,
                    "note": None,
                    "symptoms": [],
                    "flare": False,
                }
            ],
        },
        "score",
    ),
    "tomorrow.json": (
        export_doc("pt-tmrw000000000001", end=TODAY + timedelta(days=1)),
        "in the future",
    ),
    "control-id.json": (export_doc("pt-\x1b[31m"), "control characters"),
    "fhir-other.json": (
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": "urn:uuid:1",
                    "resource": {"resourceType": "Patient", "identifier": [{"value": "x"}]},
                }
            ],
        },
        "did not write",
    ),
    "fhir-searchset.json": (
        {"resourceType": "Bundle", "type": "searchset", "entry": []},
        "not one backcare writes",
    ),
    "empty-export.json": (
        {**export_doc(None), "profile": None, "sessions": [], "pain_checkins": []},
        "nothing to add",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_and_nothing_is_written(
    cli: Cli, tmp_path: Path, clinic_home: Path, name: str
) -> None:
    good = write(tmp_path, "good.json", export_doc("pt-good000000000001"))
    content, said = BAD_FILES[name]
    bad = write(tmp_path, name, content)
    res = cli("clinic", "add", str(good), str(bad))
    assert res.exit_code == 1, res.output
    assert said in res.stderr and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) <= 3
    assert not clinic_home.exists()  # not even the good one: nothing is written


def test_links_fifos_and_folders_are_refused(cli: Cli, tmp_path: Path, clinic_home: Path) -> None:
    good = write(tmp_path, "good.json", export_doc("pt-good000000000001"))
    link = tmp_path / "link.json"
    link.symlink_to(good)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    for path, said in (
        (link, "symbolic link"),
        (fifo, "regular file"),
        (tmp_path, "folder"),
        (tmp_path / "missing.json", "no such file"),
    ):
        res = cli("clinic", "add", str(path))
        assert res.exit_code == 1 and said in res.stderr, (path, res.output)
    assert not clinic_home.exists()


def test_a_hostile_identifier_never_names_a_path(
    cli: Cli, tmp_path: Path, clinic_home: Path
) -> None:
    doc = export_doc("../../../../etc/backcare")
    assert cli("clinic", "add", str(write(tmp_path, "a.json", doc))).exit_code == 0
    (folder,) = (clinic_home / "patients").iterdir()
    assert len(folder.name) == 32 and all(c in "0123456789abcdef" for c in folder.name)
    assert rows(cli)[0]["patient"] == "../../../../etc/backcare"


def test_an_export_from_before_patient_ids_is_keyed_by_its_records(
    cli: Cli, tmp_path: Path
) -> None:
    doc = export_doc(None)
    doc["profile"].pop("patient_id")
    assert cli("clinic", "add", str(write(tmp_path, "old.json", doc))).exit_code == 0
    assert cli("clinic", "add", str(write(tmp_path, "old2.json", doc))).exit_code == 0
    (row,) = rows(cli)
    assert row["patient"].startswith("record:s-")


# --- FHIR bundles ------------------------------------------------------------------------------


def test_a_fhir_bundle_backcare_wrote_adds_the_same_records(
    patient: Cli, tmp_path: Path, backcare_home: Path, clinic_home: Path
) -> None:
    from backcare.storage import Store

    for n in range(6):
        d = (START + timedelta(days=n)).isoformat()
        patient(
            "log",
            "--done",
            "walking",
            "--hurt",
            "walking=3",
            "--date",
            d,
            "--pain-before",
            "4",
            "--pain-after",
            "3",
            "--note",
            "ok",
        )
        patient("pain", "5", "--date", d, "--symptom", "tingling", "--note", "stiff")
    patient("pain", "6", "--date", "2026-03-09", "--flare")
    patient("assess", "startback", "--answers", "y,n,y,n,n,n,y,n,2", "--date", "2026-03-02")
    patient("assess", "psfs", "--answers", "walking=4,bending=3,sitting=6", "--date", "2026-03-03")
    patient("visit", "manual-therapy", "--note", "mobilised", "--date", "2026-03-04")
    patient("goal", "add", "walk the dog", "--by", "2026-04-30")
    bundle = tmp_path / "mine.fhir.json"
    assert patient("export", "--format", "fhir", "--out", str(bundle)).exit_code == 0
    res = patient("clinic", "add", str(bundle), "--as", "Via FHIR", "--json")
    assert res.exit_code == 0, res.output
    assert res.json()["added"][0]["format"] == "fhir"
    own = Store(backcare_home)
    (folder,) = (clinic_home / "patients").iterdir()
    copy = Store(folder)
    assert copy.history() == own.history()
    assert [g.text for g in copy.goals()] == ["walk the dog"]
    assert (own.profile() and own.profile().patient_id) == rows(patient)[0]["patient"]
    assert copy.profile() == own.profile()  # the bundle carries the profile (issue 22)
    # The JSON export of the same patient merges into the same patient, adding nothing.
    out = tmp_path / "mine.json"
    patient("export", "--format", "json", "--out", str(out))
    again = patient("clinic", "add", str(out), "--json").json()["added"][0]
    assert again["new"] is False and again["records_added"] == 0
    assert copy.profile() == own.profile()


def test_an_older_backcare_fhir_bundle_is_refused(
    patient: Cli, tmp_path: Path, clinic_home: Path
) -> None:
    bundle = tmp_path / "b.json"
    patient("log", "--done", "walking")
    patient("export", "--format", "fhir", "--out", str(bundle))
    doc = json.loads(bundle.read_text())
    for entry in doc["entry"]:
        ids = entry["resource"]["identifier"]
        if isinstance(ids, list):
            entry["resource"]["identifier"] = ids[:1]
    bundle.write_text(json.dumps(doc))
    res = patient("clinic", "add", str(bundle))
    assert res.exit_code == 1 and "older backcare" in res.stderr
    assert not clinic_home.exists()


# --- the summaries: made at add, checked against the patient's files ---------------------------


def test_list_uses_the_summaries_made_at_add(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clinic_home: Path
) -> None:
    from backcare.commands import clinic as clinic_cmd

    cli("clinic", "add", str(write(tmp_path, "a.json", export_doc("pt-summ000000000001"))))
    first = rows(cli)
    made: list[str] = []
    real = clinic_cmd.summarise

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append("x")
        return real(*args, **kwargs)

    monkeypatch.setattr(clinic_cmd, "summarise", counting)
    assert rows(cli) == first and made == []  # no history was read
    # A patient's file changed behind the clinic's back: that summary is made again.
    (month,) = (clinic_home / "patients").glob("*/log/2026-03.json")
    os.utime(month, ns=(1, 1))
    assert rows(cli) == first and made == ["x"]
    assert rows(cli) == first and made == ["x"]  # and kept
    # A damaged cache is only a copy: made again, never trusted.
    cache_file = clinic_home / "cache" / "caseload.cache"
    raw = bytearray(cache_file.read_bytes())
    raw[-5] ^= 0x01
    cache_file.write_bytes(bytes(raw))
    assert rows(cli) == first and len(made) == 2


def test_doctor_restores_a_damaged_clinic_list(cli: Cli, tmp_path: Path, clinic_home: Path) -> None:
    cli(
        "clinic",
        "add",
        str(write(tmp_path, "a.json", export_doc("pt-doct000000000001"))),
        "--as",
        "A",
    )
    cli(
        "clinic",
        "add",
        str(write(tmp_path, "b.json", export_doc("pt-doct000000000002"))),
        "--as",
        "B",
    )
    (clinic_home / "clinic.json").write_text("{damaged")
    res = cli("clinic", "list")
    assert res.exit_code == 1 and "doctor" in res.stderr
    res = cli("doctor", "--clinic", "--yes")
    assert res.exit_code == 0, res.output
    assert [r["name"] for r in rows(cli)] == ["A"]  # the backup from before B's add
    # B's folder is still there, and named, so that B's export can be added again.
    res = cli("doctor", "--clinic", "--json")
    (problem,) = res.json()["problems"]
    assert "not in the clinic's list" in problem["problem"] and problem["fix"] is None


# --- prescribe ---------------------------------------------------------------------------------


def test_prescribe_drafts_a_file_that_programme_import_accepts(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = export_doc("pt-pres000000000001")
    doc["programme"] = {
        "prescribed_by": "A. Physio",
        "start": None,
        "allow_progression": True,
        "exercises": [
            {
                "id": "bridge",
                "sets": 2,
                "reps": 8,
                "hold_seconds": 5,
                "days": ["mon", "wed", "fri"],
                "note": "slowly",
            },
            {"id": "walking", "duration_minutes": 20, "days": None, "note": None},
        ],
    }
    cli("clinic", "add", str(write(tmp_path, "a.json", doc)), "--as", "J. Smith")
    draft = tmp_path / "next.yaml"
    res = cli("clinic", "prescribe", "J. Smith", "--out", str(draft))
    assert res.exit_code == 0, res.output
    text = draft.read_text()
    assert "Next prescription for J. Smith" in text and 'prescribed_by: "A. Physio"' in text
    assert "days: [mon, wed, fri]" in text and 'note: "slowly"' in text
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "patient"))
    res = cli("programme", "import", str(draft), "--json")
    assert res.exit_code == 0, res.output
    got = res.json()
    assert got["allow_progression"] is True
    assert sorted(e["id"] for e in got["exercises"]) == ["bridge", "walking"]


def test_the_clinics_progress_is_the_patients_own_with_their_prescriptions(
    patient: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: a Monday-only prescription, cleared a week later, planned 1 session in its
    week; the clinic read only the latest (none) and planned every day. One loader now
    reads the patient's record, history of prescriptions included, for both; and `show`
    reads the patient's own folder for its default period (it passed their id)."""
    monday_only = tmp_path / "mondays.yaml"
    monday_only.write_text(
        "exercises:\n  - id: walking\n    duration_minutes: 15\n    days: [mon]\n", encoding="utf-8"
    )
    monkeypatch.setenv("BACKCARE_TODAY", START.isoformat())
    assert patient("programme", "import", str(monday_only)).exit_code == 0
    monkeypatch.setenv("BACKCARE_TODAY", (START + timedelta(days=7)).isoformat())
    assert patient("programme", "clear").exit_code == 0
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    for n in range(0, 19, 2):
        d = (START + timedelta(days=n)).isoformat()
        patient("log", "--done", "walking", "--date", d)
        patient("pain", "4", "--date", d)
    out = tmp_path / "mine.json"
    assert patient("export", "--format", "json", "--out", str(out)).exit_code == 0
    assert patient("clinic", "add", str(out), "--as", "Mo").exit_code == 0
    own = patient("progress", "--json", "--date", TODAY.isoformat()).json()
    seen = patient("clinic", "show", "Mo", "--json", "--date", TODAY.isoformat()).json()
    for key in ("name", "patient", "exported_at", "voice", "clinical", "verdict_text"):
        seen.pop(key)
    own.pop("verdict_text")
    assert own["from"] == START.isoformat() and own["weekly"][0]["adherence_percent"] == 100
    assert seen == own
    (row,) = rows(patient, "--date", TODAY.isoformat())
    caseload = patient(
        "progress",
        "--json",
        "--from",
        "2026-03-07",
        "--to",
        TODAY.isoformat(),
        "--date",
        TODAY.isoformat(),
    ).json()
    assert row["adherence_percent"] == caseload["adherence_percent"]


# --- corrections and export dates (issue 22) ---------------------------------------------------


def test_the_patients_corrections_reach_the_clinic(
    patient: Cli, tmp_path: Path, backcare_home: Path, clinic_home: Path
) -> None:
    """Edits replace the record, deletions remove it, and a red flag edited in arrives as a
    red flag: the clinic's copy equals the patient's own, whichever export comes first."""
    from backcare.storage import Store

    on = ("--date", TODAY.isoformat())
    for n in range(8):
        d = (START + timedelta(days=n)).isoformat()
        patient("log", "--done", "walking", "--date", d)
        patient("pain", "4", "--date", d)
    first = tmp_path / "first.json"
    assert patient("export", "--format", "json", "--out", str(first), *on).exit_code == 0
    assert patient("clinic", "add", str(first), "--as", "Ed", *on).exit_code == 0
    sessions = patient("history", "--json", *on).json()["sessions"]
    assert patient("edit", "p-2026-03-04", "--score", "8").exit_code == 0  # (--date moves it)
    assert patient("delete", sessions[2]["id"], "--yes").exit_code == 0  # (no --date yet)
    res = patient("edit", "p-2026-03-08", "--symptom", "bladder-bowel")
    assert res.exit_code == 3, res.output  # a red flag, as 'pain' reports one
    second = tmp_path / "second.json"
    assert patient("export", "--format", "json", "--out", str(second), *on).exit_code == 0
    res = patient("clinic", "add", str(second), "--json", *on)
    assert res.exit_code == 0, res.output
    own = Store(backcare_home)
    (folder,) = (clinic_home / "patients").iterdir()
    assert Store(folder).history() == own.history()
    mine = patient("history", "--json", *on).json()
    assert len(mine["sessions"]) == 7
    assert (
        patient("clinic", "show", "Ed", "--json", *on).json()["alerts"]
        == patient("progress", "--json", *on).json()["alerts"]
    )
    (row,) = rows(patient, *on)
    assert row["alert"]["rule"] == "red-flag" and row["alert"]["symptoms"] == ["bladder-bowel"]
    # The older export again brings back nothing that was deleted or edited away.
    again = patient("clinic", "add", str(first), "--json", *on)
    assert again.exit_code == 0 and again.json()["added"][0]["records_added"] == 0
    assert Store(folder).history() == own.history()


def test_a_future_export_date_is_refused_and_nothing_is_written(
    cli: Cli, tmp_path: Path, clinic_home: Path
) -> None:
    good = write(tmp_path, "good.json", export_doc("pt-good000000000001"))
    assert cli("clinic", "add", str(good), "--date", TODAY.isoformat()).exit_code == 0
    before = snapshot(clinic_home, skip_cache=True)
    for exported_at, said in (
        ("2030-01-01T09:00:00+00:00", "more than a day after today"),
        ("next tuesday", "not a date and time"),
    ):
        doc = export_doc("pt-good000000000001", exported_at=exported_at)
        res = cli("clinic", "add", str(write(tmp_path, "ahead.json", doc)))
        assert res.exit_code == 1 and said in res.stderr, res.output
        assert "Nothing was added" in res.stderr
        assert snapshot(clinic_home, skip_cache=True) == before
    # A clock an hour or a day ahead (another time zone) is not a reason to refuse.
    tomorrow = export_doc(
        "pt-good000000000001", exported_at=f"{TODAY + timedelta(days=1)}T01:00:00+09:00"
    )
    assert cli("clinic", "add", str(write(tmp_path, "tz.json", tomorrow))).exit_code == 0


def test_an_export_claiming_another_patients_identity_is_refused_unless_forced(
    cli: Cli, tmp_path: Path, clinic_home: Path
) -> None:
    mine = export_doc("pt-mine000000000001", pain=2)
    assert (
        cli("clinic", "add", str(write(tmp_path, "mine.json", mine)), "--as", "J. Smith").exit_code
        == 0
    )
    before = snapshot(clinic_home, skip_cache=True)
    stranger = export_doc("pt-mine000000000001", pain=8, created=date(2025, 6, 1))
    path = write(tmp_path, "stranger.json", stranger)
    res = cli("clinic", "add", str(path), "--date", TODAY.isoformat())
    assert res.exit_code == 1, res.output
    assert "J. Smith (pt-mine000000000001)" in res.stderr
    assert "2025-06-01" in res.stderr and "2026-01-05" in res.stderr and "--force" in res.stderr
    assert snapshot(clinic_home, skip_cache=True) == before
    assert cli("clinic", "add", str(path), "--force").exit_code == 0


def test_the_profile_changed_last_wins_whatever_the_exports_order(cli: Cli, tmp_path: Path) -> None:
    """An export's date never orders the merge: the profile's own 'updated' day does."""
    old = export_doc(
        "pt-ordr000000000001", baseline=7, exported_at=f"{TODAY.isoformat()}T23:00:00+00:00"
    )
    new = export_doc(
        "pt-ordr000000000001",
        baseline=5,
        exported_at=f"{(TODAY - timedelta(days=3)).isoformat()}T08:00:00+00:00",
    )
    new["profile"]["updated"] = TODAY.isoformat()
    new["profile"]["red_flags"] = ["fever"]
    assert cli("clinic", "add", str(write(tmp_path, "old.json", old))).exit_code == 0
    assert cli("clinic", "add", str(write(tmp_path, "new.json", new))).exit_code == 0
    (row,) = rows(cli, "--date", TODAY.isoformat())
    assert row["pain"]["baseline"] == 5
    assert row["alert"]["rule"] == "red-flag" and row["alert"]["symptoms"] == ["fever"]
