"""The one progress report (issue 20): the figures of ``analytics.progress_report`` with the
routine's doses over the same period, for the patient's `progress`, the clinic's `show`
and `report`, and the PDF alike. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backcare.domain.analytics import ProgressReport, progress_report
from backcare.domain.clinical import Thresholds
from backcare.domain.history import Earlier
from backcare.domain.library import Library
from backcare.domain.models import Goal, History, Prescribed, Profile
from backcare.domain.planner import routine_rows


def full_report(
    profile: Profile | None,
    history: History,
    prescriptions: Prescribed,
    start: date,
    end: date,
    on: date,
    library: Library,
    t: Thresholds,
    goals: Sequence[Goal] = (),
    earlier: Earlier | None = None,
) -> ProgressReport:
    """Every figure for [start, end] as it stands on ``on``, with exercise names in the
    alerts and the routine's rows ("Your routine"). ``history`` is the whole log, or the
    log from ``earlier.before`` on with ``earlier`` the months before it summarised
    (analytics.whole_from): the same figures."""
    report = progress_report(
        profile,
        history,
        prescriptions,
        start,
        end,
        on,
        t,
        library.categories(),
        goals,
        library.names(),
        earlier,
    )
    return report._replace(
        routine=routine_rows(
            report.start, report.as_of, profile, library, history, prescriptions, t
        )
    )
