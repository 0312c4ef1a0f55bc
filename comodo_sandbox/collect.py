"""download/CollectSSL: an order's status and, once issued, its certificate and chain.

TEXT layout (recorded CA traffic: the CA certificates first, the customer's certificate last):
    status
    notBefore, notAfter        Unix times, one per line, if showValidityPeriod=Y (issued only)
    fqdn                       if showFQDN=Y (issued only)
    PEM blocks                 the intermediate and the root (queryType 1, 3), then the
                               certificate (queryType 1, 2)
URLENCODED: errorCode, orderNumber, certificateStatus, [notBefore, notAfter], [fqdn], [certificate],
caCertificate once per chain element (intermediate, then root); certificates are Base64 DER on one line.
With showStatusDetails=Y the URL-encoded answer also carries `dcvStatus` (1 when every name is
validated, else 0) and `mdcDomainDetails` (per name `domainName|dcvMethod|dcvStatus`, comma-separated):
the notes name both keys but not their values, so these values are the sandbox's choice.
"""
import re

from comodo_sandbox.lifecycle import dcv_status, every_name_validated
from comodo_sandbox.protocol import ApiError, Reply, invalid
from comodo_sandbox.store import ISSUED, PENDING, REJECTED, REVOKED, UNPAID

STATUS_TEXT = {PENDING: 'Pending', UNPAID: 'Awaiting Payment', ISSUED: 'Issued',
               REJECTED: 'Rejected', REVOKED: 'Revoked'}
INDIVIDUALLY_ENCODED = 3
_PEM_BODY = re.compile(r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----', re.DOTALL)


def collect_ssl(call):
    form = call.form
    query_type = form.integer('queryType', required=True)
    if query_type not in (0, 1, 2, 3):
        raise invalid('queryType', 'Use 0, 1, 2 or 3.')
    if query_type != 0:
        # Optional in Sectigo's reference; absent, the sandbox answers the only type it simulates.
        response_type = form.integer('responseType', default=INDIVIDUALLY_ENCODED)
        if response_type != INDIVIDUALLY_ENCODED:
            raise invalid('responseType', 'The sandbox delivers responseType=3 (individually encoded) only.')
    show_validity = form.flag('showValidityPeriod')
    show_fqdn = form.flag('showFQDN')
    show_status_details = form.flag('showStatusDetails')
    order = call.enter_order()
    if order.status == REJECTED:
        raise ApiError(-20, 'The certificate request has been rejected!')
    if order.status == REVOKED:
        raise ApiError(-21, 'The certificate has been revoked!')
    if order.status == UNPAID:
        raise ApiError(-22, 'The order is awaiting payment!')
    fields = [('orderNumber', order.order_number), ('certificateStatus', STATUS_TEXT[order.status])]
    if show_status_details:
        fields += _status_details(order)
    if order.status == PENDING:
        return Reply(0, fields=fields)

    lines = []
    if show_validity:
        fields += [('notBefore', order.not_before), ('notAfter', order.not_after)]
        lines += [order.not_before, order.not_after]
    if show_fqdn:
        fields.append(('fqdn', order.common_name))
        lines.append(order.common_name)
    if query_type == 0:
        return Reply(1, fields=fields, lines=lines)
    if query_type in (1, 2):
        fields.append(('certificate', _base64_der(order.certificate_pem)))
    if query_type in (1, 3):
        for pem in call.authority.chain_pems:
            fields.append(('caCertificate', _base64_der(pem)))
            lines.append(pem.strip())
    if query_type in (1, 2):
        lines.append(order.certificate_pem.strip())
    return Reply(2, fields=fields, lines=lines)


def _status_details(order):
    statuses = [(entry['domain'], entry['method'], dcv_status(order, entry)) for entry in order.dcv]
    return [('dcvStatus', 1 if every_name_validated(order) else 0),
            ('mdcDomainDetails', ','.join('|'.join(parts) for parts in statuses))]


def _base64_der(pem):
    """A PEM block's Base64 body on one line, without its armour."""
    return ''.join(_PEM_BODY.search(pem).group(1).split())
