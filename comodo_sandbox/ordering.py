"""AutoApplySSL / AutoApplyOrder (place an order) and AutoReplaceSSL (reissue with a new CSR)."""
import re

from comodo_sandbox import csr_checks, dcv, domains, products, scenarios, validation
from comodo_sandbox.protocol import ApiError, Reply, invalid, missing
from comodo_sandbox.store import UNPAID, Order

# Server software codes: -1 (OTHER) and 1..34 (comodo-api.md §2).
SERVER_SOFTWARE_CODES = frozenset([-1] + list(range(1, 35)))
_UNIQUE_VALUE = re.compile(r'^[A-Za-z0-9]{1,20}$')
_COUNTRY = re.compile(r'^[A-Z]{2}$')
# `expectedDeliveryTime` is deprecated; the value in the public example is 1.
EXPECTED_DELIVERY_TIME = 1


def auto_apply_ssl(call):
    form = call.form
    product = products.lookup(form.require('product'))
    csr_text = form.require('csr')
    server_software = _server_software(form)
    if form.require('isCustomerValidated').upper() not in ('Y', 'N'):
        raise invalid('isCustomerValidated', 'Y or N is expected.')
    term = products.term_for(product, form)
    csr = csr_checks.parse(csr_text)
    common_name = csr_checks.check_common_name(csr.common_name, product)
    names = _certificate_names(product, common_name, csr, form.get('domainNames'))
    scenario = scenarios.scenario_for(common_name)
    call.wait_for_scenario(scenario)
    dcv_choice = dcv.read_order_dcv(form, names, product.multi_domain)
    validation.refuse_ended_email(call.app, dcv_choice, _dcv_item(product))
    unique_value = _unique_value(form)
    country = form.get('countryName')
    if country and not _COUNTRY.match(country):
        raise ApiError(-7, 'The countryName is not a valid ISO-3166 country code!', 'countryName')
    if scenario == scenarios.NOCREDIT:
        raise ApiError(-15, 'Insufficient credit in the account to place this order!')
    order = call.lifecycle.place(Order(
        product=product.code, days=term.days, validity_days=term.validity_days, total_cost=term.total_cost,
        common_name=common_name, domains=names, csr_pem=csr.pem, server_software=server_software,
        dcv=dcv_choice, scenario=scenario, unique_value=unique_value or '',
        foreign_order_number=form.get('foreignOrderNumber') or '',
        validates=call.app.validating and scenario == scenarios.NORMAL))
    call.order_number = order.order_number
    return _placed_reply(order, form.flag('showCertificateID'), unique_value)


def _placed_reply(order, show_certificate_id, unique_value):
    """Lines: status, orderNumber, totalCost, expectedDeliveryTime, [certificateID], [uniqueValue]."""
    values = [('orderNumber', order.order_number), ('totalCost', order.total_cost),
              ('expectedDeliveryTime', EXPECTED_DELIVERY_TIME)]
    if show_certificate_id:
        values.append(('certificateID', order.certificate_id))
    if unique_value:
        values.append(('uniqueValue', unique_value))
    status = 1 if order.status == UNPAID else 0
    return Reply(status, fields=values, lines=[value for _name, value in values])


def auto_replace_ssl(call):
    form = call.form
    order = call.enter_order()
    product = products.PRODUCTS[order.product]
    csr = csr_checks.parse(form.require('csr'))
    common_name = csr_checks.check_common_name(csr.common_name, product)
    if form.get('serverSoftware'):
        _server_software(form)
    names = _certificate_names(product, common_name, csr, form.get('domainNames') or ' '.join(order.domains))
    if _sends_dcv(form):
        dcv_choice = dcv.read_order_dcv(form, names, product.multi_domain)
        validation.refuse_ended_email(call.app, dcv_choice, _dcv_item(product))
    else:
        kept = {entry['domain']: entry for entry in order.dcv}
        dcv_choice = [kept.get(name) or dcv.dcv_entry(name, dcv.EMAIL) for name in names]
    unique_value = _unique_value(form)
    order = call.lifecycle.replace(order.order_number, csr.pem, common_name, names, dcv_choice, unique_value)
    # Lines: status, certificateID, expectedDeliveryTime, [uniqueValue].
    values = [('certificateID', order.certificate_id), ('expectedDeliveryTime', EXPECTED_DELIVERY_TIME)]
    if unique_value:
        values.append(('uniqueValue', unique_value))
    return Reply(0, fields=values, lines=[value for _name, value in values])


def _dcv_item(product):
    return 'dcvEmailAddresses' if product.multi_domain else 'dcvMethod'


def _sends_dcv(form):
    return any(form.get(name) for name in ('dcvMethod', 'dcvEmailAddress', 'dcvEmailAddresses'))


def _certificate_names(product, common_name, csr, domain_names):
    """The domains the certificate will carry. Multi-domain: `domainNames` must hold the CN and every SAN
    of the CSR (-162). Other products carry the CN alone."""
    if not product.multi_domain:
        return [common_name]
    if domain_names is None:
        raise missing('domainNames')
    names = []
    for name in dcv.split_list(domain_names):
        name = domains.normalise(name)
        if domains.is_ip_address(name) or '*' in name:
            raise invalid('domainNames', "'%s' cannot be a domain of this product." % name)
        csr_checks.check_host_name(name, 'domainNames')
        if name not in names:
            names.append(name)
    outside = [name for name in [common_name] + csr.dns_names if name not in names]
    if outside:
        raise ApiError(-162, 'The CSR contains names missing from domainNames: %s!' % ', '.join(outside),
                       'domainNames')
    return names


def _server_software(form):
    code = form.integer('serverSoftware', required=True)
    if code not in SERVER_SOFTWARE_CODES:
        raise invalid('serverSoftware', 'Use -1 (OTHER) or a code from 1 to 34.')
    return code


def _unique_value(form):
    value = form.get('uniqueValue')
    if value is not None and not _UNIQUE_VALUE.match(value):
        raise invalid('uniqueValue', 'Up to 20 letters and digits are expected.')
    return value
