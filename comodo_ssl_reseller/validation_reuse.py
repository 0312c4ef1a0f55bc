"""How long the CA may reuse a domain validation: plain Python (no Odoo import), the one place the
rule is written. The order's form and the customer's certificate page both read it.

CA/Browser Forum ballot SC-081v3 shortens the reuse period in steps, by the date the CA reuses the
validation (when it issues), not by the date the validation was made: a validation made under the
198-day rule can only be reused until 2027-03-15 plus 100 days at most. Sectigo applies the first
step three days early (198 days from 2026-03-12, where the ballot says 200 from 2026-03-15); the
customer's certificates come from Sectigo, so its dates are the ones written here.
"""
from datetime import date, datetime, time, timedelta

# (from this date on, a validation may be reused for this many days), oldest first. Before the
# first step the Baseline Requirements allowed 398 days.
REUSE_PERIODS = (
    (date.min, 398),
    (date(2026, 3, 12), 198),
    (date(2027, 3, 15), 100),
    (date(2029, 3, 15), 10),
)


def reuse_days_on(day):
    """How many days old a validation may be for the CA to reuse it on `day` (a date)."""
    days = REUSE_PERIODS[0][1]
    for start, period in REUSE_PERIODS:
        if day >= start:
            days = period
    return days


def reusable_until(validated_at):
    """The last moment the CA may reuse a validation made at `validated_at` (a datetime, or a date
    meaning its midnight): the latest time t with t - validated_at within the period in force at t.

    The periods only ever shorten, so the moments a validation may be reused form one interval from
    `validated_at`: its end is the latest end found in any period the validation reaches.
    """
    if not isinstance(validated_at, datetime):
        validated_at = datetime.combine(validated_at, time())
    until = validated_at
    starts = [start for start, _days in REUSE_PERIODS[1:]] + [date.max]
    for (start, days), next_start in zip(REUSE_PERIODS, starts):
        latest = validated_at + timedelta(days=days)
        if latest.date() < start:
            continue  # stale before this period begins
        if next_start != date.max:
            # The period ends the moment the next, shorter one begins.
            latest = min(latest, datetime.combine(next_start, time()) - timedelta(microseconds=1))
        until = max(until, latest)
    return until
