"""What the CA charged: totalCost from AutoApplySSL and cost and refunds from WebHostReport.

Amounts are Decimal, in the reseller account's currency (the CA writes no currency symbol).
"""
from decimal import Decimal, InvalidOperation

# How WebHostReport marks an order whose charge !AutoRefund gave back. The CA does not document it;
# the sandbox reports it as the order's status, and this is the one place that reads it.
REFUNDED_ORDER_STATUS = 'refunded'


def parse_cost(text):
    """Decimal of a cost as the CA wrote it ('12.50', '1,250.00'), or None when there is none."""
    text = (text or '').strip().replace(',', '')
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError('Unreadable cost from the CA: %r' % text)


def report_cost(entry):
    """The cost of a ReportEntry (asked with showCost=Y), or None when the CA stated none."""
    return parse_cost(entry.fields.get('cost'))


def report_refunded(entry):
    """Whether the CA reports the ReportEntry's charge as refunded."""
    return (entry.order_status or '').strip().lower() == REFUNDED_ORDER_STATUS
