"""The SOAP Certificate Manager API (EPKIManagerSSL) over real HTTP, with hand-written envelopes (zeep is
used once, only to prove the WSDL loads)."""
import re
import xml.etree.ElementTree as ElementTree
from xml.sax.saxutils import escape

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

NS = 'http://ssl.ws.epki.comodo.com/'
SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
AUTH = {'login': 'demo', 'password': 'demo', 'customerLoginUri': 'acme'}
PEM_BLOCK = re.compile(r'-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n', re.DOTALL)


def _xml(value):
    if isinstance(value, dict):
        return ''.join('<%s>%s</%s>' % (name, _xml(item), name) for name, item in value.items())
    if isinstance(value, list):
        raise TypeError('use repeated keys via tuples')
    return escape(str(value))


def envelope(operation, arguments):
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<soap-env:Envelope xmlns:soap-env="%s"><soap-env:Body><ns0:%s xmlns:ns0="%s">%s</ns0:%s>'
            '</soap-env:Body></soap-env:Envelope>' % (SOAP_ENV, operation, NS, _xml(arguments), operation))


class Soap(object):
    def __init__(self, sandbox, build_csr):
        self.sandbox = sandbox
        self.build_csr = build_csr
        self.url = sandbox.base + '/ws/EPKIManagerSSL'

    def raw(self, body):
        return requests.post(self.url, data=body.encode('utf-8') if isinstance(body, str) else body,
                             headers={'Content-Type': 'text/xml; charset=utf-8', 'SOAPAction': '""'}, timeout=20)

    def call(self, operation, **arguments):
        """The `return` element of a successful (HTTP 200) answer."""
        arguments = dict({'authData': AUTH}, **arguments)
        response = self.raw(envelope(operation, arguments))
        assert response.status_code == 200, response.text
        assert response.headers['Content-Type'].startswith('text/xml')
        root = ElementTree.fromstring(response.content)
        answer = root.find('{%s}Body/{%s}%sResponse' % (SOAP_ENV, NS, operation))
        assert answer is not None, response.text
        (result,) = list(answer)
        assert result.tag == 'return'  # unqualified
        return result

    def int_call(self, operation, **arguments):
        return int(self.call(operation, **arguments).text)

    def enroll(self, common_name, cert_type=287, term=1, csr=None, key=None, **fields):
        if csr is None:
            csr, key = self.build_csr(common_name, fields.pop('alt_names', ()))
        arguments = dict(orgId=1, secretKey='', csr=csr, phrase='secret phrase', subjAltNames='',
                         certType={'id': cert_type, 'name': 'x', 'terms': term}, numberServers=1,
                         serverType=-1, term=term, comments='')
        arguments.update(fields)
        return self.int_call('enroll', **arguments), key

    def collect(self, certificate_id, format_type=0):
        result = self.call('collect', id=certificate_id, formatType=format_type)
        status = int(result.find('statusCode').text)
        ssl = result.find('SSL')
        return status, (ssl.find('certificate').text if ssl is not None else None), ssl


@pytest.fixture
def soap(comodo_sandbox, make_csr):
    return Soap(comodo_sandbox, make_csr)


def public_der(key):
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def fault_of(response):
    assert response.status_code == 500, response.text
    root = ElementTree.fromstring(response.content)
    fault = root.find('{%s}Body/{%s}Fault' % (SOAP_ENV, SOAP_ENV))
    assert fault is not None, response.text
    assert 'Traceback' not in response.text
    return fault.find('faultcode').text, fault.find('faultstring').text


def test_wsdl_is_served_with_the_request_host_as_address(soap, comodo_sandbox):
    response = requests.get(soap.url + '?wsdl', timeout=20)
    assert response.status_code == 200 and response.headers['Content-Type'].startswith('text/xml')
    root = ElementTree.fromstring(response.content)
    assert root.get('targetNamespace') == NS
    wsdl = 'http://schemas.xmlsoap.org/wsdl/'
    service = root.find('{%s}service' % wsdl)
    assert service.get('name') == 'EPKIManagerSSL'
    (port,) = service.findall('{%s}port' % wsdl)
    address = port.find('{http://schemas.xmlsoap.org/wsdl/soap/}address').get('location')
    assert address == 'http://127.0.0.1:%d/ws/EPKIManagerSSL' % comodo_sandbox.port
    schema = root.find('{%s}types/{http://www.w3.org/2001/XMLSchema}schema' % wsdl)
    assert schema.get('elementFormDefault') == 'unqualified'
    binding = root.find('{%s}binding/{http://schemas.xmlsoap.org/wsdl/soap/}binding' % wsdl)
    assert binding.get('style') == 'document'

    other = requests.get(soap.url + '?wsdl', headers={'Host': 'ca.example.test:8443'}, timeout=20)
    assert 'location="http://ca.example.test:8443/ws/EPKIManagerSSL"' in other.text


def test_wsdl_loads_in_zeep(soap, comodo_sandbox):
    zeep = pytest.importorskip('zeep')
    client = zeep.Client(soap.url + '?wsdl')
    assert client.service._binding_options['address'] == soap.url
    answer = client.service.getCustomerCertTypes(authData=AUTH)
    assert answer.statusCode == 0 and 287 in [item.id for item in answer.types]


def test_get_customer_cert_types(soap):
    result = soap.call('getCustomerCertTypes')
    assert result.find('statusCode').text == '0'
    types = {int(item.find('id').text): (item.find('name').text, [int(term.text) for term in item.findall('terms')])
             for item in result.findall('types')}
    assert types[287] == ('PositiveSSL', [1, 2])
    assert {289, 279, 24, 7, 62, 337} <= set(types)
    assert 'Wildcard' in types[289][0]


@pytest.mark.parametrize('auth', [dict(AUTH, password='wrong'), dict(AUTH, login='nobody'),
                                  dict(AUTH, customerLoginUri=''), {}])
def test_bad_auth_is_minus_100_in_http_200(soap, auth):
    result = soap.call('getCustomerCertTypes', authData=auth)
    assert result.find('statusCode').text == '-100' and result.find('types') is None
    assert soap.enroll('badauth.example.com', authData=auth)[0] == -100
    assert soap.int_call('getCollectStatus', authData=auth, id=1000001) == -100


def test_enroll_pending_then_approve_then_collect(soap, comodo_sandbox):
    certificate_id, key = soap.enroll('soap-pending.example.com', comments='SO-1001')
    assert certificate_id > 0
    assert soap.int_call('getCollectStatus', id=certificate_id) == 0
    status, certificate, ssl = soap.collect(certificate_id)
    assert status == 0 and ssl is None
    (order,) = [order for order in comodo_sandbox.orders() if order['orderNumber'] == certificate_id]
    assert order['foreignOrderNumber'] == 'SO-1001' and order['status'] == 'pending'
    assert order['product'] == 287 and order['days'] == 365 and order['domains'] == ['soap-pending.example.com']

    comodo_sandbox.approve(certificate_id)
    assert soap.int_call('getCollectStatus', id=certificate_id) == 1
    status, bundle, ssl = soap.collect(certificate_id, 0)
    assert status == 2 and ssl.find('renewID').text
    # The real bundle (formatType 0): the root, the intermediate, then the leaf last.
    blocks = PEM_BLOCK.findall(bundle)
    assert len(blocks) == 3
    leaf = x509.load_pem_x509_certificate(blocks[2].encode())
    assert public_der(leaf) == public_der(key)
    assert leaf.subject.rfc4514_string() == 'CN=soap-pending.example.com'
    with open(comodo_sandbox.intermediate_pem) as intermediate, open(comodo_sandbox.root_pem) as root:
        assert blocks[:2] == [root.read(), intermediate.read()]

    status, only_leaf, _ssl = soap.collect(certificate_id, 1)
    assert status == 2 and PEM_BLOCK.findall(only_leaf) == blocks[2:]
    status, chain, _ssl = soap.collect(certificate_id, 2)
    assert status == 2 and PEM_BLOCK.findall(chain) == [blocks[1], blocks[0]]
    status, pkcs7_pem, _ssl = soap.collect(certificate_id, 3)
    assert status == 2 and pkcs7_pem.startswith('-----BEGIN PKCS7-----')
    assert soap.collect(certificate_id, 9)[0] == -4

    calls = [call for call in comodo_sandbox.calls() if call['orderNumber'] == certificate_id]
    assert [call['action'] for call in calls][:3] == ['soap.enroll', 'soap.getCollectStatus', 'soap.collect']
    assert all(call['action'].startswith('soap.') for call in calls)


def test_log_never_holds_passwords_or_csrs(soap, comodo_sandbox):
    soap.enroll('soap-logged.example.com', authData=dict(AUTH, password='s3cr3t-pw'))
    soap.enroll('soap-logged.example.com')
    with open(comodo_sandbox.log_path) as log:
        text = log.read()
    assert 'soap.enroll' in text
    assert 's3cr3t-pw' not in text and 'demo' not in text and 'CERTIFICATE REQUEST' not in text
    assert 's3cr3t-pw' not in str(comodo_sandbox.calls())


def test_instant_scenario(soap):
    instant, key = soap.enroll('instant-soap.example.com')
    assert soap.int_call('getCollectStatus', id=instant) == 1
    status, certificate, _ssl = soap.collect(instant, 1)
    assert status == 2
    assert public_der(x509.load_pem_x509_certificate(certificate.encode())) == public_der(key)



def test_reject_scenario(sandbox_factory, make_csr):
    # Rejected when due: with --issue-after 0 that is at the first read.
    soap = Soap(sandbox_factory(issue_after=0), make_csr)
    rejected, _key = soap.enroll('reject-soap.example.com')
    assert soap.int_call('getCollectStatus', id=rejected) == -20
    assert soap.collect(rejected)[0] == -20
    assert soap.int_call('revoke', id=rejected, reason='x') == -20


def test_revoke(soap):
    certificate_id, _key = soap.enroll('instant-revoke.example.com')
    assert soap.collect(certificate_id)[0] == 2
    assert soap.int_call('revoke', id=certificate_id, reason='key compromise') == 0
    assert soap.int_call('getCollectStatus', id=certificate_id) == -21
    assert soap.collect(certificate_id)[0] == -21
    assert soap.int_call('revoke', id=certificate_id, reason='again') == -21
    assert soap.int_call('revoke', id=987654321, reason='x') == -40
    # A pending certificate is rejected instead, as by the form API's AutoRevokeSSL.
    pending, _key = soap.enroll('soap-revoke-pending.example.com')
    assert soap.int_call('revoke', id=pending, reason='cancel') == 0
    assert soap.int_call('getCollectStatus', id=pending) == -20


def test_invalid_ids(soap):
    assert soap.int_call('getCollectStatus', id=987654321) == -40
    assert soap.int_call('getCollectStatus', id='abc') == -40
    assert soap.collect(987654321)[0] == -40


def test_bad_csr(soap):
    assert soap.enroll('x', csr='not a csr at all!')[0] == -10
    assert soap.enroll('x', csr='')[0] == -10
    assert soap.enroll('x', csr='-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----')[0] == -10


def test_bad_cert_type_and_term_and_phrase(soap):
    assert soap.enroll('soap-bad.example.com', cert_type=9999)[0] == -33
    assert soap.enroll('soap-bad.example.com', cert_type=291)[0] == -33  # the trial is not offered
    assert soap.enroll('*.soap-bad.example.com', cert_type=287)[0] == -33  # wildcard CN, non-wildcard type
    assert soap.enroll('soap-bad.example.com', term=3)[0] == -36
    assert soap.enroll('soap-bad.example.com', term=0)[0] == -36
    assert soap.enroll('soap-bad.example.com', phrase='')[0] == -32
    assert soap.enroll('soap-bad.example.com', serverType=99)[0] == -35


def test_domains_not_allowed(soap):
    assert soap.enroll('192.0.2.7')[0] == -110
    assert soap.enroll('intranet')[0] == -110
    assert soap.enroll('soap-md.example.com', cert_type=279, subjAltNames='www.soap-md.example.com,10.0.0.1')[0] == -110


def test_wildcard_and_multi_domain_two_years(soap, comodo_sandbox):
    wildcard, _key = soap.enroll('*.soap-wild.example.com', cert_type=289, term=2)
    multi, _key = soap.enroll('soap-md.example.com', cert_type=279,
                              subjAltNames='www.soap-md.example.com, shop.soap-md.example.org')
    assert wildcard > 0 and multi > 0
    orders = {order['orderNumber']: order for order in comodo_sandbox.orders()}
    assert orders[wildcard]['domains'] == ['*.soap-wild.example.com'] and orders[wildcard]['days'] == 730
    assert orders[multi]['domains'] == ['soap-md.example.com', 'www.soap-md.example.com', 'shop.soap-md.example.org']


def test_unknown_operation_is_a_fault(soap, comodo_sandbox):
    code, message = fault_of(soap.raw(envelope('renewEverything', {'authData': AUTH})))
    assert code.endswith('Client') and 'renewEverything' in message
    code, _message = fault_of(soap.raw(envelope('enroll', {}).replace(NS, 'urn:other')))
    assert code.endswith('Client')


@pytest.mark.parametrize('body', [
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><unclosed>',
    'not xml at all',
    '',
    '<Envelope><Body/></Envelope>',
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>',
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    '<ns0:getCustomerCertTypes xmlns:ns0="http://ssl.ws.epki.comodo.com/"><authData><login>&lol2;</login>'
    '</authData></ns0:getCustomerCertTypes></soap:Body></soap:Envelope>',
])
def test_malformed_requests_are_faults(soap, body):
    code, _message = fault_of(soap.raw(body))
    assert code.endswith('Client')


def test_get_without_wsdl_query_is_not_found(soap):
    assert requests.get(soap.url, timeout=20).status_code == 404


def test_flaky_scenario_answers_minus_14_every_other_call(soap):
    certificate_id, _key = soap.enroll('flaky-soap.example.com')  # the order's 1st call
    assert certificate_id > 0
    assert soap.int_call('getCollectStatus', id=certificate_id) == -14
    assert soap.int_call('getCollectStatus', id=certificate_id) == 0
    assert soap.int_call('getCollectStatus', id=certificate_id) == -14
