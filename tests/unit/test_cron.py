"""The five-field cron evaluator, held to the `cronsim` library on generated expressions and to
the DST rules its docstring states."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim, CronSimError
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from app.domain.cron import Cron, CronError

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NEVER = "The expression names no date that exists."
HORIZON = timedelta(days=5 * 365)
"""Ours searches SEARCH_YEARS (5 x 366 days) ahead; anything cronsim finds within this, we must."""

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def firings(cron: Cron, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Every time the expression fires in (start, end]."""
    found = []
    moment = start
    while (moment := cron.next_after(moment, zone)) is not None and moment <= end:
        found.append(moment)
    return found


# --- generated expressions against cronsim ------------------------------------------------


def _render(draw, number: int, names: tuple[str, ...], first: int) -> str:
    """A value as a number or, where the field has one, a name in any case."""
    index = number - first
    if names and 0 <= index < len(names) and draw(st.booleans()):
        name = names[index]
        return draw(st.sampled_from([name, name.upper(), name.title()]))
    return str(number)


@st.composite
def _atom(draw, low: int, high: int, names: tuple[str, ...] = (), first: int = 0) -> str:
    kind = draw(st.sampled_from(["*", "*/n", "a", "a-b", "a-b/n", "a/n"]))
    if kind == "*":
        return "*"
    if kind == "*/n":
        return f"*/{draw(st.integers(1, high + 1))}"
    a = draw(st.integers(low, high))
    if kind == "a":
        return _render(draw, a, names, first)
    if kind == "a/n":
        return f"{_render(draw, a, names, first)}/{draw(st.integers(1, high - low + 1))}"
    # cronsim reads `a-a/n` as `a/n` (a to the end, stepped); Vixie cron and ours read it as
    # just a. Stepped ranges are drawn with a < b so the two agree.
    b = draw(st.integers(a if kind == "a-b" else a + 1, high)) if a < high else a
    if kind == "a-b/n" and a == b:
        return _render(draw, a, names, first)
    text = f"{_render(draw, a, names, first)}-{_render(draw, b, names, first)}"
    if kind == "a-b/n":
        text += f"/{draw(st.integers(1, b - a + 1))}"
    return text


def _field(low: int, high: int, names: tuple[str, ...] = (), first: int = 0):
    atom = _atom(low, high, names, first)
    return st.one_of(atom, st.lists(atom, min_size=2, max_size=3).map(",".join))


# Day fields lean towards `*`, so both the AND rule (one of them starts with `*`) and the OR
# rule (both restricted) come up often.
EXPRESSIONS = st.tuples(
    _field(0, 59),
    _field(0, 23),
    st.one_of(st.just("*"), _field(1, 31)),
    st.one_of(st.just("*"), _field(1, 12, MONTH_NAMES, first=1)),
    st.one_of(st.just("*"), _field(0, 7, DAY_NAMES)),
).map(" ".join)

MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31, 23, 59), timezones=st.just(UTC)
).flatmap(
    # Half the moments sit exactly on a minute, where "strictly after" matters.
    lambda moment: st.sampled_from([moment, moment.replace(second=0, microsecond=0)])
)


@settings(max_examples=300, deadline=None)
@given(expression=EXPRESSIONS, moment=MOMENTS)
@example(expression="0 0 13 * 5", moment=at(2026, 1, 1))  # OR: the 13th, or a Friday
@example(expression="0 0 */2 * fri", moment=at(2026, 1, 1))  # AND: `*/2` counts as `*`
@example(expression="0 0 1-7 * MON", moment=at(2026, 1, 6))
@example(expression="30 2 * FEB,mar sun,7", moment=at(2026, 2, 1, 2, 30))
@example(expression="0 0 29 2 */7", moment=at(2030, 1, 1))  # a leap day on a Sunday: 2032
@example(expression="0 0 29 2 */7", moment=at(2010, 1, 1))  # ...none within five years
@example(expression="0 0 30 2 *", moment=at(2026, 1, 1))  # never: both refuse
@example(expression="0 0 30 2 1", moment=at(2026, 1, 1))  # OR: Mondays in February
@example(expression="*/15 9-17/2 * jan-jun/2 MON-FRI", moment=at(2026, 3, 2, 9, 15))
@example(expression="59 23 31 12 0-7/7", moment=at(2040, 12, 31, 23, 59))
# 11 December on a Sunday or Friday: none from 2000 to 2004, so a five-year search from 2000
# once refused it as never firing, though 2005-12-11 is a Sunday.
@example(expression="* * 11 12 */5", moment=at(2000, 12, 18))
def test_next_after_agrees_with_cronsim(expression, moment):
    try:
        theirs = next(CronSim(expression, moment))
    except CronSimError:
        assume(False)
    except StopIteration:  # nothing in cronsim's 50 years
        theirs = None
    within = theirs is not None and theirs - moment <= HORIZON
    try:
        cron = Cron.parse(expression)
    except CronError as error:
        assert not within, f"{expression!r} fires at {theirs} but was refused: {error}"
        assert str(error) == NEVER, f"cronsim accepts {expression!r}; we said {error}"
        assume(False)
    ours = cron.next_after(moment, UTC)
    if within:
        assert ours == theirs, f"{expression!r} after {moment}"
    else:
        assert ours is None or ours == theirs, f"{expression!r} after {moment}"
    if ours is not None:
        assert ours > moment


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 9 * *", "Give five fields: minute hour day-of-month month day-of-week."),
        ("0 9 * * * *", "Give five fields: minute hour day-of-month month day-of-week."),
        ("", "Give five fields: minute hour day-of-month month day-of-week."),
        ("60 * * * *", "The minute must be within 0-59, low to high: '60'."),
        ("0 24 * * *", "The hour must be within 0-23, low to high: '24'."),
        ("0 0 0 * *", "The day of month must be within 1-31, low to high: '0'."),
        ("0 0 * 13 *", "The month must be within 1-12, low to high: '13'."),
        ("0 0 * * 8", "The day of week must be within 0-7, low to high: '8'."),
        ("0 17-9 * * *", "The hour must be within 0-23, low to high: '17-9'."),
        ("0 0 * * fri-mon", "The day of week must be within 0-7, low to high: 'fri-mon'."),
        ("*/0 * * * *", "The minute step must be at least 1."),
        ("0 0 1-10/0 * *", "The day of month step must be at least 1."),
        ("0 0 x * *", "The day of month field has 'x', which is not a number."),
        ("0 0 * * -1", "The day of week field has '', which is not a number."),
        ("0 0 * mon *", "The month field has 'mon', which is not a number."),
        ("0 0 * * jan", "The day of week field has 'jan', which is not a number."),
        ("0 0 1,,2 * *", "The day of month field has '', which is not a number."),
        ("0 0 L * *", "The day of month field has 'L', which is not a number."),
        ("*/x * * * *", "The minute field has 'x', which is not a number."),
        ("0 0 30 2 *", NEVER),
        ("0 0 31 4,6,9,11 *", NEVER),
    ],
)
def test_bad_expressions_are_refused_naming_the_field(expression, message):
    with pytest.raises(CronError, match=f"^{re.escape(message)}$"):
        Cron.parse(expression)


def test_a_cron_error_is_a_value_error():
    assert issubclass(CronError, ValueError)


def test_the_expression_is_kept_with_its_spacing_normalised():
    cron = Cron.parse("  0   9 * *\tMON-FRI ")
    assert cron.expression == "0 9 * * MON-FRI"
    assert cron.weekdays == frozenset({1, 2, 3, 4, 5})


def test_sunday_is_0_or_7_and_names_are_case_blind():
    assert Cron.parse("0 0 * * 7").weekdays == Cron.parse("0 0 * * 0").weekdays == {0}
    assert Cron.parse("0 0 * * Sun").weekdays == {0}
    assert Cron.parse("0 0 * * 5-7").weekdays == {0, 5, 6}
    assert Cron.parse("0 0 * JAN,jul *").months == {1, 7}


def test_the_or_rule_applies_only_when_both_day_fields_are_restricted():
    friday_13th = datetime(2026, 2, 13).date()
    friday_6th = datetime(2026, 2, 6).date()
    either = Cron.parse("0 0 13 * 5")
    assert either.matches_day(friday_13th) and either.matches_day(friday_6th)
    both = Cron.parse("0 0 */12 * 5")  # `*/12` starts with `*`: both must match
    assert both.matches_day(friday_13th)
    assert not both.matches_day(friday_6th)


def test_leap_day_expressions_fire_in_leap_years():
    cron = Cron.parse("0 12 29 2 *")
    assert cron.next_after(at(2026, 3, 1), UTC) == at(2028, 2, 29, 12)


@pytest.mark.parametrize(
    "number",
    [
        "\u00b2",  # superscript two: str.isdigit() says yes, int() says no
        "\u0661",  # Arabic-Indic one: a digit to Python, not to cron
        "1" * 5000,  # beyond int()'s digit limit
    ],
)
def test_only_short_ascii_numbers_are_numbers(number):
    with pytest.raises(CronError, match="which is not a number"):
        Cron.parse(f"{number} * * * *")


# --- time zones and DST ---------------------------------------------------------------------


def test_wall_clock_time_in_the_zone_follows_its_offset():
    cron = Cron.parse("0 9 1 * *")
    assert cron.next_after(at(2026, 1, 15), PARIS) == at(2026, 2, 1, 8)  # CET, UTC+1
    assert cron.next_after(at(2026, 6, 15), PARIS) == at(2026, 7, 1, 7)  # CEST, UTC+2


def test_next_after_is_strictly_after():
    cron = Cron.parse("0 9 * * *")
    assert cron.next_after(at(2026, 1, 1, 9), UTC) == at(2026, 1, 2, 9)
    assert cron.next_after(at(2026, 1, 1, 8, 59, 59, 999999), UTC) == at(2026, 1, 1, 9)


def test_a_time_in_the_spring_forward_gap_fires_once():
    # On 29 March 2026 Paris goes from 02:00 CET straight to 03:00 CEST: 02:30 never happens.
    cron = Cron.parse("30 2 * * *")
    night = firings(cron, PARIS, at(2026, 3, 28, 22), at(2026, 3, 29, 22))
    assert night == [at(2026, 3, 29, 1, 30)]
    around = firings(cron, PARIS, at(2026, 3, 27, 12), at(2026, 3, 30, 12))
    assert around == [at(2026, 3, 28, 1, 30), at(2026, 3, 29, 1, 30), at(2026, 3, 30, 0, 30)]


@pytest.mark.parametrize(
    ("zone", "expression", "night", "first"),
    [
        # Paris falls back from 03:00 CEST to 02:00 CET on 25 October 2026: 02:xx twice.
        (PARIS, "30 2 * * *", datetime(2026, 10, 24, 20, tzinfo=UTC), at(2026, 10, 25, 0, 30)),
        # New York falls back from 02:00 EDT to 01:00 EST on 1 November 2026: 01:xx twice.
        (NEW_YORK, "30 1 * * *", datetime(2026, 11, 1, 0, tzinfo=UTC), at(2026, 11, 1, 5, 30)),
    ],
)
def test_a_repeated_time_in_the_fall_back_fires_once_at_its_first_occurrence(
    zone, expression, night, first
):
    cron = Cron.parse(expression)
    assert firings(cron, zone, night, night + timedelta(hours=24)) == [first]
    assert cron.next_after(night, zone) == first
    # An hour later it is the same wall-clock time again, and it does not fire.
    assert cron.next_after(first, zone) == first + timedelta(days=1, hours=1)
