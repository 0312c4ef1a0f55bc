"""Customer mails leave a real Odoo server over SMTP and reach the mail sink `make test` runs
(tools/mail_sink.py, one .eml file a message), each linking to the certificate's portal page and
saying what happens next; none carries a key or the reseller password."""
import email
import email.policy
import glob
import os
import uuid

import pytest

from comodo_client import dcv_instructions
from server_process import wait
from test_job_runner import sell_certificates, use_sandbox


@pytest.fixture(scope='module')
def mail_folder():
    folder = os.environ.get('COMODO_MAIL_SINK_DIR')
    assert folder, 'run through `make test`: it starts the mail sink and names its folder'
    return folder


def _received(folder, subject_part):
    """The messages in the sink whose subject contains subject_part."""
    messages = []
    for path in sorted(glob.glob(os.path.join(folder, '*.eml'))):
        with open(path, 'rb') as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        if subject_part in str(message['Subject']):
            messages.append(message)
    return messages


def _html(message):
    return message.get_body(preferencelist=('html',)).get_content()


def _order_certificate(call, sandbox, domain):
    use_sandbox(call, sandbox)
    return sell_certificates(call, [domain])[0]


def _wait_for_state(call, order_id, state):
    def reached():
        order = call('comodo.certificate.order', 'read', [order_id], ['state'])[0]
        if order['state'] == 'pending':
            call('comodo.certificate.order', 'action_check', [order_id])
        return order['state'] == state
    wait(reached, 90, 'the order to be %s' % state)


def _one_mail_to_the_customer(call, folder, subject_part, what):
    """The one message in the sink whose subject contains subject_part, sent to the demo customer,
    and its HTML body (waiting for it: the job runner sends it)."""
    mails = wait(lambda: _received(folder, subject_part), 60, what)
    assert len(mails) == 1
    assert _customer_email(call) in str(mails[0]['To'])
    return mails[0], _html(mails[0])


def _customer_email(call):
    partner_id = call('ir.model.data', 'xmlid_to_res_id', 'base.partner_demo_portal')
    return call('res.partner', 'read', [partner_id], ['email'])[0]['email']


def test_issued_mail_reaches_the_sink_and_links_to_the_portal_page(odoo_server, comodo_sandbox, mail_folder):
    call = odoo_server.caller()
    domain = 'instant-%s.example.com' % uuid.uuid4().hex[:10]
    order_id = _order_certificate(call, comodo_sandbox, domain)
    _wait_for_state(call, order_id, 'issued')

    mail, body = _one_mail_to_the_customer(call, mail_folder, 'Your SSL certificate for %s is ready' % domain,
                                           'the issued mail in the sink')
    page = '/my/certificates/%d' % order_id
    assert 'href="' in body and page + '"' in body, 'the mail links to the certificate page'
    assert 'What happens next' in body and 'install them on your web server' in body
    assert 'PRIVATE KEY' not in mail.as_string()


def test_validation_mail_reaches_the_sink_with_the_dns_record_and_the_link(odoo_server, comodo_sandbox,
                                                                           mail_folder):
    call = odoo_server.caller()
    domain = 'never-%s.example.com' % uuid.uuid4().hex[:10]
    order_id = _order_certificate(call, comodo_sandbox, domain)

    subject = 'Your SSL certificate for %s: please validate the domain' % domain
    mail, body = _one_mail_to_the_customer(
        call, mail_folder, subject, 'the validation mail in the sink (sent once the first check finds Comodo waiting)')
    assert '/my/certificates/%d"' % order_id in body, 'the mail links to the certificate page'
    order = call('comodo.certificate.order', 'read', [order_id], ['csr_pem', 'unique_value'])[0]
    record = dcv_instructions(order['csr_pem'], 'CNAME_CSR_HASH', domain, order['unique_value'])
    assert record.cname_name in body and record.cname_target in body, 'the DNS record to add'
    assert 'What happens next' in body
    assert 'PRIVATE KEY' not in mail.as_string()


def test_rejected_mail_links_to_the_page_and_does_not_repeat_the_cas_words(odoo_server, comodo_sandbox,
                                                                           mail_folder):
    call = odoo_server.caller()
    domain = 'never-%s.example.com' % uuid.uuid4().hex[:10]
    order_id = _order_certificate(call, comodo_sandbox, domain)

    def placed():
        order = call('comodo.certificate.order', 'read', [order_id], ['state', 'ca_order_number'])[0]
        return order['state'] == 'pending' and order['ca_order_number']
    comodo_sandbox.reject(wait(placed, 60, 'the job runner to place the order'))
    _wait_for_state(call, order_id, 'rejected')

    _mail, body = _one_mail_to_the_customer(call, mail_folder, 'request for %s was rejected' % domain,
                                            'the rejection mail in the sink')
    assert '/my/certificates/%d"' % order_id in body
    assert 'nothing is owed for it' in body
    # The sandbox rejects as Comodo does, without a reason: no "Reason given: ... rejected!".
    assert 'Reason given' not in body and 'has been rejected!' not in body
    company = call('res.company', 'read', [call('ir.model.data', 'xmlid_to_res_id', 'base.main_company')],
                   ['email'])[0]
    assert company['email'] and company['email'] in body, 'the customer is told how to reach us'
