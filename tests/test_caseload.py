"""domain.caseload, pure (issue 22): the triage order, names, and what an export's date and
identity are worth."""

from __future__ import annotations

from datetime import date, timedelta

from backcare.domain.caseload import (
    ClinicPatient,
    RowAlert,
    Summary,
    caseload,
    export_date_problem,
    identity_conflict,
    match_patients,
    triage_key,
)
from backcare.domain.models import Profile

TODAY = date(2026, 3, 23)


def patient(pid: str, name: str | None, exported: date = TODAY) -> ClinicPatient:
    return ClinicPatient(pid, "0" * 32, name, TODAY, TODAY, f"{exported}T08:00:00+00:00", "json")


def summary(alert: RowAlert | None, adherence: float = 100.0) -> Summary:
    return Summary(
        TODAY,
        alert,
        int(alert is not None),
        TODAY,
        adherence,
        6,
        4.0,
        -2.0,
        "improving",
        None,
        False,
    )


def alert(rule: str, level: str = "critical", days_ago: int = 0, cleared: bool = False) -> RowAlert:
    return RowAlert(level, rule, "…", TODAY - timedelta(days=days_ago), cleared=cleared)


def test_red_flags_then_severe_pain_then_a_hurt_exercise_then_the_rest() -> None:
    ordered = [
        alert("red-flag", days_ago=1),
        alert("red-flag", days_ago=4),
        alert("severe-pain"),
        alert("exercise-hurt"),
        alert("function-down-20"),
        alert("adherence-below-50", "high"),
        alert("red-flag", days_ago=0, cleared=True),
        alert("pain-rising", "low"),
    ]
    shuffled = [ordered[i] for i in (5, 2, 7, 1, 6, 4, 3, 0)]
    got = sorted(shuffled, key=triage_key)
    assert [(a.rule, a.date) for a in got[:4]] == [(a.rule, a.date) for a in ordered[:4]]
    # The rest by level: the cleared red flag is critical, with function-down.
    assert {a.rule for a in got[4:6]} == {"function-down-20", "red-flag"}
    assert [a.rule for a in got[6:]] == ["adherence-below-50", "pain-rising"]


def test_no_export_for_14_days_is_an_alert_and_ranks_by_its_level() -> None:
    quiet = patient("a", "Quiet", TODAY - timedelta(days=14))
    fresh = patient("b", "Fresh", TODAY - timedelta(days=13))
    rows = caseload([(fresh, summary(None)), (quiet, summary(None))], TODAY, stale_days=14)
    assert [r.patient.name for r in rows] == ["Quiet", "Fresh"]
    assert rows[0].stale and rows[0].alert is not None
    assert rows[0].alert.rule == "no-export" and rows[0].export_age_days == 14
    assert not rows[1].stale and rows[1].alert is None
    # A critical alert of its own stays the row's alert; no-export is counted.
    flagged = caseload([(quiet, summary(alert("severe-pain")))], TODAY)[0]
    assert flagged.alert is not None and flagged.alert.rule == "severe-pain"
    assert flagged.alert_count == 2


def test_names_any_case_any_unique_part() -> None:
    people = [
        patient("pt-a1", "J. Murphy"),
        patient("pt-b2", "Ann Murray"),
        patient("pt-c3", "M. O'Brien"),
        patient("pt-d4", None),
    ]
    assert [p.id for p in match_patients(people, "murphy")] == ["pt-a1"]
    assert [p.id for p in match_patients(people, "ANN")] == ["pt-b2"]
    assert [p.id for p in match_patients(people, "obrien")] == ["pt-c3"]
    assert [p.id for p in match_patients(people, "j m")] == ["pt-a1"]
    assert [p.id for p in match_patients(people, "mur")] == ["pt-a1", "pt-b2"]
    assert [p.id for p in match_patients(people, "pt-d")] == ["pt-d4"]
    assert match_patients(people, "smith") == [] and match_patients(people, " ") == []


def test_an_exports_date_is_checked_never_trusted() -> None:
    assert export_date_problem(f"{TODAY}T23:00:00+00:00", TODAY) is None
    assert export_date_problem(f"{TODAY + timedelta(days=1)}T09:00:00+00:00", TODAY) is None
    assert "more than a day" in str(export_date_problem("2030-01-01T00:00:00", TODAY))
    assert "not a date" in str(export_date_problem("soon", TODAY))


def test_an_identity_conflicts_when_the_profiles_were_made_on_different_days() -> None:
    mine = Profile(TODAY, created=date(2026, 1, 5))
    assert identity_conflict(mine, Profile(TODAY, created=date(2026, 1, 5))) is None
    assert identity_conflict(mine, Profile(TODAY)) is None  # nothing to compare
    said = identity_conflict(mine, Profile(TODAY, created=date(2025, 6, 1)))
    assert said is not None and "2025-06-01" in said and "2026-01-05" in said
