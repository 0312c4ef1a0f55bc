"""What the CA charged, through the client against the sandbox: totalCost, the report's cost and
refunds, !AutoRefund and its window, and WebHostReport read page by page."""
import time
import uuid
from decimal import Decimal

import pytest

from comodo_client import (ComodoClient, ComodoError, build_csr, generate_private_key, parse_cost,
                           report_cost, report_refunded)

DAY = 86400


@pytest.fixture
def client(comodo_sandbox):
    with ComodoClient(comodo_sandbox.url, 'demo', 'demo', timeout=10) as ca_client:
        yield ca_client


def place(ca_client, scenario='never', product=287, days=365, tag=None):
    domain = '%s-%s.example.com' % (scenario, uuid.uuid4().hex[:12])
    csr = build_csr(generate_private_key('ec'), [domain])
    return ca_client.place_order(product, days, csr, [domain], dcv_method='CNAME_CSR_HASH',
                                 foreign_order_number=tag)


def only_entry(ca_client, order_number):
    entries = ca_client.report(orderNumber=order_number, showCost=True)
    assert len(entries) == 1
    return entries[0]


def test_total_cost_and_report_cost(client):
    placed = place(client, days=730)
    assert parse_cost(placed.total_cost) == Decimal('25.00')
    entry = only_entry(client, placed.order_number)
    assert report_cost(entry) == Decimal('25.00') and not report_refunded(entry)
    # Without showCost the CA states no cost.
    assert report_cost(client.report(orderNumber=placed.order_number)[0]) is None


def test_parse_cost():
    assert parse_cost('1,250.00') == Decimal('1250.00')
    assert parse_cost(' ') is None and parse_cost(None) is None
    with pytest.raises(ValueError):
        parse_cost('twelve')


def test_refund_within_and_after_the_window(client, comodo_sandbox):
    refunded = place(client)
    client.refund(refunded.order_number)
    assert report_refunded(only_entry(client, refunded.order_number))
    # A refund whose answer was lost can be asked again.
    client.refund(refunded.order_number)

    late = place(client)
    comodo_sandbox.move_placement(late.order_number, time.time() - 31 * DAY)
    with pytest.raises(ComodoError) as refused:
        client.refund(late.order_number)
    assert refused.value.code == -91 and not refused.value.retryable
    assert not report_refunded(only_entry(client, late.order_number))


def test_report_all_pages_through_every_order(client):
    tag = 'PAGE-%s' % uuid.uuid4().hex[:8]
    numbers = [place(client, tag='%s-%d' % (tag, index)).order_number for index in range(5)]
    foreign = ','.join('%s-%d' % (tag, index) for index in range(5))
    entries = client.report_all(page_size=2, foreignOrderNumber=foreign, showCost=True)
    assert [entry.order_number for entry in entries] == numbers
    assert all(report_cost(entry) == Decimal('12.50') for entry in entries)
    # An exact multiple of the page size ends with an empty page.
    assert len(client.report_all(page_size=5, foreignOrderNumber=foreign)) == 5
    with pytest.raises(ValueError):
        client.report_all(firstResultNo=3)
