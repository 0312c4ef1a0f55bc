"""The sandbox CA's validating checks, one name at a time: what the addon's client says to publish
(comodo_client.dcv_instructions) against what the sandbox expects from the CSR on its own. The file
is served by the rig's real nginx; DNS answers come from a resolver given to the checks (the same
checks against the real DNS server, through the sandbox's API, are in test_sandbox_validating.py)."""
import pytest

from comodo_client import build_csr, dcv_instructions, generate_private_key
from comodo_sandbox.validation import EMAIL_VALIDATION_ENDS_AT, DnsFailure, Validator

LOOPBACK = '127.0.0.1'
NOW = EMAIL_VALIDATION_ENDS_AT - 86400


class GivenDns(object):
    """DNS answers a test sets: {name: [addresses]}, {name: target}, {name: [(flags, tag, value)]};
    names in `silent` get no answer."""

    def __init__(self, addresses=None, cnames=None, caa=None, silent=()):
        self.address_records = addresses or {}
        self.cname_records = cnames or {}
        self.caa_records = caa or {}
        self.silent = set(silent)

    def _answer(self, records, name, empty):
        if name in self.silent:
            raise DnsFailure('the DNS server did not answer for %s' % name)
        return records.get(name, empty)

    def addresses(self, name):
        return self._answer(self.address_records, name, [])

    def cname(self, name):
        return self._answer(self.cname_records, name, None)

    def caa(self, name):
        return self._answer(self.caa_records, name, [])

    def broken_signature(self, name, rdtype):
        return None


@pytest.fixture(scope='module')
def sites(document_root_sites):
    document_root_sites.add('files.dcv.test')
    document_root_sites.add('moved.dcv.test', redirects=['/.well-known/pki-validation/'])
    return document_root_sites


@pytest.fixture(scope='module')
def csr():
    return build_csr(generate_private_key(), ['files.dcv.test'])


def validator(sites, **dns):
    return Validator(GivenDns(**dns), sites.port_map)


def publish(sites, domain, csr, method='HTTP_CSR_HASH', unique_value=None):
    proof = dcv_instructions(csr, method, domain, unique_value)
    sites.publish(domain, proof.file_name, proof.file_content)
    return proof


@pytest.mark.parametrize('method', ['HTTP_CSR_HASH', 'HTTPS_CSR_HASH'])
def test_a_served_file_passes_by_either_scheme(sites, csr, method):
    publish(sites, 'files.dcv.test', csr, method)
    check = validator(sites, addresses={'files.dcv.test': [LOOPBACK]}).check(
        'files.dcv.test', method, csr, '', NOW)
    assert check.passed, check.reason


def test_the_unique_value_is_part_of_the_file(sites, csr):
    publish(sites, 'files.dcv.test', csr, unique_value='Order42')
    checks = validator(sites, addresses={'files.dcv.test': [LOOPBACK]})
    assert checks.check('files.dcv.test', 'HTTP_CSR_HASH', csr, 'Order42', NOW).passed
    refused = checks.check('files.dcv.test', 'HTTP_CSR_HASH', csr, 'Order43', NOW)
    assert not refused.passed and refused.reason.endswith('does not hold the expected content')


def test_a_missing_file_fails_with_its_url_and_status(sites):
    other_csr = build_csr(generate_private_key(), ['files.dcv.test'])
    path = dcv_instructions(other_csr, 'HTTP_CSR_HASH', 'files.dcv.test').file_name
    check = validator(sites, addresses={'files.dcv.test': [LOOPBACK]}).check(
        'files.dcv.test', 'HTTP_CSR_HASH', other_csr, '', NOW)
    assert (check.passed, check.reason) == (False, 'http://files.dcv.test%s answers 404' % path)


def test_a_file_behind_a_redirect_fails_even_though_the_target_serves_it(sites, csr):
    proof = publish(sites, 'moved.dcv.test', csr)
    check = validator(sites, addresses={'moved.dcv.test': [LOOPBACK]}).check(
        'moved.dcv.test', 'HTTP_CSR_HASH', csr, '', NOW)
    assert check == (False, 'http://moved.dcv.test{0} answers 301 to https://moved.dcv.test{0}: redirects '
                            'are not followed'.format(proof.file_name))


@pytest.mark.parametrize('body', [
    '{sha256}\nletsencrypt.org', '{sha256}\nsectigo.com\nextra', ' {sha256}\nsectigo.com',
    '{md5}\nsectigo.com', '{sha256}', ''])
def test_a_file_with_other_content_fails(sites, csr, body):
    proof = dcv_instructions(csr, 'HTTP_CSR_HASH', 'files.dcv.test')
    sha256 = proof.file_content.split('\n')[0]
    md5 = proof.file_name.rsplit('/', 1)[1][:-4]
    sites.publish('files.dcv.test', proof.file_name, body.format(sha256=sha256, md5=md5))
    check = validator(sites, addresses={'files.dcv.test': [LOOPBACK]}).check(
        'files.dcv.test', 'HTTP_CSR_HASH', csr, '', NOW)
    assert (check.passed, check.reason.endswith('does not hold the expected content')) == (False, True)


@pytest.mark.parametrize('body', ['{sha256}\nsectigo.com\n', '{sha256}\r\ncomodoca.com\r\n', '{upper}\nsectigo.com'])
def test_a_final_line_end_the_legacy_brand_and_upper_case_hex_pass(sites, csr, body):
    proof = dcv_instructions(csr, 'HTTP_CSR_HASH', 'files.dcv.test')
    sha256 = proof.file_content.split('\n')[0]
    sites.publish('files.dcv.test', proof.file_name, body.format(sha256=sha256, upper=sha256.upper()))
    assert validator(sites, addresses={'files.dcv.test': [LOOPBACK]}).check(
        'files.dcv.test', 'HTTP_CSR_HASH', csr, '', NOW).passed


def test_a_name_that_does_not_resolve_fails(sites, csr):
    check = validator(sites).check('files.dcv.test', 'HTTP_CSR_HASH', csr, '', NOW)
    assert check == (False, 'files.dcv.test does not resolve')


def test_cname_on_the_name_or_a_parent_passes_and_a_wrong_one_says_where_it_points(sites, csr):
    proof = dcv_instructions(csr, 'CNAME_CSR_HASH', 'shop.dcv.test')
    record = proof.cname_name
    assert validator(sites, cnames={record: proof.cname_target.lower()}).check(
        'shop.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW).passed
    on_parent = record.replace('.shop.dcv.test', '.dcv.test')
    assert validator(sites, cnames={on_parent: proof.cname_target}).check(
        'shop.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW).passed
    wrong = validator(sites, cnames={record: 'elsewhere.example.net'}).check(
        'shop.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW)
    assert wrong == (False, '%s points to elsewhere.example.net, not %s' % (record, proof.cname_target))
    absent = validator(sites).check('shop.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW)
    assert absent == (False, 'no CNAME %s to %s' % (record, proof.cname_target))


def test_a_wildcard_is_validated_by_cname_on_its_base_name(sites, csr):
    proof = dcv_instructions(csr, 'CNAME_CSR_HASH', '*.dcv.test', 'U1')
    assert proof.cname_name.endswith('.dcv.test') and '*' not in proof.cname_name
    assert validator(sites, cnames={proof.cname_name: proof.cname_target.lower()}).check(
        '*.dcv.test', 'CNAME_CSR_HASH', csr, 'U1', NOW).passed


def cname_validator(sites, csr, name, caa):
    proof = dcv_instructions(csr, 'CNAME_CSR_HASH', name)
    return validator(sites, cnames={proof.cname_name: proof.cname_target}, caa=caa)


@pytest.mark.parametrize('records, passed', [
    ([(0, 'issue', 'sectigo.com')], True), ([(0, 'issue', 'comodoca.com; account=1')], True),
    ([(0, 'issue', 'usertrust.com')], True), ([(0, 'issue', 'trust-provider.com')], True),
    ([(0, 'issue', 'comodo.com')], True), ([(0, 'iodef', 'mailto:x@dcv.test')], True),
    ([(0, 'issue', 'letsencrypt.org')], False), ([(0, 'issue', ';')], False),
    ([(0, 'issue', 'sectigo.com'), (128, 'tbs', 'x')], False), ([(0, 'issue', 'sectigo.com'), (0, 'tbs', 'x')], True),
])
def test_caa_identifiers(sites, csr, records, passed):
    check = cname_validator(sites, csr, 'dcv.test', {'dcv.test': records}).check(
        'dcv.test', 'CNAME_CSR_HASH', csr, '', NOW)
    assert check.passed is passed, check.reason


def test_caa_is_read_up_the_tree_and_the_closest_set_decides(sites, csr):
    forbidding = {'dcv.test': [(0, 'issue', 'letsencrypt.org')]}
    check = cname_validator(sites, csr, 'a.b.dcv.test', forbidding).check(
        'a.b.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW)
    assert check == (False, 'CAA on dcv.test allows only letsencrypt.org (issue)')
    closer = dict(forbidding, **{'b.dcv.test': [(0, 'issue', 'sectigo.com')]})
    assert cname_validator(sites, csr, 'a.b.dcv.test', closer).check(
        'a.b.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW).passed


def test_issuewild_decides_for_wildcards_and_issue_for_the_rest(sites, csr):
    records = {'dcv.test': [(0, 'issue', 'sectigo.com'), (0, 'issuewild', 'letsencrypt.org')]}
    wildcard = cname_validator(sites, csr, '*.dcv.test', records).check('*.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW)
    assert wildcard == (False, 'CAA on dcv.test allows only letsencrypt.org (issuewild)')
    assert cname_validator(sites, csr, 'dcv.test', records).check('dcv.test', 'CNAME_CSR_HASH', csr, '', NOW).passed
    issue_only = {'dcv.test': [(0, 'issue', 'letsencrypt.org')]}
    check = cname_validator(sites, csr, '*.dcv.test', issue_only).check('*.dcv.test', 'CNAME_CSR_HASH', csr, '', NOW)
    assert check == (False, 'CAA on dcv.test allows only letsencrypt.org (issue)'), 'no issuewild: issue applies'


def test_an_unanswered_caa_query_is_no_permission(sites, csr):
    proof = dcv_instructions(csr, 'CNAME_CSR_HASH', 'dcv.test')
    check = validator(sites, cnames={proof.cname_name: proof.cname_target}, silent=['dcv.test']).check(
        'dcv.test', 'CNAME_CSR_HASH', csr, '', NOW)
    assert check == (False, 'DNS: the DNS server did not answer for dcv.test')


def test_email_waits_for_the_approver_and_ends_on_2028_03_15(sites, csr):
    checks = validator(sites)
    assert checks.check('dcv.test', 'EMAIL', csr, '', NOW) == (False, 'waiting for the approver to follow the emailed link')
    assert checks.check('dcv.test', 'EMAIL', csr, '', EMAIL_VALIDATION_ENDS_AT) == (
        False, 'email validation ended on 2028-03-15')
