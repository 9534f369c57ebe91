"""`backcare import PATH`: all or nothing, merging without overwriting, hostile files refused."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import snapshot

from backcare.errors import BackcareError
from backcare.loading.importer import MAX_IMPORT_BYTES, parse_import


def export_doc() -> dict[str, Any]:
    """A small, valid export document, as `export --format json` writes it."""
    return {
        "format": "backcare-export",
        "version": 1,
        "exported_at": "2026-03-20T09:00:00+00:00",
        "profile": {
            "start_date": "2026-03-02",
            "baseline_pain": 6,
            "minutes_per_day": 20,
            "days_per_week": 5,
            "equipment": ["none", "mat"],
            "avoid_positions": [],
            "red_flags": [],
            "cleared_by_clinician": False,
            "conditions": [],
            "assessed_by_clinician": True,
            "created": "2026-03-02",
            "updated": None,
        },
        "sessions": [
            {
                "id": f"s-202603{d:02d}-0000000{d}",
                "date": f"2026-03-{d:02d}",
                "pain_before": 5,
                "pain_after": 4,
                "note": None,
                "exercises": [
                    {
                        "exercise_id": "bridge",
                        "status": "done",
                        "sets": 2,
                        "reps": 10,
                        "hold_seconds": 5,
                        "duration_minutes": None,
                        "pain": 3,
                    },
                    {
                        "exercise_id": "clinic-only-exercise",
                        "status": "skipped",
                        "sets": None,
                        "reps": None,
                        "hold_seconds": None,
                        "duration_minutes": None,
                        "pain": None,
                    },
                ],
            }
            for d in (2, 4, 6)
        ],
        "pain_checkins": [
            {
                "id": f"p-2026-03-{d:02d}",
                "date": f"2026-03-{d:02d}",
                "score": 6 - d // 3,
                "note": None,
                "symptoms": [],
                "flare": False,
            }
            for d in (2, 3, 4, 5)
        ],
        "assessments": [
            {
                "id": "a-20260302-peg",
                "date": "2026-03-02",
                "instrument": "peg",
                "answers": [5, 6, 4],
                "score": 5.0,
                "band": None,
            }
        ],
        "visits": [
            {
                "id": "v-20260303-1",
                "date": "2026-03-03",
                "kind": "manual-therapy",
                "note": "mobilisation",
            }
        ],
        "goals": [
            {
                "id": 1,
                "text": "walk to the shop",
                "created": "2026-03-02",
                "by": None,
                "psfs_activity": None,
                "done_on": None,
            }
        ],
        "programme": None,
    }


def write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_import_into_an_empty_folder_adds_everything(cli, tmp_path: Path) -> None:
    res = cli("import", str(write(tmp_path / "e.json", export_doc())), "--json")
    assert res.exit_code == 0, res.output
    got = res.json()
    assert got["added"] == {
        "sessions": 3,
        "pain_checkins": 4,
        "assessments": 1,
        "visits": 1,
        "goals": 1,
    }
    assert sum(got["skipped"].values()) == 0
    assert got["profile"] == "added" and got["programme"] == "none"


def test_import_into_a_non_empty_folder_skips_what_is_there_and_says_what_was_added(
    cli, tmp_path: Path
) -> None:
    doc = export_doc()
    first = copy.deepcopy(doc)
    first["sessions"] = first["sessions"][:1]
    first["pain_checkins"] = first["pain_checkins"][:2]
    assert cli("import", str(write(tmp_path / "first.json", first))).exit_code == 0
    # The same day's check-in with another score is still "already there": one a day.
    doc["pain_checkins"][0]["score"] = 9
    res = cli("import", str(write(tmp_path / "all.json", doc)), "--json")
    assert res.exit_code == 0, res.output
    got = res.json()
    assert got["added"] == {
        "sessions": 2,
        "pain_checkins": 2,
        "assessments": 0,
        "visits": 0,
        "goals": 0,
    }
    assert got["skipped"] == {
        "sessions": 1,
        "pain_checkins": 2,
        "assessments": 1,
        "visits": 1,
        "goals": 1,
    }
    assert got["profile"] == "kept"
    history = cli("history", "--from", "2026-03-01", "--to", "2026-03-31", "--json").json()
    assert [c["score"] for c in history["pain_checkins"]][:1] == [6]  # not overwritten
    assert len(history["sessions"]) == 3


def test_the_message_says_what_was_added(cli, tmp_path: Path) -> None:
    res = cli("import", str(write(tmp_path / "e.json", export_doc())))
    assert res.exit_code == 0
    text = " ".join(res.stderr.split())
    assert "3 sessions" in text and "4 pain check-ins" in text and "1 visit" in text
    res = cli("import", str(tmp_path / "e.json"))
    assert "skipped 10 already present" in " ".join(res.stderr.split())


def without_ids(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as another program may write it: CONTRACT.md lists ids only for
    sessions, so records come without them (and a check-in with its own kind of id)."""
    doc = copy.deepcopy(doc)
    for kind in ("sessions", "assessments", "visits"):
        for record in doc[kind]:
            record.pop("id")
    doc["pain_checkins"][0]["id"] = "checkin-1"
    for record in doc["pain_checkins"][1:]:
        record.pop("id")
    doc["visits"].append(dict(doc["visits"][0]))  # the same visit twice is two visits
    return doc


def test_records_without_ids_import_with_stable_ids(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a contract-valid file from another program was refused ("assessments[0]:
    id is missing")."""
    path = write(tmp_path / "other.json", without_ids(export_doc()))
    res = cli("import", str(path), "--json")
    assert res.exit_code == 0, res.output
    assert res.json()["added"] == {
        "sessions": 3,
        "pain_checkins": 4,
        "assessments": 1,
        "visits": 2,
        "goals": 1,
    }
    first = cli("history", "--from", "2026-03-01", "--to", "2026-03-31", "--json").json()
    ids = {
        kind: [r["id"] for r in first[kind]]
        for kind in ("sessions", "pain_checkins", "assessments", "visits")
    }
    assert all(i.startswith("s-202603") for i in ids["sessions"])
    assert ids["assessments"][0].startswith("a-20260302-")
    assert len(set(ids["visits"])) == 2
    assert ids["pain_checkins"][0] == "p-2026-03-02"  # normalised
    # The same file imported again adds nothing; into another folder, the same ids.
    again = cli("import", str(path), "--json").json()
    assert sum(again["added"].values()) == 0
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "elsewhere"))
    assert cli("import", str(path)).exit_code == 0
    second = cli("history", "--from", "2026-03-01", "--to", "2026-03-31", "--json").json()
    assert {k: [r["id"] for r in second[k]] for k in ids} == ids
    # And each can be corrected by its id.
    assert cli("edit", ids["visits"][0], "--note", "corrected").exit_code == 0


def test_a_bad_record_is_named_and_nothing_is_written(
    cli, backcare_home: Path, tmp_path: Path
) -> None:
    ok = export_doc()
    ok["sessions"] = ok["sessions"][:1]
    assert cli("import", str(write(tmp_path / "ok.json", ok))).exit_code == 0
    before = snapshot(backcare_home)
    bad = export_doc()
    bad["sessions"][2]["pain_after"] = 14
    res = cli("import", str(write(tmp_path / "bad.json", bad)))
    assert res.exit_code == 1
    assert (
        "sessions[2] (id s-20260306-00000006): pain_after is 14; it must be between 0 and 10"
        in res.stderr
    )
    assert "nothing was imported" in res.stderr
    assert "Traceback" not in res.output
    assert snapshot(backcare_home) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["sessions"][0].update(date="2026-02-30"), "sessions[0]"),
        (
            lambda d: d["sessions"][1]["exercises"][0].update(status="maybe"),
            "exercises[0].status is 'maybe'",
        ),
        (
            lambda d: d["sessions"][1]["exercises"][0].update(exercise_id=7),
            "exercise_id must be text",
        ),
        (lambda d: d["sessions"][0]["exercises"][0].update(sets=-1), "sets is -1"),
        (lambda d: d["sessions"][0].update(pain_before=True), "pain_before must be a whole number"),
        (lambda d: d["pain_checkins"][1].update(score=11), "pain_checkins[1]"),
        (lambda d: d["pain_checkins"][1].update(symptoms=["itchy"]), "symptoms[0] is 'itchy'"),
        (lambda d: d["pain_checkins"][1].update(flare="yes"), "flare must be true or false"),
        (lambda d: d["assessments"][0].update(instrument="sf36"), "instrument is 'sf36'"),
        (lambda d: d["assessments"][0].update(answers=[5, 6]), "answers:"),
        (lambda d: d["assessments"][0].update(score=55), "score is 55"),
        (lambda d: d["visits"][0].update(kind="surgery"), "kind is 'surgery'"),
        (lambda d: d["visits"][0].update(note="\x1b[31mred"), "note contains control characters"),
        (lambda d: d["goals"][0].update(created="soon"), "goals[0]"),
        (lambda d: d["profile"].update(days_per_week=9), "profile: days_per_week is 9"),
        (
            lambda d: d.update(programme={"exercises": [{"id": "bridge", "days": ["funday"]}]}),
            "programme: exercises[0].days[0]",
        ),
        (
            lambda d: d["sessions"].append(copy.deepcopy(d["sessions"][0])),
            "has the same id as sessions[0]",
        ),
        (lambda d: d.update(sessions={}), "sessions must be a list"),
        (
            lambda d: d.update(
                corrections=[
                    {
                        "at": "yesterday",
                        "action": "edit",
                        "record": "visits",
                        "id": "v-1",
                        "date": "2026-03-03",
                        "before": None,
                        "after": {"id": "v-1"},
                    }
                ]
            ),
            "corrections[0]: at is 'yesterday'",
        ),
        (lambda d: d.update(corrections={}), "corrections must be a list"),
        (
            lambda d: d.update(
                prescriptions=[{"from": "2026-13-01", "event": "imported", "programme": None}]
            ),
            "prescriptions[0]: from",
        ),
        (lambda d: d.pop("visits"), "is missing visits"),
    ],
)
def test_every_kind_of_bad_record_is_refused(change: Any, message: str) -> None:
    doc = export_doc()
    change(doc)
    with pytest.raises(BackcareError) as err:
        parse_import(doc)
    assert message in "\n".join(err.value.lines())


def test_every_problem_is_listed_at_once() -> None:
    doc = export_doc()
    doc["sessions"][0]["pain_after"] = 14
    doc["visits"][0]["kind"] = "surgery"
    with pytest.raises(BackcareError) as err:
        parse_import(doc)
    lines = err.value.lines()
    assert any("sessions[0]" in line for line in lines)
    assert any("visits[0]" in line for line in lines)


def test_an_unknown_version_is_refused_clearly(cli, backcare_home: Path, tmp_path: Path) -> None:
    doc = export_doc()
    doc["version"] = 2
    res = cli("import", str(write(tmp_path / "v2.json", doc)))
    assert res.exit_code == 1
    assert "version 2" in res.stderr and "newer backcare" in res.stderr
    assert not backcare_home.exists() or snapshot(backcare_home) == {}
    doc["version"] = "1"
    with pytest.raises(BackcareError, match="unknown export version"):
        parse_import(doc)


@pytest.mark.parametrize("doc", [[1, 2], {"format": "something-else", "version": 1}, 42])
def test_a_file_that_is_not_an_export_is_refused(doc: Any) -> None:
    with pytest.raises(BackcareError, match="not a backcare export"):
        parse_import(doc)


def one_line_refusal(cli, path: Path, words: str) -> None:
    started = time.monotonic()
    res = cli("import", str(path))
    assert res.exit_code == 1
    assert words in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output
    assert time.monotonic() - started < 5


def test_a_symlink_is_refused(cli, tmp_path: Path) -> None:
    real = write(tmp_path / "real.json", export_doc())
    link = tmp_path / "link.json"
    link.symlink_to(real)
    one_line_refusal(cli, link, "symbolic link")


def test_a_file_over_64_mib_is_refused_without_reading_it(cli, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(MAX_IMPORT_BYTES + 1)  # sparse: costs no disk
    one_line_refusal(cli, big, "MiB")


def test_deep_nesting_is_refused(cli, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    one_line_refusal(cli, deep, "nested too deeply")


def test_deep_nesting_inside_a_record_is_refused(tmp_path: Path) -> None:
    text = json.dumps(export_doc()).replace(
        '"answers": [5, 6, 4]', '"answers": ' + "[" * 50_000 + "]" * 50_000
    )
    with pytest.raises(BackcareError, match="nested too deeply"):
        parse_import(_raw(tmp_path / "deep.json", text))


def _raw(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_non_utf8_is_refused(cli, tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(export_doc()).replace("walk", "wälk").encode("latin-1"))
    one_line_refusal(cli, path, "not UTF-8")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is empty"),
        ("{not json", "not valid JSON"),
        ('{"a": NaN}', "not valid JSON"),
        ('{"a": 1, "a": 2}', "appears twice"),
    ],
)
def test_broken_json_is_refused_in_one_line(cli, tmp_path: Path, text: str, words: str) -> None:
    one_line_refusal(cli, _raw(tmp_path / "x.json", text), words)


def test_a_missing_file_or_a_folder_is_refused(cli, tmp_path: Path) -> None:
    one_line_refusal(cli, tmp_path / "missing.json", "no such file")
    one_line_refusal(cli, tmp_path, "is a folder")


def test_parse_import_keeps_records_as_the_store_does() -> None:
    doc = export_doc()
    del doc["pain_checkins"][0]["id"]  # optional: a check-in's id is its date
    doc["sessions"][0]["extra_field"] = "ignored"
    bundle = parse_import(doc)
    assert bundle.tables["pain_checkins"][0]["id"] == "p-2026-03-02"
    assert "extra_field" not in bundle.tables["sessions"][0]
    assert bundle.totals()["sessions"] == 3
    assert bundle.profile is not None and bundle.profile.baseline_pain == 6


def test_a_checkin_id_that_is_not_p_date_is_normalised() -> None:
    """A check-in is one a day, so its id is p-DATE whatever another program called it
    (issue 14)."""
    doc = export_doc()
    day = doc["pain_checkins"][0]["date"]
    for other in ("p-2026-03-09", "checkin-17", 42):
        doc["pain_checkins"][0]["id"] = other
        bundle = parse_import(doc)
        assert bundle.tables["pain_checkins"][0]["id"] == f"p-{day}"


def test_import_keeps_the_patients_own_programme(cli, tmp_path: Path) -> None:
    doc = export_doc()
    doc["programme"] = {
        "prescribed_by": "A",
        "start": None,
        "allow_progression": False,
        "exercises": [{"id": "bridge", "days": ["mon"], "note": None}],
    }
    assert cli("import", str(write(tmp_path / "a.json", doc))).exit_code == 0
    doc["programme"]["prescribed_by"] = "B"
    res = cli("import", str(write(tmp_path / "b.json", doc)), "--json")
    assert res.json()["programme"] == "kept"
    out = tmp_path / "check.json"
    assert cli("export", "--format", "json", "--out", str(out)).exit_code == 0
    assert json.loads(out.read_text())["programme"]["prescribed_by"] == "A"


def test_the_file_is_read_only_once_and_never_changed(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "e.json", export_doc())
    before = path.read_bytes()
    mode = os.stat(path).st_mode
    assert cli("import", str(path)).exit_code == 0
    assert path.read_bytes() == before and os.stat(path).st_mode == mode


# --- all or nothing, with the command line's limits (issue 17) ---------------------------------


def forty_checkins(bad_at: int, change: Any) -> dict[str, Any]:
    """Forty check-ins over four months; the one at ``bad_at`` spoiled by ``change``."""
    doc = export_doc()
    doc["sessions"], doc["assessments"], doc["visits"], doc["goals"] = [], [], [], []
    doc["pain_checkins"] = [
        {
            "id": f"p-2026-{m:02d}-{d:02d}",
            "date": f"2026-{m:02d}-{d:02d}",
            "score": 4,
            "note": None,
            "symptoms": [],
            "flare": False,
        }
        for m in (1, 2, 3, 4)
        for d in range(1, 11)
    ]
    change(doc["pain_checkins"][bad_at])
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(note="ok \udc80"), "not valid Unicode (a lone surrogate)"),
        (lambda c: c.update(note="\x07bell"), "note contains control characters"),
        (lambda c: c.update(note="x" * 2001), "note is 2001 characters long"),
        (lambda c: c.update(note="\n".join(["line"] * 41)), "note has 41 lines"),
        (lambda c: c.update(date="2026-04-30", id="p-2026-04-30"), "in the future"),
    ],
    ids=["lone-surrogate", "control-character", "note-too-long", "too-many-lines", "future-date"],
)
def test_the_last_month_is_checked_before_the_first_is_written(
    cli,
    backcare_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Any,
    message: str,
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", "2026-04-20")
    path = tmp_path / "e.json"
    # As an export file holds it: a lone surrogate can only be written escaped.
    path.write_text(json.dumps(forty_checkins(35, change), ensure_ascii=True), encoding="utf-8")
    res = cli("import", str(path))
    assert res.exit_code == 1, res.output
    assert message in res.stderr and "pain_checkins[35]" in res.stderr
    assert "nothing was imported" in res.stderr
    assert not (backcare_home / "log").exists()  # not 31 of 40


def test_text_the_checks_do_not_name_is_still_checked_for_writing() -> None:
    doc = export_doc()
    doc["assessments"] = [
        {
            "id": "a-1",
            "date": "2026-03-02",
            "instrument": "psfs",
            "answers": {"walking \udc80": 3, "stairs": 4, "sitting": 5},
            "score": 4.0,
            "band": None,
        }
    ]
    with pytest.raises(BackcareError) as err:
        parse_import(doc)
    assert "assessments[0] (id a-1)" in "\n".join(err.value.lines())


def test_every_file_is_prepared_before_the_first_is_written(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the checks miss, a value that cannot be written stops the import before any
    file is: the store makes every month into bytes first."""
    from backcare.storage import store

    real = store._serialise
    calls: list[str] = []

    def spoiled(path: Path, tables: dict[str, Any]) -> bytes:
        calls.append(path.name)
        if path.name == "2026-04.json":
            tables["pain_checkins"]["1"]["note"] = "\udc80"
        return real(path, tables)

    monkeypatch.setattr(store, "_serialise", spoiled)
    monkeypatch.setenv("BACKCARE_TODAY", "2026-04-20")
    path = write(tmp_path / "e.json", forty_checkins(0, lambda c: None))
    res = cli("import", str(path))
    assert res.exit_code == 1 and "could not be saved" in res.stderr, res.output
    assert calls == ["2026-01.json", "2026-02.json", "2026-03.json", "2026-04.json"]
    assert not (backcare_home / "log").exists()


def test_a_fifo_or_a_device_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Through the console script: a FIFO once hung `import` forever (a hang fails the
    subprocess's timeout here, instead of hanging the suite)."""
    import shutil
    import subprocess
    import sys

    exe = shutil.which("backcare") or str(Path(sys.executable).parent / "backcare")
    if not Path(exe).exists():
        pytest.skip("the backcare console script is not installed")
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    env = {**os.environ, "BACKCARE_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    for path in (fifo, Path("/dev/zero")):
        res = subprocess.run(
            [exe, "import", str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert res.returncode == 1
        assert f"{path}: is a" in res.stderr and "an export is a regular file" in res.stderr
    assert not (tmp_path / "home").exists()
