"""Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in a time
zone. The semantics are Vixie cron's, the ones crontab(5) documents: `*`, lists, ranges, steps,
month and weekday names, 0 or 7 for Sunday, and when both day fields are restricted a day
matches either. The domain stays standard-library only, so this is written here; the tests
hold it to the `cronsim` library on generated expressions."""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {name.lower(): (number + 1) % 7 for number, name in enumerate(calendar.day_abbr)}
_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _WEEKDAYS),
)
SEARCH_YEARS = 5
"""next_after looks this many years ahead."""
_CYCLE_START = date(2000, 1, 1)
_CYCLE_DAYS = (date(2028, 1, 1) - _CYCLE_START).days
"""Every (month, day, weekday) the calendar has falls within these 28 years, 29 February on
each weekday included (its seven leap years put it on all seven). An expression matching no
day in them (say 30 February) never fires."""


class CronError(ValueError):
    pass


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 is Sunday, as in cron."""
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> "Cron":
        """Raises CronError with a message that names the field at fault."""
        parts = expression.split()
        if len(parts) != len(_FIELDS):
            raise CronError("Give five fields: minute hour day-of-month month day-of-week.")
        values = [
            _field(part, name, low, high, names)
            for part, (name, low, high, names) in zip(parts, _FIELDS, strict=True)
        ]
        weekdays = frozenset(day % 7 for day in values[4])
        cron = cls(
            expression=" ".join(parts),
            minutes=values[0],
            hours=values[1],
            days=values[2],
            months=values[3],
            weekdays=weekdays,
            any_day=parts[2].startswith("*"),
            any_weekday=parts[4].startswith("*"),
        )
        if not any(cron.matches_day(_CYCLE_START + timedelta(n)) for n in range(_CYCLE_DAYS)):
            raise CronError("The expression names no date that exists.")
        return cron

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        on_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and on_weekday
        return in_month or on_weekday

    def next_after(self, moment: datetime, zone: tzinfo) -> datetime | None:
        """The first time strictly after `moment` (aware) that the expression names in the
        wall-clock time of `zone`, in UTC; None if there is none within SEARCH_YEARS. A wall
        time skipped by a DST change fires as if the clock had not moved (02:30 on the night
        the clocks skip 02:00-03:00 fires at 03:30); one repeated fires once, the first time."""
        local = moment.astimezone(zone)
        day = local.date()
        last = min(day, date.max - timedelta(days=366 * SEARCH_YEARS)) + timedelta(
            days=366 * SEARCH_YEARS
        )
        while day <= last:
            if self.matches_day(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        wall = datetime.combine(day, time(hour, minute), tzinfo=zone)
                        instant = wall.astimezone(UTC)
                        if instant > moment:
                            return instant
            day += timedelta(days=1)
        return None


def _field(part: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    chosen: set[int] = set()
    for item in part.split(","):
        span, _, step_text = item.partition("/")
        step = _number(step_text, name, names={}) if step_text else 1
        if step < 1:
            raise CronError(f"The {name} step must be at least 1.")
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, _, second = span.partition("-")
            start, end = _number(first, name, names), _number(second, name, names)
        else:
            start = _number(span, name, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise CronError(f"The {name} must be within {low}-{high}, low to high: {item!r}.")
        chosen.update(range(start, end + 1, step))
    return frozenset(chosen)


def _number(text: str, name: str, names: dict[str, int]) -> int:
    lowered = text.lower()
    if lowered in names:
        return names[lowered]
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise CronError(f"The {name} field has {text!r}, which is not a number.")
    return int(text)
