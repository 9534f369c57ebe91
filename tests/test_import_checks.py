"""`backcare import` checks what it is told (issue 23): goals keep their identity through a
merge, goals without ids import, every score is recomputed from its answers, and a
re-import of the patient's own export without ids adds nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.fhir_terms import URI_IDENTIFIER

DAY = "2026-03-09"
TODAY = date(2026, 3, 9)  # for the patient fixture
START = date(2026, 3, 2)


def run(cli: Any, *args: str) -> Any:
    res = cli(*args)
    assert res.exit_code == 0, res.output
    return res


def export_json(cli: Any, path: Path, day: str = DAY) -> dict[str, Any]:
    run(cli, "export", "--format", "json", "--out", str(path), "--force", "--date", day)
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def fhir_goals(cli: Any, path: Path) -> dict[str, str]:
    """Each Goal's identifier, by what it says."""
    run(cli, "export", "--format", "fhir", "--out", str(path), "--force", "--date", DAY)
    bundle = json.loads(path.read_text("utf-8"))
    return {
        e["resource"]["description"]["text"]: next(
            i["value"] for i in e["resource"]["identifier"] if i["system"] == URI_IDENTIFIER
        )
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Goal"
    }


def use(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("BACKCARE_HOME", str(home))


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", DAY)  # import reads no --date


def test_a_merge_import_keeps_each_goals_identifier(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One patient on two machines: each sets a goal numbered 2. Merged, the goal that comes
    in is renumbered, and keeps its identifier: its conditional create cannot match the
    other goal (issue 23)."""
    a, b = tmp_path / "a", tmp_path / "b"
    use(monkeypatch, a)
    run(
        cli,
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--pain",
        "5",
        "--yes",
        "--date",
        "2026-03-02",
    )
    run(cli, "goal", "add", "sit through a film", "--date", "2026-03-02")
    export_json(cli, tmp_path / "a1.json")
    use(monkeypatch, b)
    run(cli, "import", str(tmp_path / "a1.json"))
    run(cli, "goal", "add", "lift the shopping", "--date", "2026-03-05")
    use(monkeypatch, a)
    run(cli, "goal", "add", "walk to the shop", "--date", "2026-03-04")
    on_a = fhir_goals(cli, tmp_path / "a.fhir.json")
    export_json(cli, tmp_path / "a2.json")
    use(monkeypatch, b)
    run(cli, "import", str(tmp_path / "a2.json"))
    goals = {
        g["text"]: g for g in run(cli, "goal", "list", "--json", "--date", DAY).json()["goals"]
    }
    assert goals["lift the shopping"]["id"] == 2 and goals["walk to the shop"]["id"] == 3
    on_b = fhir_goals(cli, tmp_path / "b.fhir.json")
    assert on_b["walk to the shop"] == on_a["walk to the shop"]
    assert on_b["sit through a film"] == on_a["sit through a film"]
    assert len(set(on_b.values())) == 3
    # The stable id travels in the JSON export, so a second merge adds nothing.
    mine = export_json(cli, tmp_path / "b.json")
    uids = {g["text"]: g["uid"] for g in mine["goals"]}
    theirs = {g["text"]: g["uid"] for g in json.loads((tmp_path / "a2.json").read_text())["goals"]}
    assert uids["walk to the shop"] == theirs["walk to the shop"]
    again = run(cli, "import", str(tmp_path / "a2.json"), "--json").json()
    assert again["added"]["goals"] == 0


def test_goals_without_id_or_created_import(cli: Any, tmp_path: Path) -> None:
    doc = {
        "format": "backcare-export",
        "version": 1,
        "exported_at": "2026-03-06T10:00:00Z",
        "profile": None,
        "sessions": [],
        "pain_checkins": [],
        "assessments": [],
        "visits": [],
        "programme": None,
        "goals": [
            {"text": "walk to the shop", "created": "2026-03-02"},
            {"text": "sit through a film"},
            {"id": 4, "text": "lift the shopping", "created": "2026-03-03"},
        ],
    }
    path = tmp_path / "goals.json"
    path.write_text(json.dumps(doc), "utf-8")
    res = run(cli, "import", str(path), "--json").json()
    assert res["added"]["goals"] == 3
    goals = run(cli, "goal", "list", "--json", "--date", DAY).json()["goals"]
    assert sorted((g["id"], g["text"], g["created"]) for g in goals) == [
        (4, "lift the shopping", "2026-03-03"),
        (5, "walk to the shop", "2026-03-02"),
        (6, "sit through a film", "2026-03-06"),
    ]  # numbered after the file's own
    assert len({g["uid"] for g in goals}) == 3
    again = run(cli, "import", str(path), "--json").json()
    assert again["added"]["goals"] == 0  # the same derived ids: nothing twice
    broken = {**doc, "exported_at": "soon", "goals": [{"text": "no day"}]}
    path.write_text(json.dumps(broken), "utf-8")
    res = cli("import", str(path))
    assert res.exit_code == 1 and "created" in res.stderr and "Traceback" not in res.output


def export_doc(**tables: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "backcare-export",
        "version": 1,
        "exported_at": "2026-03-06T10:00:00Z",
        "profile": None,
        "sessions": [],
        "pain_checkins": [],
        "assessments": [],
        "visits": [],
        "goals": [],
        "programme": None,
    }
    return {**doc, **tables}


def odi(
    score: float,
    band: str | None,
    answers: list[int | None] | None = None,
    ident: str = "a-20260303-0000abcd",
) -> dict[str, Any]:
    return {
        "id": ident,
        "date": "2026-03-03",
        "instrument": "odi",
        "answers": answers if answers is not None else [0] * 10,
        "score": score,
        "band": band,
    }


@pytest.mark.parametrize(
    ("record", "words"),
    [
        (odi(90, "minimal"), "score is 90, but its answers give a ODI score of 0"),
        (odi(0, "severe"), "band 'severe' contradicts its answers, which give 'minimal'"),
        (
            {
                "id": "a-20260303-0000abcd",
                "date": "2026-03-03",
                "instrument": "peg",
                "answers": [5, 6, 4],
                "score": 9,
                "band": None,
            },
            "give a PEG score of 5",
        ),
        (
            {
                "id": "a-20260303-0000abcd",
                "date": "2026-03-03",
                "instrument": "startback",
                "answers": {"items": [True] * 8, "bothersomeness": 4},
                "score": 9,
                "band": "low",
            },
            "band 'low' contradicts its answers, which give 'high'",
        ),
    ],
)
def test_a_score_its_answers_contradict_is_refused(
    cli: Any, tmp_path: Path, record: dict[str, Any], words: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(export_doc(assessments=[record])), "utf-8")
    res = cli("import", str(path))
    assert res.exit_code == 1, res.output
    assert words in res.stderr, res.stderr
    assert "assessments[0] (id a-20260303-0000abcd)" in res.stderr
    assert "nothing was imported" in res.stderr and "Traceback" not in res.output
    assert cli("history", "--json", "--date", DAY).json()["assessments"] == []


def test_every_score_is_worked_out_again_from_its_answers(cli: Any, tmp_path: Path) -> None:
    """A band left out is filled in; a score written with other rounding is backcare's."""
    answers = [1, 1, 1, 2, 0, 0, 0, 0, 0, None]  # 5 of 45: 11.11…%
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(export_doc(assessments=[odi(11.11, None, answers)])), "utf-8")
    run(cli, "import", str(path))
    (got,) = run(cli, "history", "--json", "--date", DAY).json()["assessments"]
    assert (got["score"], got["band"]) == (11.1, "minimal")


def test_a_reimport_without_ids_adds_nothing(patient: Any, tmp_path: Path) -> None:
    """The patient's own export with the ids of assessments and visits dropped: each is
    known by its day and content, and nothing is added twice."""
    run(patient, "assess", "odi", "--answers", "3,2,-,2,2,3,2,3,2,2", "--date", "2026-03-03")
    run(
        patient,
        "visit",
        "--kind",
        "manual-therapy",
        "--note",
        "mobilisation",
        "--date",
        "2026-03-04",
    )
    run(patient, "visit", "--kind", "other", "--date", "2026-03-04")
    doc = export_json(patient, tmp_path / "mine.json")
    for kind in ("assessments", "visits"):
        for record in doc[kind]:
            del record["id"]
    # A visit the folder does not have is still added, once.
    doc["visits"].append({"date": "2026-03-05", "kind": "other", "note": None})
    path = tmp_path / "no-ids.json"
    path.write_text(json.dumps(doc), "utf-8")
    res = run(patient, "import", str(path), "--json").json()
    assert res["added"]["assessments"] == 0 and res["added"]["visits"] == 1
    history = run(patient, "history", "--json", "--date", DAY).json()
    assert len(history["assessments"]) == 1 and len(history["visits"]) == 3
    again = run(patient, "import", str(path), "--json").json()
    assert again["added"]["visits"] == 0
