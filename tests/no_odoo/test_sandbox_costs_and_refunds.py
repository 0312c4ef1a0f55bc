"""What the CA charges: totalCost per product and term, cost in WebHostReport, !AutoRefund within its
window, and the admin knobs that plant what a reconciliation must find."""
import time

import requests

DAY = 86400


def report_of(api, order_number):
    return api.fields('!WebHostReport', orderNumber=order_number, showCost='Y')


def test_total_cost_follows_the_product_and_term(api):
    one_year, _key = api.apply('cost-1y.example.com', product=287, days=365)
    two_years, _key = api.apply('cost-2y.example.com', product=287, days=730)
    wildcard, _key = api.apply('*.cost-wc.example.com', product=289, days=365)
    assert one_year['totalCost'] == ['12.50']
    assert two_years['totalCost'] == ['25.00']
    assert wildcard['totalCost'] == ['89.00']
    assert report_of(api, one_year['orderNumber'][0])['1_cost'] == ['12.50']


def test_refund_within_the_window(api, comodo_sandbox):
    pending = api.place('refund-pending.example.com')
    issued = api.place('instant-refund.example.com')
    api.collect(issued)
    assert api.fields('!AutoRefund', orderNumber=pending, refundReasonCode=1) == {'errorCode': ['0']}
    assert api.fields('!AutoRefund', orderNumber=issued, refundReasonCode=2) == {'errorCode': ['0']}
    # The certificate goes with the money: not issued yet means rejected, issued means revoked.
    assert api.collect(pending)['errorCode'] == ['-20']
    assert api.collect(issued)['errorCode'] == ['-21']
    report = report_of(api, pending)
    assert report['1_orderStatus'] == ['Refunded'] and report['1_1_status'] == ['Rejected']
    assert report['1_cost'] == ['12.50']
    again = api.fields('!AutoRefund', orderNumber=pending, refundReasonCode=1)
    assert again['errorCode'] == ['-18'] and again['errorItem'] == ['orderNumber']
    refunded = [order for order in comodo_sandbox.orders() if order['orderNumber'] == pending][0]
    assert refunded['refundedAt'] is not None


def test_refund_refused_after_the_window(api, comodo_sandbox):
    order_number = api.place('never-refund-late.example.com')
    comodo_sandbox.move_placement(order_number, time.time() - 31 * DAY)
    refused = api.fields('!AutoRefund', orderNumber=order_number, refundReasonCode=1)
    assert refused['errorCode'] == ['-91'] and 'refund period' in refused['errorMessage'][0]
    assert report_of(api, order_number)['1_orderStatus'] == ['Pending']
    comodo_sandbox.move_placement(order_number, time.time() - 29 * DAY)
    assert api.fields('!AutoRefund', orderNumber=order_number, refundReasonCode=1) == {'errorCode': ['0']}


def test_refund_arguments(api):
    order_number = api.place('refund-args.example.com')
    assert api.fields('!AutoRefund', orderNumber=order_number)['errorCode'] == ['-3']
    assert api.fields('!AutoRefund', orderNumber=order_number, refundReasonCode=12)['errorItem'] == [
        'refundReasonCode']
    assert api.fields('!AutoRefund', orderNumber=1, refundReasonCode=1)['errorItem'] == ['orderNumber']


def test_admin_places_an_order_nobody_ordered_and_changes_costs(api, comodo_sandbox):
    last_month = int(time.time()) - 40 * DAY
    unseen = comodo_sandbox.place_unseen('never-unseen.example.com', product=301, placedAt=last_month)
    assert unseen['status'] == 'pending' and unseen['totalCost'] == '20.00'
    assert unseen['placedAt'] == last_month and unseen['foreignOrderNumber'] == ''
    report = api.fields('!WebHostReport', notBefore=last_month, notAfter=last_month, showCost='Y')
    assert report['noOfResults'] == ['1'] and report['1_orderNumber'] == [str(unseen['orderNumber'])]
    assert report['1_cost'] == ['20.00'] and report['1_1_domain'] == ['never-unseen.example.com']

    assert comodo_sandbox.set_cost(unseen['orderNumber'], '7.25')['totalCost'] == '7.25'
    assert report_of(api, unseen['orderNumber'])['1_cost'] == ['7.25']
    comodo_sandbox.approve(unseen['orderNumber'])
    assert api.collect(unseen['orderNumber'])['errorCode'] == ['2']


def test_admin_knobs_refuse_bad_values(comodo_sandbox):
    base = comodo_sandbox.base + '/admin/orders'

    def post(url, data):
        return requests.post(url, data=data, headers=comodo_sandbox.admin_headers, timeout=10)

    assert post(base, {'product': 287}).status_code == 400
    assert post(base, {'commonName': 'x.example.com', 'product': 1}).status_code == 400
    order_number = comodo_sandbox.place_unseen('knobs.example.com')['orderNumber']
    assert post('%s/%d/cost' % (base, order_number), {'cost': 'free'}).status_code == 400
    assert post('%s/%d/placed-at' % (base, order_number), {'placedAt': 'soon'}).status_code == 400
    assert post(base + '/1/cost', {'cost': '1.00'}).status_code == 404
