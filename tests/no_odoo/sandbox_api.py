"""What the sandbox's own tests speak to it with: CSRs made with `cryptography`, and plain-requests calls
to a sandbox (the CA client package is deliberately not used, so these tests read the protocol on their
own)."""
from urllib.parse import parse_qs

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOGIN = {'loginName': 'demo', 'loginPassword': 'demo'}
HTTP_TIMEOUT = 20


def build_csr(common_name, alt_names=(), key=None):
    """(PEM text, private key) of a CSR for `common_name`; an EC P-256 key unless one is given."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    if alt_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in alt_names]), critical=False)
    csr = builder.sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode('ascii'), key


class SandboxApi(object):
    """Calls to one sandbox: `post` returns the response; `text` its lines; `fields` its URL-encoded
    keys (each a list, as keys may repeat)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def post(self, action, login=True, **fields):
        data = dict(LOGIN if login else {}, **fields)
        response = requests.post(self.sandbox.url + action, data=data, timeout=HTTP_TIMEOUT,
                                 verify=self.sandbox.root_pem)
        assert response.status_code == 200, response.text
        return response

    def text(self, action, **fields):
        body = self.post(action, **fields).text
        assert body.endswith('\n'), body
        return body[:-1].split('\n')

    def fields(self, action, **fields):
        body = self.post(action, **fields).text
        return parse_qs(body, keep_blank_values=True)

    def apply(self, common_name, product=287, key=None, **fields):
        """Places an order (URL-encoded answer); returns (answer fields, private key)."""
        csr, key = build_csr(common_name, fields.pop('alt_names', ()), key)
        order = dict(product=product, csr=csr, days=365, serverSoftware=-1, isCustomerValidated='N',
                     dcvMethod='CNAME_CSR_HASH', responseFormat=1)
        order.update(fields)
        return self.fields('!AutoApplySSL', **order), key

    def place(self, common_name, **fields):
        """The order number of a new order that must succeed."""
        answer, _key = self.apply(common_name, **fields)
        assert answer['errorCode'] in (['0'], ['1']), answer
        return int(answer['orderNumber'][0])

    def collect(self, order_number, query_type=1, **fields):
        return self.fields('download/CollectSSL', orderNumber=order_number, queryType=query_type,
                           responseType=3, responseFormat=1, **fields)

