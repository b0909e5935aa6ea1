"""Times in a case: stored as UTC epoch seconds, shown in the case's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from linkgraph.errors import LinkgraphError


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, with a clear error for a misspelt one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise LinkgraphError(f"unknown time zone '{name}' (use an IANA name such as America/Los_Angeles)") from exc


def now_iso() -> str:
    """The current UTC time as ISO 8601 with seconds, for audit and source records."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def to_local(epoch: int | float | None, tz: str) -> datetime | None:
    """An aware datetime in the case zone for a stored time (None stays None)."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, zone(tz))


def format_time(epoch: int | float | None, tz: str, *, with_zone: bool = True) -> str:
    """'2024-09-14 21:05:00 PDT' in the case zone; '' for no time; a time no calendar can show (year 0, inf)
    is named as such instead of crashing the page or table that shows it."""
    try:
        moment = to_local(epoch, tz)
    except (ValueError, OverflowError, OSError):
        return f"(time {epoch!r:.24} out of range)"
    if moment is None:
        return ""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text} {moment.tzname()}" if with_zone else text


def parse_iso(text: str, tz: str) -> int:
    """Epoch seconds for an ISO date or datetime; naive values are read in zone `tz`."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return int(moment.timestamp())
