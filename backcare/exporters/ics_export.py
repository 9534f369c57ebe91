"""`export --format ics`: the coming weeks' exercise days as calendar events (RFC 5545).

One all-day event per planned day, with a display reminder at 09:00 that day. The summary
gives the session's length; the description lists the plan's exercises with their doses.
Each event's UID is made from its date, so importing a newer export updates the same events
instead of adding copies.

The plans are `plan --json` documents made by the planner in the command; this module only
turns them into a calendar. Future plans are a forecast: the real plan on the day adapts to
how the sessions before it went, which the description says.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from icalendar import Alarm, Calendar, Event

from backcare.domain.models import Dose
from backcare.exporters import Rendered
from backcare.messages import DISCLAIMER_SHORT

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered

PRODID = "-//backcare//backcare exercise calendar//EN"
UID_DOMAIN = "backcare.local"
REMINDER_AFTER_MIDNIGHT = timedelta(hours=9)  # a morning reminder on the day itself
FORECAST = ("This is a forecast: on the day, 'backcare plan' gives the plan adjusted to how "
            "your sessions have gone. Start it with 'backcare session'.")


def uid_for(day: str) -> str:
    return f"backcare-session-{day}@{UID_DOMAIN}"


def summary(plan: dict[str, Any]) -> str:
    minutes = max(1, int(float(plan.get("total_minutes") or 0) + 0.5))
    kind = "gentle exercise session (flare-up)" if plan.get("mode") == "flare" \
        else "exercise session"
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


def render(ctx: ExportContext) -> Rendered:

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "backcare exercise sessions")
    stamp = _stamp(ctx.exported_at)
    count = 0
    for plan in ctx.plans:
        if not plan.get("items"):
            continue  # a rest day, or nothing fits: no event
        day = date.fromisoformat(plan["date"])
        event = Event()
        event.add("uid", uid_for(plan["date"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", summary(plan))
        event.add("description", description(plan))
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy block in the calendar
        event.add("categories", ["Health"])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary(plan))
        alarm.add("trigger", REMINDER_AFTER_MIDNIGHT)
        event.add_component(alarm)
        cal.add_component(event)
        count += 1
    return Rendered(cal.to_ical(), count)
