"""WebHostReport: the bulk list of orders, URL-encoded (comodo-api.md §2).

Filters: orderNumber, foreignOrderNumber, certificateID (comma lists), fqdn (any of the order's domains,
`%` and `_` wildcards), notBefore/notAfter (Unix times bounding the order date). Numbers in orderNumber
that name no order are left out of the answer, not refused. Paging: firstResultNo (default 1) to
lastResultNo (default 10), both 1-based and inclusive, counted in the orders that match, by order number.
Answer: errorCode=0&noOfResults=N (the orders on this page), then for the i-th order of this page (1..N):
i_orderNumber, i_orderStatus (the certificate's status, or Refunded once !AutoRefund gave the charge
back), i_dateTime (Unix time of the order), i_validationStatus, [i_cost if showCost=Y], and for its one
certificate: i_1_type, i_1_domain, i_1_mdcDomainNames (multi-domain), i_1_status, i_1_dcvStatus if
showStatusDetails=Y, and once issued i_1_notBefore, i_1_notAfter, i_1_serialNumber; i_1_certificateID if
showCertificateID=Y. An order of the `unreadable` scenario is listed without any status (no
orderStatus, validationStatus, status or dcvStatus): a row a client cannot read. An order of the
`unlisted` scenario is never listed (CollectSSL still answers for it).
"""
import re

from comodo_sandbox import dcv, products, scenarios
from comodo_sandbox.collect import STATUS_TEXT
from comodo_sandbox.lifecycle import every_name_validated
from comodo_sandbox.protocol import Reply, invalid, parse_integer
from comodo_sandbox.store import ISSUED, PENDING, REJECTED, REVOKED, UNPAID

DEFAULT_PAGE_SIZE = 10
# The sandbox's choice (the notes do not say how the report shows a refund): the order's status.
REFUNDED_TEXT = 'Refunded'
# The notes name validationStatus (text) but give no values: the sandbox's choice, in this one place.
# dcvStatus is CollectSSL's (showStatusDetails): 1 once every name is validated, else 0.
VALIDATION_TEXT = {PENDING: 'Awaiting Validation', UNPAID: 'Awaiting Validation',
                   ISSUED: 'Validated', REVOKED: 'Validated', REJECTED: 'Not Validated'}


def web_host_report(call):
    form = call.form
    first = form.integer('firstResultNo', default=1)
    last = form.integer('lastResultNo', default=first + DEFAULT_PAGE_SIZE - 1)
    if first < 1:
        raise invalid('firstResultNo', 'Results are numbered from 1.')
    if last < first:
        raise invalid('lastResultNo', 'It may not be below firstResultNo.')
    tests = _filters(form)
    matching = [order for order in _candidates(call)
                if order.scenario != scenarios.UNLISTED and all(test(order) for test in tests)]
    page = matching[first - 1:last]
    shown = dict(show_cost=form.flag('showCost'), show_certificate_id=form.flag('showCertificateID'),
                 show_status_details=form.flag('showStatusDetails'))
    fields = [('noOfResults', len(page))]
    for number, order in enumerate(page, start=1):
        fields += _order_fields(number, order, **shown)
    return Reply(0, fields=fields)


def _candidates(call):
    """The orders named by orderNumber if it is given (read by number: a poll names a few hundred of
    many thousands), else every order."""
    order_numbers = _integer_list(call.form, 'orderNumber')
    if order_numbers:
        return call.lifecycle.orders_numbered(order_numbers)
    return call.lifecycle.all_orders()


def _filters(form):
    tests = []
    for name, attribute in (('foreignOrderNumber', 'foreign_order_number'), ('certificateID', 'certificate_id')):
        values = dcv.split_list(form.get(name) or '')
        if values:
            tests.append(lambda order, values=values, attribute=attribute: getattr(order, attribute) in values)
    if form.get('fqdn'):
        pattern = _like_pattern(form.get('fqdn'))
        tests.append(lambda order: any(pattern.match(name) for name in order.domains))
    placed_from = form.integer('notBefore')
    if placed_from is not None:
        tests.append(lambda order: order.placed_at >= placed_from)
    placed_to = form.integer('notAfter')
    if placed_to is not None:
        tests.append(lambda order: order.placed_at <= placed_to)
    return tests


def _integer_list(form, name):
    numbers = [parse_integer(value) for value in dcv.split_list(form.get(name) or '')]
    if None in numbers:
        raise invalid(name, 'A comma-separated list of integers is expected.')
    return numbers


def _like_pattern(text):
    """SQL LIKE: `%` any run of characters, `_` one character; case-insensitive."""
    regex = ''.join('.*' if char == '%' else '.' if char == '_' else re.escape(char) for char in text)
    return re.compile(regex + r'\Z', re.IGNORECASE)


def _order_fields(number, order, show_cost, show_certificate_id, show_status_details):
    product = products.PRODUCTS[order.product]
    readable = order.scenario != scenarios.UNREADABLE
    status = STATUS_TEXT[order.status]
    order_status = REFUNDED_TEXT if order.refunded_at is not None else status
    fields = [('orderNumber', order.order_number)]
    if readable:
        fields += [('orderStatus', order_status), ('validationStatus', VALIDATION_TEXT[order.status])]
    fields.append(('dateTime', int(order.placed_at)))
    if show_cost:
        fields.append(('cost', order.total_cost))
    certificate = [('type', product.name), ('domain', order.common_name)]
    if product.multi_domain:
        certificate.append(('mdcDomainNames', ','.join(order.domains)))
    if readable:
        certificate.append(('status', status))
        if show_status_details:
            certificate.append(('dcvStatus', 1 if every_name_validated(order) else 0))
    if order.serial_number:
        certificate += [('notBefore', order.not_before), ('notAfter', order.not_after),
                        ('serialNumber', order.serial_number)]
    if show_certificate_id:
        certificate.append(('certificateID', order.certificate_id))
    return ([('%d_%s' % (number, key), value) for key, value in fields] +
            [('%d_1_%s' % (number, key), value) for key, value in certificate])
