"""The products the sandbox sells, their terms and their prices (comodo-api.md §4)."""
from collections import namedtuple

from comodo_sandbox.protocol import ApiError, invalid, missing

Product = namedtuple('Product', 'code name validation wildcard multi_domain cents_per_year trial_days')

PRODUCTS = {product.code: product for product in [
    Product(287, 'PositiveSSL', 'DV', False, False, 1250, None),
    Product(289, 'PositiveSSL Wildcard', 'DV', True, False, 8900, None),
    Product(279, 'PositiveSSL Multi-Domain', 'DV', False, True, 3800, None),
    Product(291, 'PositiveSSL Trial', 'DV', False, False, 0, 30),
    Product(301, 'EssentialSSL', 'DV', False, False, 2000, None),
    Product(343, 'EssentialSSL Wildcard', 'DV', True, False, 11000, None),
    Product(488, 'SectigoSSL DV', 'DV', False, False, 1500, None),
    Product(489, 'SectigoSSL Wildcard', 'DV', True, False, 9500, None),
    Product(492, 'SectigoSSL UCC', 'DV', False, True, 4500, None),
    Product(24, 'InstantSSL', 'OV', False, False, 3500, None),
    Product(34, 'InstantSSL Pro', 'OV', False, False, 5500, None),
    Product(7, 'PremiumSSL', 'OV', False, False, 6500, None),
    Product(35, 'PremiumSSL Wildcard', 'OV', True, False, 18000, None),
    Product(62, 'EliteSSL', 'OV', False, False, 9500, None),
    Product(337, 'SectigoSSL EV', 'EV', False, False, 12000, None),
]}

# One year is 365 days plus up to 30 bonus days; two years likewise from 730 (comodo-api.md §4).
PRICED_TERMS = {1: range(365, 396), 2: range(730, 761)}

# CA/Browser Forum limit on a leaf's validity before ballot SC-081v3 took effect.
MAX_VALIDITY_DAYS = 397
# SC-081v3: from each date (Unix time, 00:00 UTC) a leaf issued that day lasts at most so many days.
VALIDITY_LIMITS = (
    (1773532800, 200),  # 2026-03-15
    (1805068800, 100),  # 2027-03-15
    (1868227200, 47),   # 2029-03-15
)

Term = namedtuple('Term', 'days validity_days total_cost')


def lookup(code_text):
    try:
        return PRODUCTS[int(code_text)]
    except (ValueError, KeyError):
        raise invalid('product', 'Unknown product code.')


def term_for(product, form):
    """The term asked by `days` (preferred) or `years`; trials take no term."""
    if product.trial_days:
        return Term(product.trial_days, product.trial_days, '0.00')
    days = form.integer('days')
    if days is None:
        years = form.integer('years')
        if years is None:
            raise missing('days')
        if years not in PRICED_TERMS:
            raise no_price()
        days = PRICED_TERMS[years][0]
    for years, accepted_days in PRICED_TERMS.items():
        if days in accepted_days:
            cents = product.cents_per_year * years
            return Term(days, min(days, MAX_VALIDITY_DAYS), '%d.%02d' % divmod(cents, 100))
    raise no_price()


def max_validity_days(issued_at):
    """The longest validity a certificate issued at `issued_at` (Unix time) may have."""
    allowed = MAX_VALIDITY_DAYS
    for since, days in VALIDITY_LIMITS:
        if issued_at >= since:
            allowed = days
    return allowed


def no_price():
    return ApiError(-115, 'There is no price for this product and term!', 'days')
