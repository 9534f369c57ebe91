"""`export --format ics`: the coming weeks' exercise days as calendar events (RFC 5545).

One event per planned day, at the time the patient chose (``--at``, default 09:00), lasting
the session's planned minutes, with a display reminder when it starts. The start carries the
patient's time zone (a ``TZID`` with its ``VTIMEZONE``), or is in UTC when the zone cannot be
told; the alarm is relative to the start. Google Calendar and Outlook keep both, where they
drop an alarm that is an offset from an all-day start.

Each event's UID is made from the patient's identifier and its date
(``backcare-<patient id>-<date>``: no two patients share one, and no made-up host: a UID
needs no domain), and its ``SEQUENCE`` grows with the export's time, so importing a newer
export updates the same events instead of adding copies. A day of the export's period with
no session planned (the plan changed: a prescription of other days, fewer days a week) is
written too, as a cancelled event (``STATUS:CANCELLED``), so a calendar that imported an
earlier export drops its reminder (issue 23). The summary gives the session's length; the
description lists the plan's exercises with their doses.

The plans are `plan --json` documents made by the planner in the command; this module only
turns them into a calendar. Future plans are a forecast: the real plan on the day adapts to
how the sessions before it went, which the description says.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone

from backcare.domain.models import Dose
from backcare.exporters import Rendered
from backcare.messages import DISCLAIMER_SHORT

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered

PRODID = "-//backcare//backcare exercise calendar//EN"
AT_START = timedelta(0)  # the reminder: when the session starts
SEQUENCE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # SEQUENCE: minutes since, at export
FORECAST = (
    "This is a forecast: on the day, 'backcare plan' gives the plan adjusted to how "
    "your sessions have gone. Start it with 'backcare session'."
)


def uid_for(patient: str, day: str) -> str:
    """The UID of the patient's session on ``day`` (RFC 5545 §3.8.4.7: unique, and no
    more; a host name is only a suggestion)."""
    return f"backcare-{patient}-{day}"


def minutes_of(plan: dict[str, Any]) -> int:
    return max(1, int(float(plan.get("total_minutes") or 0) + 0.5))


def summary(plan: dict[str, Any]) -> str:
    minutes = minutes_of(plan)
    kind = (
        "gentle exercise session (flare-up)" if plan.get("mode") == "flare" else "exercise session"
    )
    return f"backcare: {minutes} min {kind}"


def description(plan: dict[str, Any]) -> str:

    lines = []
    for item in plan.get("items", []):
        dose = Dose.from_dict(item).describe(bool(item.get("per_side")))
        name = item.get("name") or item.get("exercise_id")
        lines.append(f"- {name} ({item.get('category')}): {dose}" if dose else f"- {name}")
    lines += ["", FORECAST, "", DISCLAIMER_SHORT]
    return "\n".join(lines)


def _stamp(exported_at: str) -> datetime:
    stamp = datetime.fromisoformat(exported_at)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def sequence(exported_at: str) -> int:
    """A number that grows with each export, so a calendar takes a newer event over an
    older one with the same UID (RFC 5545 §3.8.7.4)."""
    return int((_stamp(exported_at) - SEQUENCE_EPOCH).total_seconds() // 60)


def starts(ctx: ExportContext, day: date) -> datetime:
    """When the day's session starts: ``--at`` in the patient's zone, else in UTC at the
    local offset of the export."""
    if ctx.time_zone:
        return datetime.combine(day, ctx.remind_at, ZoneInfo(ctx.time_zone))
    return datetime.combine(day, ctx.remind_at, UTC) - ctx.utc_offset


def _zone(ctx: ExportContext, days: list[date]) -> Timezone | None:
    """The VTIMEZONE of the events' zone, covering their dates (and a day either side)."""
    if not ctx.time_zone or not days:
        return None
    zone: tzinfo = ZoneInfo(ctx.time_zone)
    return Timezone.from_tzinfo(
        zone, first_date=min(days) - timedelta(days=1), last_date=max(days) + timedelta(days=1)
    )


def render(ctx: ExportContext) -> Rendered:

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "backcare exercise sessions")
    stamp = _stamp(ctx.exported_at)
    revision = sequence(ctx.exported_at)
    plans = [p for p in ctx.plans if p.get("items")]  # a rest day, or nothing fits: no event
    zone = _zone(
        ctx,
        [date.fromisoformat(d) for d in ctx.plan_days]
        or [date.fromisoformat(p["date"]) for p in plans],
    )
    if zone is not None:
        cal.add_component(zone)
    patient = ctx.patient_key or "patient"
    for plan in plans:
        begin = starts(ctx, date.fromisoformat(plan["date"]))
        event = Event()
        event.add("uid", uid_for(patient, plan["date"]))
        event.add("dtstamp", stamp)
        event.add("sequence", revision)
        event.add("dtstart", begin)
        event.add("dtend", begin + timedelta(minutes=minutes_of(plan)))
        event.add("summary", summary(plan))
        event.add("description", description(plan))
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy block in the calendar
        event.add("categories", ["Health"])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary(plan))
        alarm.add("trigger", AT_START, parameters={"RELATED": "START"})
        event.add_component(alarm)
        cal.add_component(event)
    planned = {p["date"] for p in plans}
    for day in ctx.plan_days:
        if day not in planned:
            cal.add_component(_cancelled(ctx, patient, day, stamp, revision))
    return Rendered(cal.to_ical(), len(plans))


def _cancelled(ctx: ExportContext, patient: str, day: str, stamp: datetime, revision: int) -> Event:
    """The day's event, cancelled: no session is planned that day now. Its SEQUENCE is the
    export's, higher than any earlier export's, so a calendar that has the event takes the
    cancellation (RFC 5545 §3.8.1.11 and §3.8.7.4); one that never had it has nothing to
    drop."""
    begin = starts(ctx, date.fromisoformat(day))
    event = Event()
    event.add("uid", uid_for(patient, day))
    event.add("dtstamp", stamp)
    event.add("sequence", revision)
    event.add("dtstart", begin)
    event.add("dtend", begin + timedelta(minutes=1))
    event.add("status", "CANCELLED")
    event.add("summary", "backcare: no exercise session planned (cancelled)")
    event.add("transp", "TRANSPARENT")
    return event
