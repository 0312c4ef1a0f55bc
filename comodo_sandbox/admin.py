"""The admin page and JSON endpoints, for demos and tests: see orders, decide them by hand, read the
log of API calls.

They need the admin token printed at start (admin_access.py: the X-Sandbox-Admin-Token header, or
the cookie of GET/POST /admin/login), and refuse requests from other web sites.
    GET  /admin/                               HTML list of orders with Approve / Reject buttons
    GET  /admin/orders.json                    the orders
    GET  /admin/calls.json                     every API call received, in order
    GET  /admin/calls/counts.json              how many of them, by action ({"CollectSSL": 3, ...})
    POST /admin/calls/reset                    empties that log
    POST /admin/orders/<number>/approve|reject decide now (JSON if Accept has application/json,
                                               else 303 back to /admin/)
Knobs for reconciling with the CA (form-encoded bodies; JSON answers: the order, 400 on a bad value):
    POST /admin/orders                         an order nobody placed through the API: commonName,
                                               [product=287], [days=365], [placedAt=Unix time]
    POST /admin/orders/<number>/cost           cost=12.34: what the CA says it charged
    POST /admin/orders/<number>/placed-at      placedAt=Unix time: re-date the order
Faults for the next API calls (see faults.py; in memory, a restart clears them):
    POST /admin/faults                         kind=error|http500|garbled|drop|hang, [code=-14],
                                               [count=1], [action=CollectSSL], [after=Y],
                                               [seconds=1]; answers the planned fault, 400 if bad
    GET  /admin/faults.json                    the faults not used up yet
    POST /admin/faults/clear                   drops them all ({"cleared": n})
The clock, so tests move time instead of sleeping (JSON answers {"now", "moved"}):
    GET  /admin/clock.json
    POST /admin/clock                          now=Unix time or 2026-12-02[T10:00:00] (UTC); an empty
                                               now goes back to real time. The clock keeps running.
"""
import datetime
import html
import json
import re
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from comodo_sandbox import admin_access, csr_checks, dcv, faults, products, scenarios
from comodo_sandbox.clock import parse_time
from comodo_sandbox.lifecycle import UNDECIDED
from comodo_sandbox.protocol import ApiError, Form, parse_integer
from comodo_sandbox.store import Order

_DECISION_PATH = re.compile(r'^/admin/orders/(\d+)/(approve|reject)$')
_KNOB_PATH = re.compile(r'^/admin/orders/(\d+)/(cost|placed-at)$')
_COST = re.compile(r'^\d{1,7}\.\d{2}$')

JSON_TYPE = 'application/json'
HTML_TYPE = 'text/html; charset=utf-8'
TEXT_TYPE = 'text/plain; charset=utf-8'


def handle(app, method, path, headers, body=b'', secure=False):
    """(status, content type, body bytes, extra headers) for one /admin request."""
    form = Form(parse_qsl((body or b'').decode('utf-8', 'replace'), keep_blank_values=True))
    if path == admin_access.LOGIN_PATH and method in ('GET', 'POST'):
        return admin_access.login(app.admin_token, method, headers, form, secure)
    action = _action(app, method, path, headers.get('Accept', ''), body, form)
    if action is None:
        return 404, TEXT_TYPE, b'Not found\n', {}
    refusal = admin_access.refusal(app.admin_token, method, path, headers, form)
    return refusal or action()


def _action(app, method, path, accept, body, form):
    """What the request asks for, to run once it is allowed; None for no such page."""
    if path in ('/admin', '/admin/') and method == 'GET':
        return lambda: _page(app.lifecycle.all_orders(), admin_access.csrf_token(app.admin_token))
    if path == '/admin/orders.json' and method == 'GET':
        return lambda: _json(200, [order_summary(order) for order in app.lifecycle.all_orders()])
    if path == '/admin/calls.json' and method == 'GET':
        return lambda: _json(200, app.store.calls())
    if path == '/admin/calls/counts.json' and method == 'GET':
        return lambda: _json(200, app.store.call_counts())
    if path == '/admin/calls/reset' and method == 'POST':
        return lambda: _json(200, {'cleared': app.store.reset_calls()})
    if path == '/admin/faults.json' and method == 'GET':
        return lambda: _json(200, app.faults.pending())
    if path == '/admin/faults/clear' and method == 'POST':
        return lambda: _json(200, {'cleared': app.faults.clear()})
    if path == '/admin/faults' and method == 'POST':
        return lambda: _plan_fault(app, body)
    if path == '/admin/clock.json' and method == 'GET':
        return lambda: _json(200, _clock_summary(app.clock))
    decision = _DECISION_PATH.match(path)
    if decision and method == 'POST':
        return lambda: _decide(app, int(decision.group(1)), decision.group(2), JSON_TYPE in accept)
    if path == '/admin/clock' and method == 'POST':
        return lambda: _set_clock(app.clock, form.get('now'))
    if path == '/admin/orders' and method == 'POST':
        return lambda: _knob(lambda: _place_unseen_order(app, form))
    knob = _KNOB_PATH.match(path)
    if knob and method == 'POST':
        order_number = int(knob.group(1))
        if knob.group(2) == 'cost':
            return lambda: _knob(lambda: app.lifecycle.set_cost(order_number, _cost(form)))
        return lambda: _knob(lambda: app.lifecycle.move_placement(order_number, _unix_time(form, 'placedAt')))
    return None


def _set_clock(clock, now_text):
    try:
        clock.set(parse_time(now_text) if now_text else None)
    except ValueError as error:
        return _json(400, {'error': 'now: %s' % error})
    return _json(200, _clock_summary(clock))


def _clock_summary(clock):
    return {'now': clock(), 'moved': clock.moved}


def _knob(change):
    try:
        order = change()
    except LookupError:
        return 404, TEXT_TYPE, b'No such order\n', {}
    except (ApiError, ValueError) as error:
        return _json(400, {'error': str(error)})
    return _json(200, order_summary(order))


def _plan_fault(app, body):
    try:
        fault = faults.fault_from_form(parse_qsl((body or b'').decode('utf-8', 'replace'), keep_blank_values=True))
    except ValueError as error:
        return _json(400, {'error': str(error)})
    return _json(200, app.faults.add(fault).summary())


def _place_unseen_order(app, form):
    """An order as if placed by hand in the CA's own console: Odoo never heard of it."""
    product = products.lookup(form.get('product') or '287')
    term = products.term_for(product, Form([('days', form.get('days') or '365')]))
    common_name = csr_checks.check_common_name(form.require('commonName').lower(), product)
    order = app.lifecycle.place(Order(
        product=product.code, days=term.days, validity_days=term.validity_days, total_cost=term.total_cost,
        common_name=common_name, domains=[common_name], csr_pem=_csr_pem(common_name), server_software=-1,
        dcv=[dcv.dcv_entry(common_name, 'CNAME_CSR_HASH')], scenario=scenarios.scenario_for(common_name)))
    if form.get('placedAt'):
        order = app.lifecycle.move_placement(order.order_number, _unix_time(form, 'placedAt'))
    return order


def _csr_pem(common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode('ascii')


def _cost(form):
    cost = form.require('cost')
    if not _COST.match(cost):
        raise ValueError('cost: an amount with two decimals is expected, e.g. 12.50')
    return cost


def _unix_time(form, name):
    value = parse_integer(form.require(name))
    if value is None or value < 0:
        raise ValueError('%s: a Unix time is expected' % name)
    return value


def _decide(app, order_number, verb, wants_json):
    decide = app.lifecycle.approve if verb == 'approve' else app.lifecycle.reject
    try:
        order = decide(order_number)
    except LookupError:
        return 404, TEXT_TYPE, b'No such order\n', {}
    except ApiError as error:
        if wants_json:
            return _json(409, {'orderNumber': order_number, 'error': error.message})
        return 409, TEXT_TYPE, (error.message + '\n').encode(), {}
    if wants_json:
        return _json(200, {'orderNumber': order.order_number, 'status': order.status})
    return 303, TEXT_TYPE, b'', {'Location': '/admin/'}


def order_summary(order):
    return {
        'orderNumber': order.order_number,
        'certificateID': order.certificate_id,
        'commonName': order.common_name,
        'domains': order.domains,
        'product': order.product,
        'days': order.days,
        'status': order.status,
        'scenario': order.scenario,
        'placedAt': order.placed_at,
        'dueAt': order.due_at,
        'decidedAt': order.decided_at,
        'uniqueValue': order.unique_value,
        'foreignOrderNumber': order.foreign_order_number,
        'dcv': order.dcv,
        'dcvResends': order.dcv_resends,
        'serialNumber': order.serial_number,
        'notBefore': order.not_before,
        'notAfter': order.not_after,
        'totalCost': order.total_cost,
        'refundedAt': order.refunded_at,
        'termStartedAt': order.term_started_at,
    }


def _json(status, value):
    return status, JSON_TYPE, json.dumps(value, indent=1).encode(), {}


def _when(timestamp):
    if timestamp is None:
        return 'by hand'
    return datetime.datetime.utcfromtimestamp(timestamp).strftime('%Y-%m-%d %H:%M:%S UTC')


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Comodo sandbox CA</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #bbb; padding: .3em .6em; text-align: left; vertical-align: top; }}
form {{ display: inline; }}
</style></head>
<body>
<h1>Comodo sandbox CA</h1>
<p>{count} order(s). JSON: <a href="/admin/orders.json">orders</a>, <a href="/admin/calls.json">API calls</a>.</p>
<table>
<tr><th>Order</th><th>Domains</th><th>Product</th><th>Cost</th><th>Status</th><th>Placed</th><th>Due</th><th></th></tr>
{rows}
</table>
</body></html>
"""

_ROW = """<tr><td>{number}</td><td>{domains}</td><td>{product}</td><td>{cost}</td><td>{status}</td><td>{placed}</td>
<td>{due}</td><td>{buttons}</td></tr>"""

_BUTTON = ('<form method="post" action="/admin/orders/{number}/{verb}">'
           '<input type="hidden" name="csrf_token" value="{csrf}"><button>{label}</button></form>')


def _page(orders, csrf):
    rows = []
    for order in reversed(orders):
        product = products.PRODUCTS[order.product]
        buttons = ''
        if order.status in UNDECIDED:
            buttons = ' '.join(_BUTTON.format(number=order.order_number, verb=verb, label=label, csrf=csrf)
                               for verb, label in (('approve', 'Approve'), ('reject', 'Reject')))
        rows.append(_ROW.format(
            number=order.order_number,
            domains='<br>'.join(html.escape(name) for name in order.domains),
            product=html.escape('%s (%s)' % (product.name, order.product)),
            cost=html.escape(order.total_cost),
            status=html.escape(order.status + (' (refunded)' if order.refunded_at is not None else '')),
            placed=_when(order.placed_at),
            due=_when(order.due_at) if order.status in UNDECIDED else '',
            buttons=buttons))
    body = _PAGE.format(count=len(orders), rows='\n'.join(rows))
    return 200, HTML_TYPE, body.encode('utf-8'), {}
