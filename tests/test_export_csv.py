"""`backcare export --format csv`: one table, one row per record, each value stated once;
safe in a spreadsheet; a byte-order mark for Excel unless --no-bom."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import date
from pathlib import Path

import pytest
from conftest import modules_loaded

from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    PainCheckin,
    Session,
    Visit,
)
from backcare.exporters.csv_export import BOM, COLUMNS, RECORDS, neutralise
from backcare.storage import Store

D = date.fromisoformat
NASTY = [
    '=HYPERLINK("http://evil","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tstarts with tab",
    "\rstarts with CR",
    " =1+1",
    "\u00a0=1+1",
    "\u200b@SUM(A1)",
    "\ufeff-2+3",
    "\uff1dSUM(A1)",
    "\uff0b1",
    "\uff0d1",
    "\uff20A1",
    "plain, with commas",
    'with "double quotes"',
    "two\nlines",
    "ünïcode ✓ 痛み",
]
SAFE_FROM = NASTY.index("plain, with commas")


def seed(home: Path) -> Store:
    s = Store(home)
    for i, note in enumerate(NASTY):
        d = D(f"2026-03-{i + 2:02d}")
        s.add_session(
            Session(
                f"s-2026030{i}-{i:04d}",
                d,
                (
                    ExerciseLog("bridge", "done", Dose(sets=2, reps=10, hold_seconds=5), 7),
                    ExerciseLog("walking", "partial", Dose(duration_minutes=3), None),
                    ExerciseLog(
                        "hamstring-stretch", "skipped", Dose(sets=1, reps=3, hold_seconds=20)
                    ),
                    ExerciseLog("=evil-id", "done", Dose(duration_minutes=12), None),
                ),
                5,
                4,
                note,
            )
        )
        s.put_checkin(
            PainCheckin(d, i % 11, note, ("numbness", "tingling") if i == 1 else (), i == 2)
        )
    s.add_visit(Visit("v-20260310-1", D("2026-03-10"), "manual-therapy", "-mobilisation"))
    s.add_assessment(Assessment("a-20260302-peg", D("2026-03-02"), "peg", [5, 6, 4], 5.0))
    s.add_session(Session("s-20260325-empty", D("2026-03-25"), ()))
    s.add_goal("=walk to the shop", D("2026-03-02"), D("2026-04-30"), None)
    return s


def read_back(raw: bytes) -> list[dict[str, str]]:
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture
def raw(cli, backcare_home: Path, tmp_path: Path) -> bytes:
    seed(backcare_home)
    out = tmp_path / "log.csv"
    res = cli("export", "--format", "csv", "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert res.json()["records"] == len(read_back(data))
    return data


@pytest.fixture
def exported(raw: bytes) -> list[dict[str, str]]:
    return read_back(raw)


def of(rows: list[dict[str, str]], record: str) -> list[dict[str, str]]:
    return [r for r in rows if r["record"] == record]


def test_each_row_is_one_record_of_one_kind(exported: list[dict[str, str]]) -> None:
    assert {r["record"] for r in exported} == set(RECORDS)
    assert len(of(exported, "session")) == len(NASTY) + 1  # and the session with none
    assert len(of(exported, "exercise")) == 4 * len(NASTY)
    assert len(of(exported, "checkin")) == len(NASTY)
    assert len(of(exported, "visit")) == len(of(exported, "assessment")) == 1
    (goal,) = of(exported, "goal")
    assert (goal["goal"], goal["date"], goal["due"]) == (
        "'=walk to the shop",
        "2026-03-02",
        "2026-04-30",
    )
    first_session, first_exercise = exported[0], exported[1]
    assert first_session["record"] == "session" and first_session["date"] == "2026-03-02"
    assert (first_session["pain_before"], first_session["pain_after"]) == ("5", "4")
    assert first_exercise["session_id"] == first_session["id"]
    assert [r["date"] for r in exported if r["record"] != "goal"] == sorted(
        r["date"] for r in exported if r["record"] != "goal"
    )


def test_no_value_is_repeated_across_rows(exported: list[dict[str, str]]) -> None:
    """Session-level values live on the session row only; each pain has its own column."""
    for row in of(exported, "exercise"):
        assert row["pain_before"] == row["pain_after"] == row["note"] == ""
        assert row["checkin_pain"] == ""
    for row in of(exported, "session"):
        assert row["exercise_id"] == row["exercise_pain"] == row["checkin_pain"] == ""
    for row in of(exported, "checkin"):
        assert row["exercise_pain"] == row["pain_before"] == ""


def test_the_checkin_mean_is_the_mean_of_the_checkins(exported: list[dict[str, str]]) -> None:
    """The physiotherapist's average: one column, one kind of pain (issue 13's 5.08/5.22)."""
    scores = [i % 11 for i in range(len(NASTY))]
    column = [float(r["checkin_pain"]) for r in exported if r["checkin_pain"]]
    assert statistics.mean(column) == pytest.approx(statistics.mean(scores))
    exercise = [float(r["exercise_pain"]) for r in exported if r["exercise_pain"]]
    assert exercise == [7.0] * len(NASTY)  # only the bridge gave pain


def test_columns_hold_what_was_done(exported: list[dict[str, str]]) -> None:
    by_id = {r["exercise_id"]: r for r in of(exported, "exercise")[:4]}
    walk = by_id["walking"]
    assert (walk["status"], walk["minutes"], walk["exercise"]) == ("partial", "3", "Walking")
    skipped = by_id["hamstring-stretch"]
    assert skipped["status"] == "skipped"
    assert skipped["sets"] == skipped["reps"] == skipped["hold_seconds"] == skipped["minutes"] == ""
    assert skipped["per_side"] == "yes" and by_id["bridge"]["per_side"] == "no"
    bridge = by_id["bridge"]
    assert (bridge["sets"], bridge["reps"], bridge["hold_seconds"], bridge["exercise_pain"]) == (
        "2",
        "10",
        "5",
        "7",
    )
    checkin = of(exported, "checkin")[1]
    assert checkin["symptoms"] == "numbness;tingling"
    assessment = of(exported, "assessment")[0]
    assert (assessment["instrument"], assessment["score"]) == ("peg", "5.0")
    assert json.loads(assessment["answers"]) == [5, 6, 4]


def test_formula_cells_are_neutralised_everywhere(exported: list[dict[str, str]]) -> None:
    for row in exported:
        for column, cell in row.items():
            assert neutralise(cell) == cell or cell.startswith("'"), (column, cell)
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    notes = [r["note"] for r in of(exported, "checkin")]
    assert notes[:SAFE_FROM] == ["'" + n for n in NASTY[:SAFE_FROM]]
    assert "'=evil-id" in {r["exercise_id"] for r in of(exported, "exercise")}
    assert of(exported, "visit")[0]["note"] == "'-mobilisation"


def test_commas_quotes_newlines_and_unicode_survive(exported: list[dict[str, str]]) -> None:
    notes = [r["note"] for r in of(exported, "checkin")]
    assert notes[SAFE_FROM:] == NASTY[SAFE_FROM:]


@pytest.mark.parametrize(
    "cell",
    [
        " =1",
        "\u00a0+1",
        "\u3000-1",
        "\u200b@A1",
        "\ufeff=1",
        "\u200d\u2060=1",
        "  \t=1",
        "＝1",
        "＋1",
        "－1",
        "＠A1",
        " ＝1",
        "\tplain",
        "\rplain",
    ],
)
def test_neutralise_sees_through_leading_blanks_and_full_width_forms(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


def test_neutralise_leaves_ordinary_text_alone() -> None:
    for cell in (
        "walked 20 min",
        "a=b",
        " walked",
        "\u00a0",
        "",
        "痛み",
        "2026-03-02",
        "x-1",
        "e-mail",
    ):
        assert neutralise(cell) == cell
    assert neutralise("=1") == "'=1"


def test_a_byte_order_mark_by_default_and_none_with_no_bom(raw: bytes, cli, tmp_path: Path) -> None:
    assert raw.startswith(BOM.encode("utf-8"))
    text = raw.decode("utf-8-sig")
    assert "痛み" in text  # Excel, told by the mark, reads this as UTF-8
    out = tmp_path / "plain.csv"
    assert cli("export", "--format", "csv", "--out", str(out), "--no-bom").exit_code == 0
    plain = out.read_bytes()
    assert not plain.startswith(BOM.encode("utf-8"))
    assert plain == raw[len(BOM.encode("utf-8")) :]


def test_no_bom_is_for_csv_only(cli, tmp_path: Path) -> None:
    res = cli("export", "--format", "json", "--out", str(tmp_path / "x.json"), "--no-bom")
    assert res.exit_code == 2 and "--no-bom is for --format csv only" in res.stderr
    assert not (tmp_path / "x.json").exists()


def test_an_empty_folder_gives_the_header_only(cli, tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    assert cli("export", "--format", "csv", "--out", str(out), "--no-bom").exit_code == 0
    assert out.read_bytes().decode("utf-8").splitlines() == [",".join(COLUMNS)]


def test_out_dash_writes_the_table_to_stdout(cli, backcare_home: Path, tmp_path: Path) -> None:
    seed(backcare_home)
    res = cli("export", "--format", "csv", "--out", "-")
    assert res.exit_code == 0, res.output
    file_out = tmp_path / "same.csv"
    assert cli("export", "--format", "csv", "--out", str(file_out)).exit_code == 0
    # (the test runner gives stdout with \r\n read as \n)
    assert res.stdout.encode("utf-8") == file_out.read_bytes().replace(b"\r\n", b"\n")
    assert res.stderr == ""  # no confirmation line mixed into the data


def test_a_csv_export_does_not_load_the_heavy_libraries(
    backcare_home: Path, tmp_path: Path
) -> None:
    seed(backcare_home)
    out = tmp_path / "x.csv"
    heavy = ("matplotlib", "numpy", "fhir", "fpdf", "icalendar", "pypdf", "uharfbuzz")
    argv = ["export", "--format", "csv", "--out", str(out)]
    assert modules_loaded(backcare_home, argv, heavy, timeout=60) == []
    assert out.exists()
