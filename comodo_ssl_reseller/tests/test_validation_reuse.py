"""Until when the CA may reuse a domain validation (validation_reuse.py), across the dates of ballot
SC-081v3 as Sectigo applies them: 398 days before 2026-03-12, 198 from then, 100 from 2027-03-15,
10 from 2029-03-15; a period is the one in force when the CA reuses the validation."""
from datetime import date, datetime

from .. import validation_reuse


def until(*validated):
    return validation_reuse.reusable_until(datetime(*validated))


def test_the_period_in_force_on_each_date():
    assert validation_reuse.reuse_days_on(date(2026, 3, 11)) == 398
    assert validation_reuse.reuse_days_on(date(2026, 3, 12)) == 198
    assert validation_reuse.reuse_days_on(date(2027, 3, 14)) == 198
    assert validation_reuse.reuse_days_on(date(2027, 3, 15)) == 100
    assert validation_reuse.reuse_days_on(date(2029, 3, 14)) == 100
    assert validation_reuse.reuse_days_on(date(2029, 3, 15)) == 10


def test_a_validation_inside_one_period_lasts_that_period():
    assert until(2026, 4, 1, 9, 30) == datetime(2026, 10, 16, 9, 30)       # 198 days
    assert until(2027, 6, 1) == datetime(2027, 9, 9)                       # 100 days
    assert until(2029, 3, 20, 12) == datetime(2029, 3, 30, 12)             # 10 days


def test_a_validation_made_under_a_longer_period_ends_with_the_shorter_one():
    # 198 days would reach 2027-06-23, but from 2027-03-15 only 100-day-old validations count.
    assert until(2026, 12, 7) == datetime(2027, 3, 17)
    # A validation older than 100 days on 2027-03-15 stops the moment the 100-day rule begins.
    assert until(2026, 10, 1) == datetime(2027, 3, 14, 23, 59, 59, 999999)
    # 100 days would reach 2029-06-04; from 2029-03-15 only 10 days count, so it ends then.
    assert until(2029, 2, 24) == datetime(2029, 3, 14, 23, 59, 59, 999999)
    assert until(2029, 3, 10) == datetime(2029, 3, 20)
    # Before Sectigo's first step: 398 days, cut to what 198 days allows from 2026-03-12.
    assert until(2025, 6, 1) == datetime(2026, 3, 11, 23, 59, 59, 999999)
    # Still young enough on 2026-03-12 (162 days): reusable for 198 days from when it was made.
    assert until(2025, 10, 1) == datetime(2026, 4, 17)
    assert until(2026, 1, 1) == datetime(2026, 7, 18)


def test_a_date_means_its_midnight():
    assert validation_reuse.reusable_until(date(2027, 6, 1)) == datetime(2027, 9, 9)
