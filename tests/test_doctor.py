"""`backcare doctor` never loses data (issue 17).

- A restore is one step: the backup replaces the damaged file atomically, and the damaged
  copy is kept by copying it; a file that a backup holds and the folder lacks is a finding.
- Under the lock the file is checked again: a file repaired meanwhile is left alone.
- "Newest" means newest in content: the writes a file counts, then its time; backup folders
  dated in the future are never chosen; backups are pruned by age and by count.
- A file that cannot be read because of its mode is not damaged: its mode is fixed.
- `doctor --yes` makes everything private (backups and caches too), removes leftover temp
  files, and caches that fail their checks.

Every kill point of `doctor --yes` is in tests/test_crash.py.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from backcare.domain.models import PainCheckin, Visit
from backcare.storage import Store, lock
from backcare.storage import files as storage

MARCH = date(2026, 3, 10)
TODAY = date.today()  # backups are named by the real clock


def console_script() -> str:
    exe = shutil.which("backcare") or str(Path(sys.executable).parent / "backcare")
    if not Path(exe).exists():
        pytest.skip("the backcare console script is not installed")
    return exe


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "BACKCARE_HOME": str(home), "NO_COLOR": "1", **extra}


def checkins(store: Store, n: int, first: date = MARCH) -> None:
    for i in range(n):
        store.put_checkin(PainCheckin(first + timedelta(days=i), i % 10))


def backup_of(home: Path, day: date, rel: str = "log/2026-03.json") -> Path:
    return home / "backups" / day.isoformat() / rel


def plant_backup(
    home: Path, day: date, tables: dict[str, Any], rel: str = "log/2026-03.json"
) -> Path:
    path = backup_of(home, day, rel)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(json.dumps(tables), encoding="utf-8")
    path.chmod(0o600)
    return path


def damage(path: Path) -> bytes:
    bad = path.read_bytes()[:20]
    path.write_bytes(bad)
    return bad


# --- a restore is one step -------------------------------------------------------------------


def test_a_restore_replaces_the_damaged_file_in_one_step_and_copies_it_aside(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(backcare_home)
    checkins(s, 3)
    path = s.paths.month(MARCH)
    bad = damage(path)
    [finding] = s.check()
    seen: list[bool] = []
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == path:  # at the one moment the file changes, it is whole
            seen.append(path.read_bytes() == bad)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    kept = s.restore(finding)
    assert seen == [True]  # the damaged file was never moved away: it was replaced
    assert kept is not None and kept.read_bytes() == bad
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # The day's backup: the file as it was before the day's first change to it.
    assert [c.score for c in s.history().checkins] == [0]


def test_a_file_a_backup_holds_but_the_folder_lacks_is_a_finding(
    cli: Cli, backcare_home: Path
) -> None:
    s = Store(backcare_home)
    checkins(s, 3)
    path = s.paths.month(MARCH)
    path.unlink()  # what an interrupted restore of an earlier backcare left
    report = cli("doctor", "--json").json()
    assert [(p["file"], p["problem"], p["fix"]) for p in report["problems"]] == [
        (str(path), "is missing", "restore")
    ]
    res = cli("doctor", "--yes")
    assert res.exit_code == 0, res
    assert "restored the missing 2026-03.json" in res.stderr
    assert len(Store(backcare_home).history().checkins) == 1
    assert cli("doctor", "--json").json()["clean"] is True


# --- a restore checks again under the lock -----------------------------------------------------


def test_a_file_repaired_meanwhile_is_not_restored_over(backcare_home: Path) -> None:
    first = Store(backcare_home)
    checkins(first, 3)
    path = first.paths.month(MARCH)
    good = path.read_bytes()
    damage(path)
    [finding] = first.check()
    # Another doctor restores it, and a check-in is recorded, before this one gets the lock.
    path.write_bytes(good)
    Store(backcare_home).put_checkin(PainCheckin(MARCH + timedelta(days=5), 9))
    assert first.restore(finding) is None
    assert [c.score for c in Store(backcare_home).history().checkins] == [0, 1, 2, 9]
    assert not list(path.parent.glob("*.damaged-*"))


def test_two_doctors_at_once_restore_once_and_keep_what_was_written_between(
    backcare_home: Path,
) -> None:
    """Through the console script: doctor A has found the damage and waits for the lock,
    which this test holds; meanwhile the file is restored and a check-in recorded. Once A
    gets the lock it sees a good file and leaves it."""
    s = Store(backcare_home)
    checkins(s, 3)
    path = s.paths.month(MARCH)
    good = path.read_bytes()
    damage(path)
    with lock.exclusive(s.paths.lock):
        doctor = subprocess.Popen(
            [console_script(), "doctor", "--yes"],
            env=env_for(backcare_home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert doctor.stderr is not None
        line = doctor.stderr.readline()  # its findings are printed before it repairs
        assert line.startswith("✗"), line
        # What a second doctor and a `pain` did while A waited.
        tables = json.loads(good)
        tables["pain_checkins"]["9"] = PainCheckin(MARCH + timedelta(days=9), 8).to_dict()
        storage.atomic_write_bytes(path, json.dumps(tables).encode())
        after = path.read_bytes()
    out, err = doctor.communicate(timeout=60)
    assert doctor.returncode == 0, err
    assert "repaired meanwhile" in err
    assert path.read_bytes() == after
    assert 8 in [c.score for c in Store(backcare_home).history().checkins]
    assert not list(path.parent.glob("*.damaged-*"))


# --- newest in content -----------------------------------------------------------------------


def on(home: Path, day: date) -> Store:
    """The store as it runs on ``day`` (the day backups are named by)."""
    return Store(home, today=lambda: day)


def test_a_backup_folder_dated_in_the_future_is_never_chosen(cli: Cli, backcare_home: Path) -> None:
    checkins(on(backcare_home, TODAY - timedelta(days=2)), 1)
    # One day the clock ran a year ahead: that day's backup holds the one check-in.
    checkins(on(backcare_home, TODAY + timedelta(days=365)), 1)
    checkins(on(backcare_home, TODAY - timedelta(days=1)), 9)
    checkins(on(backcare_home, TODAY), 10)  # today's backup holds the nine
    damage(Store(backcare_home).paths.month(MARCH))
    report = cli("doctor", "--json").json()
    assert report["problems"][0]["backup"] == str(backup_of(backcare_home, TODAY))
    assert cli("doctor", "--yes").exit_code == 0
    assert len(Store(backcare_home).history().checkins) == 9


def test_the_newest_backup_is_the_one_with_the_most_writes_whatever_its_folder(
    backcare_home: Path,
) -> None:
    s = Store(backcare_home)
    checkins(s, 4)
    newest = json.loads(s.paths.month(MARCH).read_bytes())
    older = json.loads(s.paths.month(MARCH).read_bytes())
    older["pain_checkins"] = dict(list(older["pain_checkins"].items())[:1])
    older["_meta"]["1"]["generation"] = 1
    # A folder named later (the clock was set back and forth) holds the older content.
    plant_backup(backcare_home, TODAY - timedelta(days=3), newest)
    plant_backup(backcare_home, TODAY - timedelta(days=1), older)
    shutil.rmtree(backcare_home / "backups" / TODAY.isoformat())
    damage(s.paths.month(MARCH))
    assert s.newest_good_backup(s.paths.month(MARCH)) == backup_of(
        backcare_home, TODAY - timedelta(days=3)
    )


def test_backups_are_pruned_by_age_and_count_and_future_ones_do_not_count(
    backcare_home: Path,
) -> None:
    s = Store(backcare_home)
    s.add_visit(Visit("v-1", MARCH, "other"))
    tables = json.loads(s.paths.month(MARCH).read_bytes())
    for age in (1, 2, 3, 5, 8, 30):
        plant_backup(backcare_home, TODAY - timedelta(days=age), tables)
    future = plant_backup(backcare_home, TODAY + timedelta(days=2), tables)
    s.add_visit(Visit("v-2", MARCH, "other"))  # today's first change: a backup, then a prune
    days = sorted(p.name for p in (backcare_home / "backups").iterdir())
    expected = [TODAY - timedelta(days=a) for a in (5, 3, 2, 1, 0)]
    assert days == sorted([d.isoformat() for d in expected] + [future.parts[-3]])


# --- a file its mode keeps from being read is not damaged --------------------------------------


def as_nobody() -> list[str]:
    """Run as another user: permissions mean nothing to root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be tested")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    if (
        subprocess.run(
            [*prefix, console_script(), "--help"], capture_output=True, check=False
        ).returncode
        != 0
    ):
        pytest.skip("another user cannot run this backcare (its Python is private)")
    return prefix


@pytest.fixture
def shared_tmp() -> Any:
    """A folder another user can reach (pytest's own are private to this one)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="backcare-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def nobodys_home(shared_tmp: Path) -> tuple[Path, dict[str, str], list[str]]:
    """A data folder, its environment and the command that runs backcare, as a user other
    than root where the tests run as root (permissions mean nothing to root)."""
    prefix = as_nobody()
    home = shared_tmp / "home"
    if prefix:
        home.mkdir(mode=0o700)
        os.chown(home, 65534, 65534)
    return home, env_for(home, BACKCARE_TODAY="2026-03-20"), [*prefix, console_script()]


def test_an_unreadable_file_gets_its_mode_back_not_an_older_backup(shared_tmp: Path) -> None:
    home, env, exe = nobodys_home(shared_tmp)
    for day in ("2026-03-10", "2026-03-11", "2026-03-12"):
        assert (
            subprocess.run(
                [*exe, "pain", "4", "--date", day], env=env, capture_output=True
            ).returncode
            == 0
        )
    path = home / "log" / "2026-03.json"
    path.chmod(0o000)
    res = subprocess.run([*exe, "history", "--json"], env=env, capture_output=True, text=True)
    assert res.returncode == 1
    assert f"{path}: cannot be read: its permissions (mode 0)" in res.stderr
    assert "doctor --yes" in res.stderr and "restore" not in res.stderr
    report = json.loads(
        subprocess.run([*exe, "doctor", "--json"], env=env, capture_output=True, text=True).stdout
    )
    mine = [p for p in report["problems"] if p["file"] == str(path)]
    assert mine and mine[0]["backup"] is None and mine[0]["fix"] == "permissions"
    fixed = subprocess.run([*exe, "doctor", "--yes"], env=env, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
    assert "restored" not in fixed.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    hist = subprocess.run([*exe, "history", "--json"], env=env, capture_output=True, text=True)
    assert len(json.loads(hist.stdout)["pain_checkins"]) == 3  # not 1
    assert not list(path.parent.glob("*.damaged-*"))


@pytest.mark.parametrize("folder", ["log", "undo"])
def test_doctor_names_a_folder_it_cannot_read_and_yes_fixes_its_mode(
    shared_tmp: Path, folder: str
) -> None:
    """A mode-000 log/ or undo/ once made doctor, the command every warning sends the
    patient to, fail with "unexpected problem (PermissionError)" (issue 24)."""
    home, env, exe = nobodys_home(shared_tmp)
    for args in (["pain", "4", "--date", "2026-03-10"], ["log", "--date", "2026-03-10"]):
        assert subprocess.run([*exe, *args], env=env, capture_output=True).returncode == 0
    path = home / folder
    path.chmod(0o000)
    if exe == [console_script()] and os.access(path, os.R_OK):
        pytest.skip("this user reads a mode-000 folder (root without setpriv)")
    for args in (["history", "--json"], ["doctor"], ["doctor", "--json"]):
        res = subprocess.run([*exe, *args], env=env, capture_output=True, text=True)
        assert "unexpected problem" not in res.stderr, (args, res.stderr)
        assert res.returncode in (1, 2) or args[-1] == "--json", (args, res.stderr)
        assert str(path) in res.stderr + res.stdout, args
    report = json.loads(
        subprocess.run([*exe, "doctor", "--json"], env=env, capture_output=True, text=True).stdout
    )
    [mine] = [p for p in report["problems"] if p["file"] == str(path)]
    assert mine["fix"] == "permissions" and "cannot be read" in mine["problem"]
    fixed = subprocess.run([*exe, "doctor", "--yes"], env=env, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    hist = subprocess.run([*exe, "history", "--json"], env=env, capture_output=True, text=True)
    assert len(json.loads(hist.stdout)["sessions"]) == 1


# --- everything private, leftovers removed ----------------------------------------------------


def spread(store: Store, months: int = 5) -> None:
    """A visit in each of ``months`` months: enough for the history cache."""
    for n in range(months):
        store.add_visit(Visit(f"v-{n}", MARCH - timedelta(days=31 * n), "other"))


def test_doctor_yes_makes_backups_and_caches_private_too(cli: Cli, backcare_home: Path) -> None:
    s = Store(backcare_home)
    checkins(s, 2)
    spread(s)
    s.history()
    s.symptom_checkins()  # both write their caches
    wide = [
        backcare_home / "backups",
        *backcare_home.joinpath("backups").rglob("*"),
        *backcare_home.joinpath("cache").rglob("*"),
        backcare_home / "cache",
    ]
    assert any(p.is_file() for p in wide)
    for path in wide:
        path.chmod(0o755 if path.is_dir() else 0o644)
    problems = [p["problem"] for p in cli("doctor", "--json").json()["problems"]]
    for path in wide:
        assert any(p.startswith(f"{path} is readable by others") for p in problems), path
    assert cli("doctor", "--yes").exit_code == 0
    for path in backcare_home.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    assert cli("doctor", "--json").json()["clean"] is True


def test_doctor_reports_and_removes_caches_that_fail_their_checks(
    cli: Cli, backcare_home: Path
) -> None:
    s = Store(backcare_home)
    checkins(s, 2)
    spread(s)
    s.history()  # five months: the history cache
    history = s.paths.history_cache
    raw = bytearray(history.read_bytes())
    raw[-5] ^= 0x01
    history.write_bytes(bytes(raw))
    legacy = s.paths.cache / "history.marshal"
    legacy.write_bytes(b"\xfb\xff\xff\xff\x7f")
    legacy.chmod(0o600)
    report = cli("doctor", "--json").json()
    found = {p["file"]: p for p in report["problems"]}
    assert "1 entry that fails its checksum" in found[str(history)]["problem"]
    assert found[str(history)]["fix"] == "remove"
    assert found[str(legacy)]["fix"] == "remove"
    assert cli("doctor", "--yes").exit_code == 0
    assert not legacy.exists() and not history.exists()
    assert cli("doctor", "--json").json()["clean"] is True
    assert len(Store(backcare_home).history().checkins) == 2


def test_a_damaged_undo_file_is_found_and_removed_and_the_rest_still_undo(
    cli: Cli, backcare_home: Path
) -> None:
    """The undo history (issue 14) only holds what undo can reverse: a damaged file of it
    loses no record, and doctor --yes removes it."""
    store = Store(backcare_home)
    checkins(store, 3)
    newest = sorted((backcare_home / "undo").iterdir())[-1]
    newest.write_text("{not json", encoding="utf-8")
    res = cli("undo")
    assert res.exit_code == 1 and newest.name in res.stderr and "doctor" in res.stderr
    doc = cli("doctor", "--json").json()
    assert [(p["file"], p["fix"]) for p in doc["problems"]] == [(str(newest), "remove")]
    assert cli("doctor", "--yes").exit_code == 0
    assert not newest.exists()
    assert cli("undo").exit_code == 0  # the change before it
    # The third check-in stays (what could undo it is gone); the second is undone.
    assert len(store.history().checkins) == 2
