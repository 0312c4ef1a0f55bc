"""AutoApplySSL over HTTP with a corpus of CSRs as they come in the wild (comodo_sandbox.csr_corpus): each
is refused with the CA's code for its flaw and a message, or placed for its common name. Never -14 (which
a client retries for ever) and never an HTTP error."""
import pytest
from cryptography import x509

from comodo_sandbox import csr_corpus

# The codes that may refuse each flaw, and what the message must say (case aside).
REFUSALS = {
    'empty': ((-3, -9), 'csr'),
    'not-base64': ((-9,), 'not valid base-64'),
    # A PEM block of another kind is no CSR armour: its text is then not Base64 either.
    'not-a-request': ((-9, -10), 'csr'),
    'version': ((-10,), 'its version is'),
    'duplicate-extension': ((-10,), 'requests the extension'),
    'duplicate-attribute': ((-10,), 'holds an attribute twice'),
    'malformed': ((-10,), 'cannot be read'),
    'key-type': ((-11,), 'unsupported algorithm'),
    'curve': ((-13,), 'p-256 or p-384'),
    'rsa-size': ((-13,), 'rsa needs 2048 bits'),
    'small-exponent': ((-41,), 'public exponent'),
    'fermat': ((-41,), "fermat's method"),
    'weak-signature': ((-11,), 'weak signature algorithm'),
    'signature': ((-12,), 'signature is invalid'),
    'no-common-name': ((-8,), 'common name'),
    'common-name-too-long': ((-4,), '64 at most'),
    'not-a-domain': ((-25, -35, -18), ''),
}
CORPUS = csr_corpus.build('sandbox-corpus.example.com')


def test_every_flaw_has_its_refusal():
    assert len(CORPUS) >= 100 and set(REFUSALS) == set(csr_corpus.FLAWS)


@pytest.mark.parametrize('case', CORPUS, ids=[case.name for case in CORPUS])
def test_each_csr_is_refused_with_its_code_or_placed_for_its_common_name(api, comodo_sandbox, case):
    answer = api.fields('!AutoApplySSL', product=287, csr=case.pem, days=365, serverSoftware=-1,
                        isCustomerValidated='N', dcvMethod='CNAME_CSR_HASH', responseFormat=1)
    code = int(answer['errorCode'][0])
    if case.flaw is None:
        assert code == 0, answer
        order_number = int(answer['orderNumber'][0])
        placed = [order for order in comodo_sandbox.orders() if order['orderNumber'] == order_number]
        assert placed[0]['domains'] == [case.domains[0].lower().rstrip('.')]
        return
    codes, reason = REFUSALS[case.flaw]
    message = answer['errorMessage'][0]
    assert code in codes, answer
    assert reason in message.lower(), message


class PanicException(BaseException):
    """What pyo3 raises when Rust code inside cryptography panics: a BaseException known by its name."""


def test_a_panic_inside_cryptography_is_code_minus_10_and_nothing_else_is_caught(monkeypatch):
    # In-process: over HTTP a panic cannot be provoked on purpose.
    from comodo_sandbox import csr_checks
    from comodo_sandbox.protocol import ApiError

    def panic(*args):
        raise PanicException('called `Option::unwrap()` on a `None` value')
    monkeypatch.setattr(x509, 'load_der_x509_csr', panic)
    with pytest.raises(ApiError) as refusal:
        csr_checks.parse(CORPUS[0].pem)
    assert refusal.value.code == -10 and 'cannot be decoded' in refusal.value.message

    def interrupted(*args):
        raise KeyboardInterrupt()
    monkeypatch.setattr(x509, 'load_der_x509_csr', interrupted)
    with pytest.raises(KeyboardInterrupt):
        csr_checks.parse(CORPUS[0].pem)
