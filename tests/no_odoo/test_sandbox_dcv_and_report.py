"""GetDCVEmailAddressList, DecodeCSR, ResendDCVEmail, AutoUpdateDCV and WebHostReport."""
import base64
import hashlib
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def stored(sandbox, order_number):
    return [order for order in sandbox.orders() if order['orderNumber'] == order_number][0]


def test_dcv_email_address_list(api):
    lines = api.text('!GetDCVEmailAddressList', domainName='*.Shop.Example.com')
    assert lines[:3] == ['0', 'domain_name\tshop.example.com', 'whois_email\tnone']
    entries = [line.split('\t') for line in lines[3:]]
    assert entries[:5] == [['level2_email', box + '@example.com']
                           for box in ('admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster')]
    assert entries[5:] == [['level3_email', box + '@shop.example.com']
                           for box in ('admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster')]
    assert api.text('!GetDCVEmailAddressList', domainName='www.example.co.uk')[3] == 'level2_email\tadmin@example.co.uk'


def test_dcv_email_address_list_errors(api):
    assert api.text('!GetDCVEmailAddressList', domainName='203.0.113.9')[0] == '-19'
    assert api.text('!GetDCVEmailAddressList', domainName='intranet')[0] == '-37'
    assert api.text('!GetDCVEmailAddressList') == ['-3', "The 'domainName' argument is missing!"]
    assert api.text('!GetDCVEmailAddressList', domainName='example.com', responseFormat=2)[0] == '-4'


def test_decode_csr_gives_the_hashes_of_the_der(api, make_csr):
    csr, _key = make_csr('hashes.example.com')
    der = x509.load_pem_x509_csr(csr.encode()).public_bytes(serialization.Encoding.DER)
    assert api.text('!DecodeCSR', login=False, csr=csr) == [
        '0',
        'md5=' + hashlib.md5(der).hexdigest().upper(),
        'sha1=' + hashlib.sha1(der).hexdigest().upper(),
        'sha256=' + hashlib.sha256(der).hexdigest().upper(),
    ]
    assert api.text('!DecodeCSR', csr='%%%')[0] == '-9'
    assert api.text('!DecodeCSR', csr=base64.b64encode(b'junk').decode())[0] == '-10'
    assert api.text('!DecodeCSR', csr=make_csr('http://cn.example.com')[0])[0] == '-23'


def test_resend_dcv_email(api, comodo_sandbox):
    order_number = api.place('resend.example.com', dcvMethod='EMAIL', dcvEmailAddress='admin@example.com')
    assert api.fields('!ResendDCVEmail', orderNumber=order_number) == {'errorCode': ['0']}
    assert api.fields('!ResendDCVEmail', orderNumber=order_number,
                      dcvEmailAddress='hostmaster@resend.example.com') == {'errorCode': ['0']}
    order = stored(comodo_sandbox, order_number)
    assert order['dcvResends'] == 2 and order['dcv'][0]['email'] == 'hostmaster@resend.example.com'
    refused = api.fields('!ResendDCVEmail', orderNumber=order_number, dcvEmailAddress='me@gmail.com')
    assert refused['errorCode'] == ['-4'] and refused['errorItem'] == ['dcvEmailAddress']
    assert api.fields('!ResendDCVEmail', orderNumber=api.place('resend-cname.example.com'))['errorCode'] == ['-4']
    assert api.fields('!ResendDCVEmail', orderNumber=1)['errorCode'] == ['-4']


def test_update_dcv_single_and_multi_domain(api, comodo_sandbox):
    order_number = api.place('update.example.com')
    assert api.fields('!AutoUpdateDCV', orderNumber=order_number, newMethod='EMAIL',
                      newDCVEmailAddress='admin@example.com') == {'errorCode': ['0']}
    assert stored(comodo_sandbox, order_number)['dcv'] == [
        {'domain': 'update.example.com', 'method': 'EMAIL', 'email': 'admin@example.com'}]
    assert api.fields('!AutoUpdateDCV', orderNumber=order_number, newMethod='FAX')['errorItem'] == ['newMethod']
    assert api.fields('!AutoUpdateDCV', orderNumber=order_number, newMethod='EMAIL')['errorCode'] == ['-3']

    multi = api.place('mdc.example.com', product=279, domainNames='mdc.example.com,mdc.example.org',
                      dcvEmailAddresses='CNAME_CSR_HASH,CNAME_CSR_HASH')
    assert api.fields('!AutoUpdateDCV', orderNumber=multi, domainNames='mdc.example.com mdc.example.org',
                      newMethods='HTTP_CSR_HASH,EMAIL',
                      newDCVEmailAddresses='- admin@mdc.example.org') == {'errorCode': ['0']}
    assert [entry['method'] for entry in stored(comodo_sandbox, multi)['dcv']] == ['HTTP_CSR_HASH', 'EMAIL']
    assert api.fields('!AutoUpdateDCV', orderNumber=multi, domainNames='mdc.example.net',
                      newMethods='EMAIL')['errorItem'] == ['domainNames']


def test_update_dcv_on_issued_order_is_refused(api):
    order_number = api.place('instant-dcv.example.com')
    api.collect(order_number)
    assert api.fields('!AutoUpdateDCV', orderNumber=order_number, newMethod='CNAME_CSR_HASH')['errorCode'] == ['-4']


def test_web_host_report_filters_and_paging(api):
    placed_from = int(time.time()) - 1
    tag = 'RPT%d' % time.time()
    numbers = [api.place('report-%d.example.com' % index, foreignOrderNumber='%s-%d' % (tag, index))
               for index in range(3)]
    instant = api.place('instant-report.example.com', foreignOrderNumber=tag + '-i', showCertificateID='Y')
    api.collect(instant)
    everything = ','.join('%s-%s' % (tag, suffix) for suffix in ('0', '1', '2', 'i'))

    report = api.fields('!WebHostReport', foreignOrderNumber=everything, showCost='Y', showCertificateID='Y')
    assert report['errorCode'] == ['0'] and report['noOfResults'] == ['4']
    assert [report['%d_orderNumber' % index][0] for index in range(1, 5)] == [str(n) for n in numbers + [instant]]
    assert report['1_orderStatus'] == ['Pending'] and report['1_1_domain'] == ['report-0.example.com']
    assert report['1_cost'] == ['12.50'] and '1_1_serialNumber' not in report
    assert report['4_orderStatus'] == ['Issued'] and report['4_1_status'] == ['Issued']
    assert len(report['4_1_serialNumber'][0]) > 10 and report['4_1_certificateID'][0].isdigit()
    assert int(report['4_dateTime'][0]) >= placed_from

    page = api.fields('!WebHostReport', foreignOrderNumber=everything, firstResultNo=2, lastResultNo=3)
    assert page['noOfResults'] == ['2'] and page['1_orderNumber'] == [str(numbers[1])]
    by_fqdn = api.fields('!WebHostReport', fqdn='report-_.EXAMPLE.%', foreignOrderNumber=everything)
    assert by_fqdn['noOfResults'] == ['3']
    by_number = api.fields('!WebHostReport', orderNumber='%d,%d' % (numbers[0], instant))
    assert by_number['noOfResults'] == ['2']
    in_future = api.fields('!WebHostReport', foreignOrderNumber=everything, notBefore=int(time.time()) + 60)
    assert in_future == {'errorCode': ['0'], 'noOfResults': ['0']}
    in_past = api.fields('!WebHostReport', foreignOrderNumber=everything, notAfter=placed_from - 60)
    assert in_past['noOfResults'] == ['0']
    assert api.fields('!WebHostReport', firstResultNo=5, lastResultNo=2)['errorItem'] == ['lastResultNo']
