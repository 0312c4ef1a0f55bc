"""The pre-flight against the rig's bind9 (records set per test) and the rig's nginx serving real
document roots over plain HTTP (the CA's ports 80 and 443 mapped to the rig's ports)."""
import socket
import time
import uuid

import pytest

from comodo_client import build_csr, dcv_instructions, generate_private_key
from dcv_preflight import CAA, CNAME, DNS_SERVER, DNSSEC, FILE, RESOLVES, PreflightConfig, preflight
from dcv_preflight import results
from dns_rig.rig import BROKEN_ZONE, INSECURE_ZONE, SIGNED_PARENT, SIGNED_ZONE
from webserver_rig.rig import LOOPBACK, free_port

A_YEAR = 366 * 24 * 3600


@pytest.fixture(scope='module')
def http_sites(document_root_sites):
    """A document root per name on the rig's nginx, its ports standing for 80 and 443."""
    return document_root_sites


@pytest.fixture(scope='module')
def csr_pem():
    return build_csr(generate_private_key(), ['preflight.example.test'])


@pytest.fixture
def config(dns_rig, http_sites):
    return PreflightConfig(dns_rig.host, dns_rig.port, dns_timeout=2, http_timeout=5,
                           trust_anchors={SIGNED_PARENT: list(dns_rig.trust_anchor())},
                           http_ports=http_sites.port_map)


@pytest.fixture
def names(dns_rig):
    """names(zone) makes a fresh name there; every record at each name made is deleted afterwards."""
    made = []

    def make(zone='example.test', prefix=''):
        name = prefix + dns_rig.new_name(zone)
        made.append(name)
        return name

    yield make
    for name in made:
        for owner in (name, 'www.' + name, 'sub.' + name):
            dns_rig.delete_name(owner)


def file_proof(csr_pem, name):
    return dcv_instructions(csr_pem, 'HTTP_CSR_HASH', name)


def cname_proof(csr_pem, name):
    return dcv_instructions(csr_pem, 'CNAME_CSR_HASH', name)


def only(result, check):
    [found] = [item for item in result.checks if item.check == check]
    return found


def failures(result):
    return [(item.check, item.code, item.sentence) for item in result.failures]


# -- file -----------------------------------------------------------------------------------------

def test_file_served_passes_every_check(csr_pem, dns_rig, http_sites, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = file_proof(csr_pem, name)
    http_sites.add(name, {proof.file_name: proof.file_content})
    result = preflight(name, proof, config=config)
    assert result.ok, failures(result)
    assert [(item.check, item.code) for item in result.checks] == [
        (RESOLVES, results.OK), (FILE, results.OK), (CAA, results.OK),
        (DNSSEC, results.DNSSEC_NOT_CHECKED)]
    assert only(result, FILE).sentence == '%s serves the validation file' % proof.file_urls[0]


def test_a_redirect_on_the_file_url_fails(csr_pem, dns_rig, http_sites, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = file_proof(csr_pem, name)
    http_sites.add(name, {proof.file_name: proof.file_content}, redirects=['/.well-known/'])
    url = proof.file_urls[0]
    assert failures(preflight(name, proof, config=config)) == [(
        FILE, results.FILE_REDIRECT, '%s answers 301 to https://%s%s: Sectigo does not follow redirects'
        % (url, name, proof.file_name))]


def test_a_wrong_body_fails(csr_pem, dns_rig, http_sites, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = file_proof(csr_pem, name)
    # The file of another CSR: the right name pattern, the wrong hashes.
    other = file_proof(build_csr(generate_private_key(), [name]), name)
    http_sites.add(name, {proof.file_name: other.file_content})
    assert failures(preflight(name, proof, config=config)) == [(
        FILE, results.FILE_WRONG_BODY,
        '%s answers 200 but not with the expected validation text' % proof.file_urls[0])]


def test_a_final_newline_is_forgiven(csr_pem, dns_rig, http_sites, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = file_proof(csr_pem, name)
    http_sites.add(name, {proof.file_name: proof.file_content.replace('\n', '\r\n') + '\r\n'})
    assert preflight(name, proof, config=config).ok


def test_a_missing_file_fails(csr_pem, dns_rig, http_sites, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = file_proof(csr_pem, name)
    http_sites.add(name, {})
    assert failures(preflight(name, proof, config=config)) == [(
        FILE, results.FILE_STATUS, '%s answers 404 instead of 200' % proof.file_urls[0])]


def test_nothing_listening_on_the_web_port_fails(csr_pem, dns_rig, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = file_proof(csr_pem, name)
    config.http_ports[80] = free_port()
    assert failures(preflight(name, proof, config=config)) == [(
        FILE, results.FILE_UNREACHABLE,
        '%s cannot be fetched: nothing listens on port 80 of 127.0.0.1' % proof.file_urls[0])]


def test_a_web_server_that_never_answers_fails_after_the_time_out(csr_pem, dns_rig, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = file_proof(csr_pem, name)
    with socket.socket() as silent:
        # Connections are accepted (by the kernel) and never answered.
        silent.bind((LOOPBACK, 0))
        silent.listen(4)
        config.http_ports[80] = silent.getsockname()[1]
        config.http_timeout = 0.5
        assert failures(preflight(name, proof, config=config)) == [(
            FILE, results.FILE_UNREACHABLE,
            '%s does not answer within 0.5 seconds' % proof.file_urls[0])]


def test_https_is_fetched_with_the_name_sent_for_sni(csr_pem, dns_rig, webservers, names, config):
    name = names()
    dns_rig.set_address(name)
    # The rig's TLS site for the name answers its own name to every path, not the validation text.
    webservers.add_site(name)
    config.http_ports[443] = webservers.nginx_port
    proof = dcv_instructions(csr_pem, 'HTTPS_CSR_HASH', name)
    assert failures(preflight(name, proof, config=config)) == [(
        FILE, results.FILE_WRONG_BODY,
        '%s answers 200 but not with the expected validation text' % proof.file_urls[0])]
    assert proof.file_urls[0].startswith('https://%s/' % name)


def test_the_bare_name_served_but_not_www_fails_for_www(csr_pem, dns_rig, http_sites, names, config):
    name = names()
    www = 'www.' + name
    dns_rig.set_address(name)
    dns_rig.set_address(www)
    proof = file_proof(csr_pem, name)
    http_sites.add(name, {proof.file_name: proof.file_content})
    http_sites.add(www, {})
    assert preflight(name, proof, config=config).ok
    result = preflight(name, proof, covers_sibling=True, config=config)
    assert failures(result) == [(
        FILE, results.FILE_STATUS,
        'http://%s%s answers 404 instead of 200' % (www, proof.file_name))]
    assert [item.name for item in result.checks if item.check == FILE and item.ok] == [name]


def test_a_name_that_does_not_resolve_fails_before_any_fetch(csr_pem, names, config):
    name = names()
    result = preflight(name, file_proof(csr_pem, name), config=config)
    assert failures(result) == [(RESOLVES, results.NAME_NOT_FOUND, '%s does not exist in DNS' % name)]
    assert FILE not in [item.check for item in result.checks]


def test_a_name_without_address_fails(csr_pem, dns_rig, names, config):
    name = names()
    dns_rig.set_caa(name, '0 issue "sectigo.com"')
    assert failures(preflight(name, file_proof(csr_pem, name), config=config)) == [
        (RESOLVES, results.NAME_WITHOUT_ADDRESS, '%s has no A or AAAA record' % name)]


# -- CNAME ----------------------------------------------------------------------------------------

def test_the_expected_cname_passes(csr_pem, dns_rig, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = cname_proof(csr_pem, name)
    dns_rig.set_records(proof.cname_name, 'CNAME', [proof.cname_target + '.'])
    try:
        result = preflight(name, proof, config=config)
    finally:
        dns_rig.delete_name(proof.cname_name)
    assert result.ok, failures(result)
    assert only(result, CNAME).sentence == '%s points to %s' % (proof.cname_name, proof.cname_target)


def test_a_cname_to_another_target_fails(csr_pem, dns_rig, names, config):
    name = names()
    dns_rig.set_address(name)
    proof = cname_proof(csr_pem, name)
    stale = cname_proof(build_csr(generate_private_key(), [name]), name).cname_target
    dns_rig.set_records(proof.cname_name, 'CNAME', [stale + '.'])
    try:
        result = preflight(name, proof, config=config)
    finally:
        dns_rig.delete_name(proof.cname_name)
    assert failures(result) == [(CNAME, results.CNAME_WRONG_TARGET, '%s points to %s instead of %s'
                                 % (proof.cname_name, stale, proof.cname_target))]


def test_a_missing_cname_fails(csr_pem, dns_rig, names, config):
    name = names(prefix='www.')
    dns_rig.set_address(name)
    proof = cname_proof(csr_pem, name)
    assert failures(preflight(name, proof, config=config)) == [
        (CNAME, results.CNAME_MISSING, '%s has no CNAME record' % proof.cname_name)]


def test_a_cname_on_www_does_not_serve_the_bare_name(csr_pem, dns_rig, names, config):
    bare = names()
    www = 'www.' + bare
    dns_rig.set_address(www)
    dns_rig.set_address(bare)
    proof = cname_proof(csr_pem, www)
    dns_rig.set_records(proof.cname_name, 'CNAME', [proof.cname_target + '.'])
    try:
        result = preflight(www, proof, covers_sibling=True, config=config)
    finally:
        dns_rig.delete_name(proof.cname_name)
    # The CA climbs from a name to its parents, never down to www.
    bare_record = proof.cname_name.replace(www, bare)
    assert failures(result) == [(CNAME, results.CNAME_MISSING, '%s has no CNAME record' % bare_record)]


def test_a_wildcard_by_cname_checks_its_base_name(csr_pem, dns_rig, names, config):
    base = names()
    dns_rig.set_address(base)
    proof = cname_proof(csr_pem, '*.' + base)
    dns_rig.set_records(proof.cname_name, 'CNAME', [proof.cname_target + '.'])
    try:
        result = preflight('*.' + base, proof, covers_sibling=True, config=config)
    finally:
        dns_rig.delete_name(proof.cname_name)
    assert result.ok, failures(result)
    # One record serves the wildcard and its base name.
    assert [item.name for item in result.checks if item.check == CNAME] == [proof.cname_name]


# -- CAA ------------------------------------------------------------------------------------------

def test_no_caa_up_to_the_zones_the_server_holds_passes(csr_pem, dns_rig, names, config):
    name = names()
    dns_rig.set_address(name)
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), CAA)
    assert (check.ok, check.sentence) == (True, (
        'no CAA record restricts %s up to example.test (the DNS server %s:%s does not answer for '
        'test)' % (name, dns_rig.host, dns_rig.port)))


@pytest.mark.parametrize('records', [
    ['0 issue "sectigo.com"'],
    ['0 issue "letsencrypt.org"', '0 issue "comodoca.com"'],
    ['0 issue "usertrust.com; accounturi=https://example.test/1"'],
    ['0 iodef "mailto:security@example.test"'],
])
def test_caa_allowing_sectigo_passes(csr_pem, dns_rig, names, config, records):
    name = names()
    dns_rig.set_address(name)
    dns_rig.set_caa(name, *records)
    assert only(preflight(name, cname_proof(csr_pem, name), config=config), CAA).ok


@pytest.mark.parametrize('records, cause', [
    (['0 issue "letsencrypt.org"'], 'allows only letsencrypt.org'),
    (['0 issue "letsencrypt.org"', '0 issue "pki.goog"'], 'allows only letsencrypt.org and pki.goog'),
    (['0 issue ";"'], 'forbids every CA to issue certificates'),
])
def test_caa_forbidding_sectigo_fails(csr_pem, dns_rig, names, config, records, cause):
    name = names()
    dns_rig.set_address(name)
    dns_rig.set_caa(name, *records)
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), CAA)
    assert (check.ok, check.code, check.sentence) == (
        False, results.CAA_FORBIDS, 'CAA on %s %s' % (name, cause))


def test_caa_with_an_unknown_critical_property_fails(csr_pem, dns_rig, names, config):
    name = names()
    dns_rig.set_address(name)
    dns_rig.set_caa(name, '0 issue "sectigo.com"', '128 tbs "unknown"')
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), CAA)
    assert (check.code, check.sentence) == (results.CAA_CRITICAL_UNKNOWN, (
        'CAA on %s has the critical property "tbs", which no CA knows, so it forbids every '
        'certificate' % name))


def test_issuewild_decides_for_a_wildcard_and_issue_for_its_base(csr_pem, dns_rig, names, config):
    base = names()
    dns_rig.set_address(base)
    dns_rig.set_caa(base, '0 issue "sectigo.com"', '0 issuewild "letsencrypt.org"')
    wildcard = preflight('*.' + base, cname_proof(csr_pem, '*.' + base), covers_sibling=True,
                         config=config)
    caa = [(item.name, item.ok, item.sentence) for item in wildcard.checks if item.check == CAA]
    assert caa == [
        (base, False, 'CAA on %s allows only letsencrypt.org to issue wildcard certificates '
                      '(issuewild)' % base),
        (base, True, 'CAA on %s allows Sectigo' % base)]


def test_issue_alone_also_decides_for_a_wildcard(csr_pem, dns_rig, names, config):
    base = names()
    dns_rig.set_address(base)
    dns_rig.set_caa(base, '0 issue "letsencrypt.org"')
    check = only(preflight('*.' + base, cname_proof(csr_pem, '*.' + base), config=config), CAA)
    assert check.sentence == 'CAA on %s allows only letsencrypt.org' % base


def test_caa_found_on_a_parent_decides(csr_pem, dns_rig, names, config):
    parent = names()
    name = 'sub.' + parent
    dns_rig.set_address(name)
    dns_rig.set_caa(parent, '0 issue "letsencrypt.org"')
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), CAA)
    assert (check.name, check.ok, check.sentence) == (
        name, False, 'CAA on %s allows only letsencrypt.org' % parent)
    # The nearest CAA record set wins: one on the name itself overrides its parent's.
    dns_rig.set_caa(name, '0 issue "sectigo.com"')
    assert only(preflight(name, cname_proof(csr_pem, name), config=config), CAA).ok


# -- DNSSEC ---------------------------------------------------------------------------------------

def test_a_valid_dnssec_chain_passes(csr_pem, dns_rig, names, config):
    name = names(SIGNED_ZONE)
    dns_rig.set_address(name)
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), DNSSEC)
    assert (check.ok, check.code, check.sentence) == (
        True, results.OK, 'the DNSSEC chain of %s validates' % name)


def test_a_stale_ds_breaks_the_chain(csr_pem, dns_rig, names, config):
    name = names(BROKEN_ZONE)
    dns_rig.set_address(name)
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), DNSSEC)
    assert (check.ok, check.code, check.sentence) == (
        False, results.DNSSEC_STALE_DS,
        'the DNSSEC chain of %s is broken: the DS record in %s matches none of the keys of %s '
        '(a stale DS record)' % (name, SIGNED_PARENT, BROKEN_ZONE))


def test_expired_signatures_break_the_chain(csr_pem, dns_rig, names, config):
    name = names(SIGNED_ZONE)
    dns_rig.set_address(name)
    # The rig's signatures, judged a year from now: expired, as in a zone nobody re-signs.
    check = only(preflight(name, cname_proof(csr_pem, name), config=config,
                           now=time.time() + A_YEAR), DNSSEC)
    assert (check.ok, check.code) == (False, results.DNSSEC_EXPIRED)
    assert check.sentence.startswith('the DNSSEC chain of %s is broken: the signature on the DNSKEY '
                                     'set of %s expired on ' % (name, SIGNED_PARENT))


def test_a_trust_anchor_matching_no_key_breaks_the_chain(csr_pem, dns_rig, names, config):
    name = names(SIGNED_ZONE)
    dns_rig.set_address(name)
    config = PreflightConfig(dns_rig.host, dns_rig.port, trust_anchors={
        SIGNED_PARENT: list(dns_rig.trust_anchor()),
        SIGNED_ZONE: [dns_rig.records(BROKEN_ZONE, 'DNSKEY')[0]]})
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), DNSSEC)
    assert (check.code, check.sentence) == (
        results.DNSSEC_STALE_DS, 'the DNSSEC chain of %s is broken: the trust anchor matches none '
        'of the keys of %s (a stale DS record)' % (name, SIGNED_ZONE))


def test_a_dns_server_failing_a_dnssec_lookup_breaks_the_chain(csr_pem, dns_rig, names):
    name = names()
    dns_rig.set_address(name)
    # An anchor for the top-level domain, which the rig's server does not hold (and refuses).
    config = PreflightConfig(dns_rig.host, dns_rig.port, trust_anchors={
        'test': list(dns_rig.trust_anchor())})
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), DNSSEC)
    assert (check.ok, check.code, check.sentence) == (
        False, results.DNS_SERVER_FAILURE, 'the DNSSEC chain of %s is broken: the DNS server %s:%s '
        'answers REFUSED for the DNSKEY records of test' % (name, dns_rig.host, dns_rig.port))


def test_an_unsigned_zone_under_a_signed_parent_passes(csr_pem, dns_rig, names, config):
    name = names(INSECURE_ZONE)
    dns_rig.set_address(name)
    check = only(preflight(name, cname_proof(csr_pem, name), config=config), DNSSEC)
    assert (check.ok, check.code) == (True, results.DNSSEC_NOT_SIGNED)


def test_an_invalid_name_is_said_without_asking_anyone(csr_pem, config):
    config.dns_port = free_port()  # nothing listens: asking would be a second failure
    result = preflight('www..example.test', cname_proof(csr_pem, 'www.example.test'), config=config)
    assert failures(result) == [(RESOLVES, results.INVALID_NAME,
                                 'www..example.test is not a valid DNS name')]


def test_a_trust_anchor_that_is_no_record_is_refused():
    with pytest.raises(ValueError) as refused:
        PreflightConfig(trust_anchors={'example.test': ['not a key']})
    assert str(refused.value) == (
        "The trust anchor 'not a key' for example.test is neither a DS nor a DNSKEY record.")


# -- the DNS server -------------------------------------------------------------------------------

def test_a_dns_server_that_does_not_answer_is_said_once(csr_pem, config):
    silent_port = free_port()
    config.dns_port = silent_port
    config.dns_timeout = 0.5
    name = 'www.%s.example.test' % uuid.uuid4().hex[:8]
    result = preflight(name, file_proof(csr_pem, name), covers_sibling=True, config=config)
    assert failures(result) == [(DNS_SERVER, results.DNS_SERVER_SILENT,
                                 'the DNS server 127.0.0.1:%s does not answer' % silent_port)]
    assert len(result.checks) == 1


def test_a_dns_server_refusing_the_name_is_said(csr_pem, dns_rig, config):
    name = 'www.elsewhere.invalid'
    result = preflight(name, cname_proof(csr_pem, name), config=config)
    assert failures(result)[0] == (RESOLVES, results.DNS_SERVER_FAILURE,
                                   'the DNS server %s:%s answers REFUSED for %s'
                                   % (dns_rig.host, dns_rig.port, name))
    assert only(result, CAA).code == results.DNS_SERVER_FAILURE
