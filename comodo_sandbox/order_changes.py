"""Calls that change an existing order: AutoRevokeSSL, AutoRefund, AutoUpdateDCV and ResendDCVEmail.
All four answer URL-encoded: `errorCode=0`, or the error."""
from comodo_sandbox import dcv, domains, validation
from comodo_sandbox.protocol import Reply, invalid, missing

# codeReason: 0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation.
REVOCATION_CODES = (0, 1, 3, 4, 5)
MAX_REASON_LENGTH = 1024
# refundReasonCode: 1 to 11 (comodo-api.md §2, [CD]); their meanings are not documented.
REFUND_REASON_CODES = range(1, 12)


def auto_revoke_ssl(call):
    form = call.form
    code = form.integer('codeReason', default=0)
    if code not in REVOCATION_CODES:
        raise invalid('codeReason', 'Use 0, 1, 3, 4 or 5.')
    reason = form.get('revocationReason') or ''
    if len(reason) > MAX_REASON_LENGTH:
        raise invalid('revocationReason', 'At most %d characters.' % MAX_REASON_LENGTH)
    order = call.enter_order(allow_serial_number=True)
    # test=Y checks the call without revoking anything.
    if not form.flag('test'):
        call.lifecycle.revoke(order.order_number, reason, code)
    return Reply(0)


def auto_refund(call):
    """Gives the order's charge back within the refund window (lifecycle.REFUND_WINDOW_DAYS)."""
    code = call.form.integer('refundReasonCode', required=True)
    if code not in REFUND_REASON_CODES:
        raise invalid('refundReasonCode', 'Use a code from 1 to 11.')
    order = call.enter_order()
    call.lifecycle.refund(order.order_number)
    return Reply(0)


def auto_update_dcv(call):
    """Single-domain form: `newMethod` [+ `newDCVEmailAddress`] [+ `domainName`].
    Multi-domain form: `domainNames` (space list), `newMethods` (comma list) and, when any method is
    EMAIL, `newDCVEmailAddresses` (space list), all in the same order, one entry per domain."""
    form = call.form
    order = call.enter_order()
    if form.get('domainNames'):
        names = [domains.normalise(name) for name in dcv.split_list(form.get('domainNames'))]
        methods = [method.upper() for method in dcv.split_list(form.require('newMethods'))]
        if len(methods) != len(names):
            raise invalid('newMethods', 'One method per domain in domainNames is expected.')
        addresses = dcv.split_list(form.get('newDCVEmailAddresses') or '')
        if addresses and len(addresses) != len(names):
            raise invalid('newDCVEmailAddresses', 'One address per domain in domainNames is expected.')
        wanted = zip(names, methods, addresses or [None] * len(names))
        fields = ('domainNames', 'newMethods', 'newDCVEmailAddresses')
    else:
        name = domains.normalise(form.get('domainName') or order.common_name)
        wanted = [(name, (form.require('newMethod')).upper(), form.get('newDCVEmailAddress'))]
        fields = ('domainName', 'newMethod', 'newDCVEmailAddress')
    domain_field, method_field, address_field = fields
    changes = []
    for name, method, address in wanted:
        if name not in order.domains:
            raise invalid(domain_field, "'%s' is not a domain of this order." % name)
        dcv.check_method(method, name, method_field)
        if method == dcv.EMAIL:
            if not address:
                raise missing(address_field)
            dcv.check_approver(address, name, address_field)
        changes.append(dcv.dcv_entry(name, method, address if method == dcv.EMAIL else ''))
    validation.refuse_ended_email(call.app, changes, method_field)
    call.lifecycle.change_dcv(order.order_number, changes)
    return Reply(0)


def resend_dcv_email(call):
    """Sends the validation email again, to `dcvEmailAddress` if given (it becomes the order's address
    for the primary domain), else to the last address used."""
    form = call.form
    order = call.enter_order()
    address = form.get('dcvEmailAddress')
    primary = [entry for entry in order.dcv if entry['domain'] == order.common_name][0]
    if address:
        dcv.check_approver(address, order.common_name, 'dcvEmailAddress')
        primary = dcv.dcv_entry(order.common_name, dcv.EMAIL, address)
    elif not any(entry['method'] == dcv.EMAIL and entry['email'] for entry in order.dcv):
        raise invalid('orderNumber', 'This order does not use email validation; give a dcvEmailAddress.')
    validation.refuse_ended_email(call.app, [primary], 'dcvEmailAddress')
    call.lifecycle.change_dcv(order.order_number, [primary], resend=True)
    return Reply(0)
