"""check_csr over a corpus of CSRs as they come in the wild (comodo_sandbox.csr_corpus): each is refused
with a RequestError whose message names its flaw, or accepted for exactly the names it carries.
Nothing else may come out: no other exception, no panic of cryptography's."""
import pytest
from cryptography import x509

from comodo_client import RequestError, check_csr
from comodo_sandbox import csr_corpus

# What the refusal must say, by flaw (any one of the fragments).
REASONS = {
    'empty': ('The CSR is empty.',),
    'not-base64': ('The CSR is not valid Base64.',),
    'not-a-request': ('it is not a PKCS#10 certificate request', 'not a certificate request (CSR)'),
    'version': ('only version 1 requests (PKCS#10) are accepted',),
    'duplicate-extension': ('twice; a request names each extension once',),
    'duplicate-attribute': ('a request names each attribute once',),
    'malformed': ('could not be decoded',),
    'key-type': ("The CSR's key type",),
    'curve': ('only P-256 and P-384 are accepted',),
    'rsa-size': ('at least 2048 are required',),
    'small-exponent': ('the public exponent', 'which is weak'),
    'fermat': ("Fermat's method factors it",),
    'weak-signature': ('a weak signature algorithm',),
    'signature': ('not signed by the key it holds',),
    'no-common-name': ('The CSR has no common name (CN)',),
    'common-name-too-long': ('64 characters at most',),
    'not-a-domain': ('is not a valid public domain name',),
}
CORPUS = csr_corpus.build('client-corpus.example.com')


def test_the_corpus_is_large_and_covers_every_flaw():
    assert len(CORPUS) >= 100
    assert set(case.flaw for case in CORPUS) == set(csr_corpus.FLAWS) | {None}
    assert set(REASONS) == set(csr_corpus.FLAWS)


@pytest.mark.parametrize('case', CORPUS, ids=[case.name for case in CORPUS])
def test_each_csr_is_refused_for_its_flaw_or_accepted_for_its_names(case):
    try:
        info = check_csr(case.pem, case.domains, multi_domain=True)
    except RequestError as refusal:
        assert case.flaw is not None, 'refused: %s' % refusal.message
        assert any(reason in refusal.message for reason in REASONS[case.flaw]), refusal.message
        assert refusal.code is None and not refusal.retryable
        return
    assert case.flaw is None, 'accepted, though its flaw is %s' % case.flaw
    assert info.domains == [name.lower().rstrip('.') for name in case.domains]
    assert info.signature_valid and info.key_type in ('rsa', 'ec')


class PanicException(BaseException):
    """What pyo3 raises when Rust code inside cryptography panics: a BaseException known by its name."""


def test_a_panic_inside_cryptography_is_a_refusal_and_nothing_else_is_caught(monkeypatch):
    good = CORPUS[0]

    def panic(*args):
        raise PanicException('called `Option::unwrap()` on a `None` value')
    monkeypatch.setattr(x509, 'load_der_x509_csr', panic)
    with pytest.raises(RequestError) as refusal:
        check_csr(good.pem, good.domains)
    assert 'could not be decoded' in refusal.value.message

    def interrupted(*args):
        raise KeyboardInterrupt()
    monkeypatch.setattr(x509, 'load_der_x509_csr', interrupted)
    with pytest.raises(KeyboardInterrupt):
        check_csr(good.pem, good.domains)
