"""Scenarios: behaviour chosen by the order's primary domain, so a test or a demo picks an outcome
just by naming a domain (`reject-42.example.com`, `*.instant.example.org`, ...).

The scenario is the first label that is not `*`, up to its first `-`. Unknown prefixes are NORMAL.
"""
NORMAL = 'normal'      # issued when due (--issue-after seconds after the order)
REJECT = 'reject'      # rejected when due
NEVER = 'never'        # stays pending until decided by hand on the admin page
INSTANT = 'instant'    # due at once: issued on the first CollectSSL
FLAKY = 'flaky'        # the order's 2nd, 4th, ... calls answer -14 (the apply is its 1st call)
SLOW = 'slow'          # every call for the order waits --slow-latency first
UNPAID = 'unpaid'      # apply answers status 1; CollectSSL answers -22 until approved by hand
NOCREDIT = 'nocredit'  # apply answers -15 and no order is placed
UNREADABLE = 'unreadable'  # as NORMAL, but WebHostReport lists the order without any status
UNLISTED = 'unlisted'  # as NORMAL, but WebHostReport leaves the order out (a report lagging behind)

KNOWN = frozenset([REJECT, NEVER, INSTANT, FLAKY, SLOW, UNPAID, NOCREDIT, UNREADABLE, UNLISTED])


def scenario_for(common_name):
    labels = [label for label in common_name.split('.') if label != '*']
    prefix = labels[0].split('-')[0] if labels else ''
    return prefix if prefix in KNOWN else NORMAL


def due_time(scenario, start, issue_after):
    """When the decision falls due for an order placed (or reissued) at `start`; None = never by itself."""
    if scenario in (NEVER, UNPAID):
        return None
    if scenario == INSTANT:
        return start
    return start + issue_after


def rejects_when_due(scenario):
    return scenario == REJECT

