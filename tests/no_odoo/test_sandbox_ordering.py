"""AutoApplySSL / AutoApplyOrder: answers in both formats, and every error family of an order."""
import base64
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID


def order_fields(csr, **extra):
    fields = dict(product=287, csr=csr, days=365, serverSoftware=-1, isCustomerValidated='N',
                  dcvMethod='CNAME_CSR_HASH')
    fields.update(extra)
    return fields


def test_apply_text_layout_with_certificate_id_and_unique_value(api, make_csr):
    csr, _key = make_csr('text-layout.example.com')
    lines = api.text('!AutoApplySSL', **order_fields(csr, showCertificateID='Y', uniqueValue='Tok3n'))
    status, order_number, cost, delivery, certificate_id, unique_value = lines
    assert (status, cost, delivery, unique_value) == ('0', '12.50', '1', 'Tok3n')
    assert int(order_number) >= 1000001
    assert certificate_id.isdigit() and certificate_id != order_number


def test_apply_text_layout_plain(api, make_csr):
    csr, _key = make_csr('text-plain.example.com')
    lines = api.text('!AutoApplySSL', **order_fields(csr))
    assert len(lines) == 4 and lines[0] == '0' and lines[2] == '12.50'


def test_apply_urlencoded_answer_and_stored_order(api, comodo_sandbox):
    answer, _key = api.apply('encoded.example.com', showCertificateID='Y', uniqueValue='abc123',
                             foreignOrderNumber='SO-1001', extraField='accepted and ignored')
    assert answer['errorCode'] == ['0']
    assert answer['totalCost'] == ['12.50'] and answer['uniqueValue'] == ['abc123']
    order_number = int(answer['orderNumber'][0])
    stored = [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number][0]
    assert stored['uniqueValue'] == 'abc123' and stored['foreignOrderNumber'] == 'SO-1001'
    assert stored['certificateID'] == answer['certificateID'][0]
    assert stored['domains'] == ['encoded.example.com'] and stored['status'] == 'pending'


def test_apply_order_is_an_alias(api, make_csr):
    csr, _key = make_csr('alias.example.com')
    assert api.text('!AutoApplyOrder', **order_fields(csr))[0] == '0'


def test_order_numbers_increase(api):
    first = api.place('numbers-1.example.com')
    second = api.place('numbers-2.example.com')
    assert second == first + 1


@pytest.mark.parametrize('days, years, cost', [(365, None, '12.50'), (395, None, '12.50'),
                                               (730, None, '25.00'), (None, 2, '25.00')])
def test_priced_terms(api, days, years, cost):
    fields = {'days': days} if days else {'days': '', 'years': years}
    answer, _key = api.apply('term-%s-%s.example.com' % (days, years), **fields)
    assert answer['errorCode'] == ['0'] and answer['totalCost'] == [cost]


def test_trial_product_needs_no_term(api):
    answer, _key = api.apply('trial.example.com', product=291, days='')
    assert answer['errorCode'] == ['0'] and answer['totalCost'] == ['0.00']


def test_missing_argument_is_named_in_both_formats(api, make_csr):
    csr, _key = make_csr('missing.example.com')
    fields = order_fields(csr)
    del fields['serverSoftware']
    assert api.text('!AutoApplySSL', **fields) == ['-3', "The 'serverSoftware' argument is missing!"]
    answer = api.fields('!AutoApplySSL', responseFormat=1, **fields)
    assert answer['errorCode'] == ['-3'] and answer['errorItem'] == ['serverSoftware']
    assert 'serverSoftware' in answer['errorMessage'][0]
    del fields['days']
    assert api.fields('!AutoApplySSL', responseFormat=1, **dict(fields, serverSoftware=-1))['errorItem'] == ['days']


@pytest.mark.parametrize('field, value, item', [
    ('product', '9999', 'product'),
    ('product', 'abc', 'product'),
    ('dcvMethod', 'CARRIER_PIGEON', 'dcvMethod'),
    ('serverSoftware', '99', 'serverSoftware'),
    ('isCustomerValidated', 'maybe', 'isCustomerValidated'),
    ('days', 'one year', 'days'),
    ('uniqueValue', 'not unique!', 'uniqueValue'),
])
def test_invalid_values_answer_minus_4(api, make_csr, field, value, item):
    csr, _key = make_csr('invalid.example.com')
    answer = api.fields('!AutoApplySSL', **dict(order_fields(csr, responseFormat=1), **{field: value}))
    assert answer['errorCode'] == ['-4'] and answer['errorItem'] == [item], answer


def test_unknown_response_format_is_refused_in_the_default_format(api, make_csr):
    csr, _key = make_csr('format.example.com')
    status, message = api.text('!AutoApplySSL', **order_fields(csr, responseFormat=7))
    assert status == '-4' and 'responseFormat' in message


def test_term_without_price_answers_minus_115(api):
    answer, _key = api.apply('noprice.example.com', days=500)
    assert answer['errorCode'] == ['-115']
    answer, _key = api.apply('noprice.example.com', days='', years=3)
    assert answer['errorCode'] == ['-115']


def test_country_must_be_iso_3166(api):
    assert api.apply('country.example.com', countryName='Narnia')[0]['errorCode'] == ['-7']


@pytest.mark.parametrize('csr, code', [
    ('this is not base64 !!!', '-9'),
    (base64.b64encode(b'not a certificate request').decode(), '-10'),
])
def test_bad_csr_data(api, csr, code):
    assert api.text('!AutoApplySSL', **order_fields(csr))[0] == code


def test_tampered_csr_has_a_bad_signature(api, make_csr):
    csr, _key = make_csr('tamper.example.com')
    der = x509.load_pem_x509_csr(csr.encode()).public_bytes(serialization.Encoding.DER)
    tampered = der.replace(b'tamper.example.com', b'tamper.examplf.com')
    assert tampered != der
    assert api.text('!AutoApplySSL', **order_fields(base64.b64encode(tampered).decode()))[0] == '-12'


def test_csr_without_armour_is_accepted(api, make_csr):
    csr, _key = make_csr('bare.example.com')
    bare = ''.join(line for line in csr.splitlines() if not line.startswith('-----'))
    assert api.text('!AutoApplySSL', **order_fields(bare))[0] == '0'


def _csr_with(subject, key, algorithm):
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject)).sign(key, algorithm)
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def test_small_rsa_key_and_unsupported_algorithm(api):
    subject = [x509.NameAttribute(NameOID.COMMON_NAME, 'keys.example.com')]
    small = _csr_with(subject, rsa.generate_private_key(public_exponent=65537, key_size=1024), hashes.SHA256())
    assert api.text('!AutoApplySSL', **order_fields(small))[0] == '-13'
    edwards = _csr_with(subject, ed25519.Ed25519PrivateKey.generate(), None)
    assert api.text('!AutoApplySSL', **order_fields(edwards))[0] == '-11'
    p384 = _csr_with(subject, ec.generate_private_key(ec.SECP384R1()), hashes.SHA384())
    assert api.text('!AutoApplySSL', **order_fields(p384))[0] == '0'


def test_csr_without_common_name(api):
    csr = _csr_with([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'No CN Ltd')],
                    ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
    assert api.text('!AutoApplySSL', **order_fields(csr))[0] == '-8'


@pytest.mark.parametrize('common_name, product, code', [
    ('*.star.example.com', 287, '-5'),      # wildcard in a non-wildcard product
    ('plain.example.com', 289, '-6'),       # wildcard product without the wildcard
    ('*.*.example.com', 289, '-6'),         # two wildcards
    ('www.*.example.com', 489, '-6'),       # wildcard not the first label
    ('*.wild.example.com', 289, '0'),
    ('192.0.2.7', 287, '-35'),              # an IP as CN
    ('intranet', 287, '-18'),               # not a public FQDN
    ('bad_name.example.com', 287, '-25'),   # invalid characters
])
def test_common_name_rules(api, common_name, product, code):
    assert api.apply(common_name, product=product)[0]['errorCode'] == [code]


def test_file_validation_is_refused_for_wildcards(api):
    answer, _key = api.apply('*.files.example.com', product=289, dcvMethod='HTTP_CSR_HASH')
    assert answer['errorCode'] == ['-4'] and answer['errorItem'] == ['dcvMethod']


def test_multi_domain_names_must_cover_the_csr(api, comodo_sandbox):
    names = 'md.example.com,www.md.example.com other.example.net'
    answer, _key = api.apply('md.example.com', product=279, alt_names=['www.md.example.com'], domainNames=names,
                             dcvEmailAddresses='CNAME_CSR_HASH,CNAME_CSR_HASH,CNAME_CSR_HASH')
    assert answer['errorCode'] == ['0']
    order_number = int(answer['orderNumber'][0])
    stored = [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number][0]
    assert stored['domains'] == ['md.example.com', 'www.md.example.com', 'other.example.net']

    answer, _key = api.apply('md.example.com', product=279, alt_names=['evil.example.org'], domainNames=names)
    assert answer['errorCode'] == ['-162'] and 'evil.example.org' in answer['errorMessage'][0]
    answer, _key = api.apply('md.example.com', product=279, domainNames='www.md.example.com')
    assert answer['errorCode'] == ['-162']
    answer, _key = api.apply('md.example.com', product=279)
    assert answer['errorCode'] == ['-3'] and answer['errorItem'] == ['domainNames']


def test_email_validation_needs_an_approver_address(api):
    email = dict(dcvMethod='EMAIL')
    assert api.apply('mail.shop.example.com', dcvEmailAddress='admin@example.com', **email)[0]['errorCode'] == ['0']
    assert api.apply('mail.shop.example.com', dcvEmailAddress='webmaster@mail.shop.example.com',
                     **email)[0]['errorCode'] == ['0']
    # Without dcvMethod, EMAIL is assumed.
    assert api.apply('mail.shop.example.com', dcvMethod='',
                     dcvEmailAddress='hostmaster@shop.example.com')[0]['errorCode'] == ['0']
    refused = api.apply('mail.shop.example.com', dcvEmailAddress='someone@gmail.com', **email)[0]
    assert refused['errorCode'] == ['-4'] and refused['errorItem'] == ['dcvEmailAddress']
    assert api.apply('mail.shop.example.com', **email)[0]['errorItem'] == ['dcvEmailAddress']


def test_multi_domain_email_addresses_follow_domain_names(api):
    fields = dict(product=279, dcvMethod='EMAIL', domainNames='a.example.com b.example.org')
    assert api.apply('a.example.com', dcvEmailAddresses='admin@example.com,admin@example.org',
                     **fields)[0]['errorCode'] == ['0']
    # An entry may name a method instead of an address.
    assert api.apply('a.example.com', dcvEmailAddresses='admin@example.com,CNAME_CSR_HASH',
                     **fields)[0]['errorCode'] == ['0']
    assert api.apply('a.example.com', dcvEmailAddresses='admin@example.org,admin@example.com',
                     **fields)[0]['errorCode'] == ['-4']
    assert api.apply('a.example.com', dcvEmailAddresses='admin@example.com', **fields)[0]['errorCode'] == ['-4']


def test_multi_domain_file_or_dns_validation_names_the_method_per_domain(api, comodo_sandbox):
    """Sectigo's reference: dcvEmailAddresses holds, per domain in domainNames order, an address or a
    method name; a multi-domain order without it is refused whatever dcvMethod says."""
    fields = dict(product=279, dcvMethod='HTTP_CSR_HASH', domainNames='m.example.com,m.example.org')
    answer = api.apply('m.example.com', dcvEmailAddresses='HTTP_CSR_HASH,CNAME_CSR_HASH', **fields)[0]
    assert answer['errorCode'] == ['0']
    stored = [order for order in comodo_sandbox.orders()
              if order['orderNumber'] == int(answer['orderNumber'][0])][0]
    assert [(entry['domain'], entry['method']) for entry in stored['dcv']] == [
        ('m.example.com', 'HTTP_CSR_HASH'), ('m.example.org', 'CNAME_CSR_HASH')]
    missing = api.apply('m.example.com', **fields)[0]
    assert missing['errorCode'] == ['-3'] and missing['errorItem'] == ['dcvEmailAddresses']
    for wrong in ('HTTP_CSR_HASH', 'HTTP_CSR_HASH,FAX', 'HTTP_CSR_HASH,HTTP_CSR_HASH,HTTP_CSR_HASH'):
        refused = api.apply('m.example.com', dcvEmailAddresses=wrong, **fields)[0]
        assert refused['errorCode'] == ['-4'] and refused['errorItem'] == ['dcvEmailAddresses'], wrong


def test_no_credit_answers_minus_15_and_places_nothing(api, comodo_sandbox):
    before = len(comodo_sandbox.orders())
    assert api.apply('nocredit-1.example.com')[0]['errorCode'] == ['-15']
    assert len(comodo_sandbox.orders()) == before


def test_unpaid_order_waits_for_payment_until_approved(api, comodo_sandbox, make_csr):
    csr, _key = make_csr('unpaid-1.example.com')
    lines = api.text('!AutoApplySSL', **order_fields(csr))
    assert lines[0] == '1'
    order_number = int(lines[1])
    assert api.collect(order_number)['errorCode'] == ['-22']
    assert api.text('download/CollectSSL', orderNumber=order_number, queryType=0)[0] == '-22'
    assert comodo_sandbox.approve(order_number) == {'orderNumber': order_number, 'status': 'issued'}
    assert api.collect(order_number)['errorCode'] == ['2']


def test_rsa_2048_order(api):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer, _key = api.apply('rsa.example.com', key=key)
    assert answer['errorCode'] == ['0']
    assert re.match(r'^\d+$', answer['orderNumber'][0])
