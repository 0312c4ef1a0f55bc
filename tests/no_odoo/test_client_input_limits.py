"""Input sizes: a huge CSR or list of domains is refused before any work, and the checks that read them
do work in proportion to their length (a request must never tie up a worker for minutes)."""
import time

import pytest

from comodo_client import RequestError, build_csr, check_csr, check_domains, generate_private_key, repeated_domains
from comodo_client.keys import csr_der

# Same total input, once as one large piece and once as FACTOR small ones: linear work takes about as
# long either way, quadratic work FACTOR times longer. The bound leaves a busy machine room both ways.
FACTOR = 16
BOUND = 4


@pytest.fixture(scope='module')
def csr():
    return build_csr(generate_private_key(), ['www.example.com'])


def _least_cpu_seconds(work, repeat=5):
    """The CPU time of the least disturbed of several runs."""
    times = []
    for _run in range(repeat):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def _assert_linear(check, make_input, small_size):
    small, large = make_input(small_size), make_input(small_size * FACTOR)

    def pieces():
        for _piece in range(FACTOR):
            check(small)
    one_piece = _least_cpu_seconds(lambda: check(large))
    many_pieces = _least_cpu_seconds(pieces)
    assert one_piece < BOUND * many_pieces, (
        'one input %d times larger took %.1f times as long as %d small ones'
        % (FACTOR, one_piece / many_pieces, FACTOR))


def _refused(function, *args):
    try:
        function(*args)
    except RequestError as refusal:
        return refusal.message
    return None


def test_a_63_kb_csr_is_refused_before_it_is_read(csr):
    pasted = 'x' * (63 * 1024 - len(csr) - 1) + '\n' + csr
    assert _refused(check_csr, pasted, ['www.example.com']) == (
        'The CSR is 63 KB long; a certificate request has 16 KB at most.')
    # The same CSR with a little text around it is read as ever.
    assert check_csr('Our CSR:\n' + csr + '\nThanks', ['www.example.com']).domains == ['www.example.com']


def test_more_domains_than_any_certificate_carries_are_refused():
    names = ['site%d.example.com' % index for index in range(3000)]  # about 62 KB of further domains
    assert _refused(check_domains, names, False, True) == (
        '3000 domains were entered; a certificate names 250 at most.')
    assert len(check_domains(names[:250], multi_domain=True)) == 250


def test_finding_the_pem_block_is_linear():
    # Many BEGIN lines and no END: a pattern that holds the body rescans the rest of the text for each.
    text = lambda size: '-----BEGIN CERTIFICATE REQUEST-----\n' * (size // 36)
    _assert_linear(lambda pem: _refused(csr_der, pem), text, 1024)


def test_finding_repeated_domains_is_linear():
    names = lambda count: ['site%d.example.com' % index for index in range(count)] + ['SITE1.example.com.']
    assert repeated_domains(names(10)) == ['site1.example.com']
    _assert_linear(repeated_domains, names, 500)
