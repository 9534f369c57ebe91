"""Exercise ids follow their names, and a former id still names its exercise (issue 27).

Each renamed exercise keeps its old id in ``aliases`` (data/exercises.yaml). An old id is
accepted wherever an id comes in: typed options, prescriptions, older exports, and what a
data folder stored before the rename; history stays continuous across it.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, Cli

from backcare.domain.fhir_terms import record_identifier
from backcare.domain.library import search_exercises
from backcare.loading.library import load_library_files
from backcare.storage.paths import bundled_library

START = date(2026, 3, 2)
TODAY = date(2026, 3, 10)
BASELINE_PAIN = 5

# Former id → current id, for the renamed exercises these tests use.
ARM_REACH = ("four-point-arm-reach", "all-fours-arm-reach")
HILLS = ("hill-walking", "walking-with-hills")
CHAIR = ("sit-to-stand", "getting-up-from-a-chair")
TANDEM = ("tandem-stance", "heel-to-toe-stand")


def ok(cli: Cli, *args: str) -> Any:
    res = cli(*args)
    assert res.exit_code == 0, res.output
    return res


def bundled() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "data" / "exercises.yaml").read_text(encoding="utf-8"))
    exercises: list[dict[str, Any]] = data["exercises"]
    return exercises


def slug(name: str) -> str:
    """The id a name gives: its words, lowercase, joined by dashes; an aside in brackets
    or after a colon is left out (``Dead bug: lying march`` is ``dead-bug``)."""
    main = re.sub(r"\(.*?\)", "", name).split(":")[0]
    return "-".join(re.findall(r"[a-z0-9]+", main.lower()))


# --- the library ----------------------------------------------------------------------------


def test_every_bundled_id_follows_its_name() -> None:
    wrong = {e["id"]: e["name"] for e in bundled() if slug(e["name"]) != e["id"]}
    assert wrong == {}


def test_the_renamed_ids_are_aliases_and_the_docs_list_them() -> None:
    aliases = {old: e["id"] for e in bundled() for old in e.get("aliases", ())}
    assert aliases[ARM_REACH[0]] == ARM_REACH[1] and aliases[CHAIR[0]] == CHAIR[1]
    assert not set(aliases) & {e["id"] for e in bundled()}
    docs = (ROOT / "docs" / "clinical.md").read_text(encoding="utf-8")
    for old, new in aliases.items():
        assert f"| `{new}` | `{old}` |" in docs, old


def test_a_former_id_finds_its_exercise(cli: Cli) -> None:
    shown = ok(cli, "exercises", "show", ARM_REACH[0], "--json").json()
    assert shown["id"] == ARM_REACH[1] and shown["aliases"] == [ARM_REACH[0]]
    assert "Formerly: four-point-arm-reach" in ok(cli, "exercises", "show", ARM_REACH[0]).stdout
    library = load_library_files([bundled_library()])
    assert [e.id for e in search_exercises(library, "tandem")] == ["heel-to-toe-stand"]
    assert library.canonical("tandem-stance") == "heel-to-toe-stand"
    assert library.canonical("heel-to-toe-stand") == "heel-to-toe-stand"
    assert library.canonical("no-such-exercise") == "no-such-exercise"
    assert library.get("tandem-stance") is library.get("heel-to-toe-stand")
    assert "tandem-stance" in library and "no-such-exercise" not in library


def own_exercise(ident: str, name: str, extra: str = "") -> str:
    """One exercise of a physiotherapist's own library file, as YAML."""
    return f"""
  - id: {ident}
    name: "{name}"{extra}
    category: posture
    level: 1
    position: standing
    equipment: [none]
    instructions: [Stand tall.]
    cues: [Breathe.]
    dose:
      sets: {{default: 1, min: 1, max: 2}}
      reps: {{default: 5, min: 5, max: 10}}
    cautions: [Stop if it hurts.]
    source: "a physiotherapist"
"""


@pytest.mark.parametrize(
    ("entries", "said"),
    [
        (
            own_exercise("tall-standing", "Tall standing", "\n    aliases: [bridge]"),
            "alias 'bridge' is the id of another exercise (Bridge)",
        ),
        (
            own_exercise("tall-standing", "Tall standing", "\n    aliases: [tall-standing]"),
            "alias 'tall-standing' is the exercise's own id",
        ),
        (
            own_exercise("tall-standing", "Tall standing", "\n    aliases: [standing-tall]")
            + own_exercise("standing-up", "Standing up", "\n    aliases: [standing-tall]"),
            "alias 'standing-tall' is already an alias of 'tall-standing'",
        ),
        (
            own_exercise("tall-standing", "Tall standing", "\n    aliases: [Stand_Tall]"),
            "alias 'Stand_Tall' must be kebab-case",
        ),
        (
            own_exercise("tall-standing", "Tall standing", f"\n    aliases: [{CHAIR[0]}]"),
            f"alias '{CHAIR[0]}' is already an alias of '{CHAIR[1]}'",
        ),
    ],
)
def test_the_library_check_refuses_an_alias_that_collides(
    cli: Cli, tmp_path: Path, entries: str, said: str
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text("exercises:" + entries, encoding="utf-8")
    res = cli("exercises", "check", str(own))
    assert res.exit_code == 1, res.output
    assert said in " ".join(res.stderr.split())
    assert str(own) in res.stderr and "Traceback" not in res.output


def test_an_own_file_written_with_a_former_id_still_overrides_that_exercise(
    cli: Cli, backcare_home: Path
) -> None:
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "exercises.yaml").write_text(
        "exercises:" + own_exercise(CHAIR[0], "Standing up from a chair"), encoding="utf-8"
    )
    ok(cli, "exercises", "check")
    shown = ok(cli, "exercises", "show", CHAIR[0], "--json").json()
    assert (shown["id"], shown["name"]) == (CHAIR[1], "Standing up from a chair")
    ids = [e["id"] for e in ok(cli, "exercises", "list", "--json").json()["exercises"]]
    assert CHAIR[1] in ids and CHAIR[0] not in ids


def test_an_own_file_may_link_to_a_former_id(cli: Cli, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "exercises.yaml").write_text(
        "exercises:"
        + own_exercise(
            "tall-standing", "Tall standing", "\n    progresses_to: single-leg-stance-supported"
        ),
        encoding="utf-8",
    )
    ok(cli, "exercises", "check")
    shown = ok(cli, "exercises", "show", "tall-standing", "--json").json()
    assert shown["progresses_to"] == "standing-on-one-leg-with-support"


# --- typed ids ------------------------------------------------------------------------------


def test_a_former_id_typed_in_log_and_plan_swap_is_the_exercise(patient: Cli) -> None:
    d = START.isoformat()
    items = [i["exercise_id"] for i in ok(patient, "plan", "--json", "--date", d).json()["items"]]
    assert ARM_REACH[1] in items
    ok(
        patient,
        "log",
        "--date",
        d,
        "--done",
        f"{ARM_REACH[0]},bridge",
        "--hurt",
        f"{ARM_REACH[0]}=8",
        "--pain-after",
        "3",
    )
    (s,) = ok(patient, "history", "--json", "--date", d).json()["sessions"]
    assert [(e["exercise_id"], e["pain"]) for e in s["exercises"]] == [
        (ARM_REACH[1], 8),
        ("bridge", None),
    ]
    # edit takes the former id too, and finds the exercise already in the session.
    ok(patient, "edit", s["id"], "--partial", ARM_REACH[0], "--date", d)
    (s,) = ok(patient, "history", "--json", "--date", d).json()["sessions"]
    assert [(e["exercise_id"], e["status"]) for e in s["exercises"]] == [
        (ARM_REACH[1], "partial"),
        ("bridge", "done"),
    ]
    # It hurt 8/10 under its old id: the next day's routine leaves it out, and says so.
    nxt = ok(patient, "plan", "--json", "--date", (START + timedelta(days=1)).isoformat()).json()
    assert ARM_REACH[1] not in [i["exercise_id"] for i in nxt["items"]]
    assert any("All-fours arm reach hurt 8/10" in w for w in nxt["warnings"])
    # plan swap takes a former id on both sides.
    swapped = ok(
        patient,
        "plan",
        "swap",
        "hip-hinge",
        "--to",
        TANDEM[0],
        "--json",
        "--date",
        (START + timedelta(days=2)).isoformat(),
    ).json()
    assert swapped["in"] == TANDEM[1]


def test_a_prescription_with_a_former_id_imports_under_its_current_id(
    patient: Cli, tmp_path: Path
) -> None:
    rx = tmp_path / "rx.yaml"
    rx.write_text(
        f"exercises:\n  - id: {CHAIR[0]}\n    reps: 6\n  - id: walking\n", encoding="utf-8"
    )
    ok(patient, "programme", "import", str(rx), "--date", START.isoformat())
    shown = ok(patient, "programme", "show", "--json").json()
    assert [i["id"] for i in shown["exercises"]] == [CHAIR[1], "walking"]
    plan = ok(patient, "plan", "--json", "--date", START.isoformat()).json()
    assert [(i["exercise_id"], i["reps"]) for i in plan["items"]][0] == (CHAIR[1], 6)
    # A CarePlan made before the rename codes the exercise by its former id.
    careplan = tmp_path / "careplan.json"
    ok(
        patient,
        "programme",
        "export",
        "--format",
        "fhir",
        "--out",
        str(careplan),
        "--date",
        START.isoformat(),
    )
    older_plan = tmp_path / "older-careplan.json"
    older_plan.write_text(
        careplan.read_text(encoding="utf-8").replace(f'"{CHAIR[1]}"', f'"{CHAIR[0]}"'),
        encoding="utf-8",
    )
    assert f'"{CHAIR[0]}"' in older_plan.read_text(encoding="utf-8")
    ok(patient, "programme", "import", str(older_plan), "--date", START.isoformat())
    shown = ok(patient, "programme", "show", "--json").json()
    assert [(i["id"], i.get("reps")) for i in shown["exercises"]] == [
        (CHAIR[1], 6),
        ("walking", None),
    ]
    # Both prescriptions were stored under the current id.
    stored = (patient_home() / "backcare.json").read_text(encoding="utf-8")
    assert CHAIR[1] in stored and CHAIR[0] not in stored


def test_programme_new_takes_a_former_id_and_writes_the_current_one(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "rx.yaml"
    ok(
        cli,
        "programme",
        "new",
        "--out",
        str(out),
        "--exercise",
        f"{CHAIR[0]} reps=6",
        "--note",
        f"{CHAIR[1]}=hands on the armrests",
    )
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [(e["id"], e["reps"], e["note"]) for e in written["exercises"]] == [
        (CHAIR[1], 6, "hands on the armrests")
    ]


# --- stored data from before the rename -----------------------------------------------------


def days(n: int) -> list[str]:
    return [(START + timedelta(days=k)).isoformat() for k in range(n)]


def older(text: str) -> str:
    """An export as backcare wrote it before the rename: the renamed ids as they were."""
    for old, new in (ARM_REACH, HILLS, TANDEM):
        text = text.replace(f'"{new}"', f'"{old}"')
    return text


def history_of_a_week(cli: Cli) -> None:
    """A week of the whole plan with little pain (doses go up), an extra hill walk, the
    arm reach hurting a little one day, and a swap to the heel-to-toe stand."""
    for n, d in enumerate(days(8)):
        args = ["log", "--date", d, "--pain-before", "3", "--pain-after", "2"]
        if n == 2:
            args += [
                "--done",
                ",".join(
                    i["exercise_id"] for i in ok(cli, "plan", "--json", "--date", d).json()["items"]
                )
                + f",{HILLS[1]}",
                "--minutes",
                f"{HILLS[1]}=15",
                "--hurt",
                f"{ARM_REACH[1]}=3",
            ]
        ok(cli, *args)
        if n == 4:
            ok(cli, "plan", "swap", "hip-hinge", "--to", TANDEM[1], "--date", d)


def test_records_stored_under_former_ids_count_as_the_same_exercises(
    patient: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history_of_a_week(patient)
    export = tmp_path / "now.json"
    ok(patient, "export", "--format", "json", "--out", str(export), "--date", TODAY.isoformat())
    before = tmp_path / "before.json"
    before.write_text(older(export.read_text(encoding="utf-8")), encoding="utf-8")
    assert ARM_REACH[0] in before.read_text(encoding="utf-8")
    views = [
        ("plan", "--json", "--date", TODAY.isoformat()),
        ("routine", "--json", "--date", TODAY.isoformat()),
        ("progress", "--json", "--date", TODAY.isoformat(), "--from", START.isoformat()),
        ("history", "--json", "--date", TODAY.isoformat()),
    ]
    now = [ok(patient, *v).json() for v in views]

    # A second data folder restored from the older export keeps the old ids as they were.
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "restored"))
    ok(patient, "import", str(before))
    stored = "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "restored" / "log").glob("*.json")
    )
    profile = (tmp_path / "restored" / "backcare.json").read_text(encoding="utf-8")
    assert ARM_REACH[0] in stored and HILLS[0] in stored and TANDEM[0] in profile
    assert ARM_REACH[1] not in stored
    # Read back, they are the same exercises: the same routine, doses, swap, adherence,
    # aerobic minutes (the hill walk) and history.
    again = [ok(patient, *v).json() for v in views]
    assert again == now
    assert now[2]["weekly"][0]["aerobic_minutes"] > 0
    # A clinic that adds the older export reads it the same way.
    ok(patient, "clinic", "add", str(before), "--as", "Old")
    own = ok(patient, "progress", "--json", "--weeks", "2", "--date", TODAY.isoformat()).json()
    seen = ok(
        patient, "clinic", "show", "Old", "--json", "--weeks", "2", "--date", TODAY.isoformat()
    ).json()
    for key in ("name", "patient", "exported_at", "voice", "clinical", "verdict_text"):
        seen.pop(key)
    own.pop("verdict_text")
    assert seen == own
    # An export made now carries the current ids.
    ok(
        patient,
        "export",
        "--format",
        "json",
        "--out",
        str(tmp_path / "again.json"),
        "--date",
        TODAY.isoformat(),
    )
    out = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    logged = {e["exercise_id"] for s in out["sessions"] for e in s["exercises"]}
    assert ARM_REACH[1] in logged and ARM_REACH[0] not in logged


def test_fhir_identifiers_of_records_made_before_the_rename_do_not_change(
    patient: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exercise's pain is an Observation whose identifier is made from the session's id
    and the exercise's id (issue 23): a renamed exercise's keeps the id it was first known
    by, so a server holding an older bundle finds the same resource."""
    d = START.isoformat()
    ok(
        patient,
        "log",
        "--date",
        d,
        "--done",
        f"{ARM_REACH[1]},bridge",
        "--hurt",
        f"{ARM_REACH[1]}=3",
        "--hurt",
        "bridge=2",
        "--pain-after",
        "2",
    )
    (s,) = ok(patient, "history", "--json", "--date", d).json()["sessions"]
    pid = json.loads((patient_home() / "backcare.json").read_text(encoding="utf-8"))["profile"][
        "1"
    ]["patient_id"]

    def identifiers(name: str) -> set[str]:
        out = tmp_path / name
        ok(patient, "export", "--format", "fhir", "--out", str(out), "--date", d)
        bundle = json.loads(out.read_text(encoding="utf-8"))
        return {
            i["value"]
            for e in bundle["entry"]
            for i in (
                e["resource"]["identifier"]
                if isinstance(e["resource"]["identifier"], list)
                else [e["resource"]["identifier"]]
            )
        }

    mine = identifiers("now.json")
    assert record_identifier(pid, "exercise-pain", f"{s['id']}:{ARM_REACH[0]}") in mine
    assert record_identifier(pid, "exercise-pain", f"{s['id']}:bridge") in mine
    # The same record, stored under its former id (restored from an older export).
    restored_under_former_ids(patient, tmp_path, monkeypatch, d)
    assert identifiers("restored.json") == mine


def patient_home() -> Path:
    import os

    return Path(os.environ["BACKCARE_HOME"])


def restored_under_former_ids(
    patient: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, d: str
) -> None:
    """The patient's records exported, turned into an older export that names the former
    ids, and imported into a new data folder, which the patient uses from then on."""
    export = tmp_path / "export.json"
    ok(patient, "export", "--format", "json", "--out", str(export), "--date", d)
    before = tmp_path / "before.json"
    before.write_text(older(export.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "restored"))
    ok(patient, "import", str(before))


def test_editing_a_record_stored_under_a_former_id_changes_only_what_was_asked(
    patient: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = START.isoformat()
    ok(patient, "log", "--date", d, "--done", f"{ARM_REACH[1]},bridge", "--pain-after", "2")
    restored_under_former_ids(patient, tmp_path, monkeypatch, d)
    (s,) = ok(patient, "history", "--json", "--date", d).json()["sessions"]
    res = ok(patient, "edit", s["id"], "--hurt", f"{ARM_REACH[0]}=4", "--date", d)
    said = " ".join(res.stderr.split())
    assert "All-fours arm reach, pain: not recorded → 4" in said and "added" not in said
    stored = "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "restored" / "log").glob("*.json")
    )
    assert ARM_REACH[1] in stored and ARM_REACH[0] not in stored
    (s,) = ok(patient, "history", "--json", "--date", d).json()["sessions"]
    assert [(e["exercise_id"], e["pain"]) for e in s["exercises"]] == [
        (ARM_REACH[1], 4),
        ("bridge", None),
    ]
