"""webserver_rig's document-root sites: what the validation tests (and the demo) rely on from the
rig's real nginx."""
import os
import shutil
import tempfile
import uuid

import pytest

from webserver_rig import DocumentRootSites


def new_domain():
    return 'root-%s.example.test' % uuid.uuid4().hex[:10]


@pytest.mark.parametrize('scheme', ['http', 'https'])
def test_a_site_serves_its_files_on_its_port_and_other_names_get_404(document_root_sites, scheme):
    domain, other = new_domain(), new_domain()
    root = document_root_sites.add(domain, files={'/.well-known/pki-validation/proof.txt': 'proof'})
    document_root_sites.add(other)

    answer = document_root_sites.fetch(domain, '/.well-known/pki-validation/proof.txt', scheme)
    assert (answer.status_code, answer.text) == (200, 'proof')
    assert answer.headers['Content-Type'] == 'text/plain'
    assert document_root_sites.fetch(other, '/.well-known/pki-validation/proof.txt', scheme).status_code == 404
    assert document_root_sites.fetch('unknown.example.test', '/', scheme).status_code == 404
    assert os.stat(root + '/.well-known/pki-validation').st_mode & 0o777 == 0o755


def test_https_presents_the_domains_certificate_from_the_rigs_folder(document_root_sites, webservers):
    """The pair of the name's SNI site (which an installer replaces) in the customer's subfolder."""
    domain = new_domain()
    webservers.add_site(domain, 'customer-1')
    document_root_sites.add(domain, subfolder='customer-1')
    assert webservers.served_sha256('nginx', domain, document_root_sites.https_port) == \
        webservers.served_sha256('nginx', domain)


def test_a_name_without_a_pair_gets_a_self_signed_one(document_root_sites, webservers):
    domain = new_domain()
    document_root_sites.add(domain)
    assert webservers.read('nginx', domain + '.fullchain.pem').startswith('-----BEGIN CERTIFICATE-----')
    assert document_root_sites.fetch(domain, '/', 'https').headers['X-Rig-Site'] == domain


def test_a_redirected_prefix_answers_301_to_https_and_the_rest_is_served(document_root_sites):
    domain = new_domain()
    document_root_sites.add(domain, files={'/.well-known/a.txt': 'a', '/b.txt': 'b'}, redirects=['/.well-known/'])
    moved = document_root_sites.fetch(domain, '/.well-known/a.txt')
    assert (moved.status_code, moved.headers['Location']) == (301, 'https://%s/.well-known/a.txt' % domain)
    assert document_root_sites.fetch(domain, '/b.txt').text == 'b'


def test_a_removed_site_answers_404_and_keeps_its_files(document_root_sites):
    domain = new_domain()
    root = document_root_sites.add(domain, files={'/kept.txt': 'kept'})
    document_root_sites.publish(domain, '/later.txt', 'later')
    assert document_root_sites.fetch(domain, '/later.txt', 'https').text == 'later'

    document_root_sites.remove(domain)

    for scheme in ('http', 'https'):
        assert document_root_sites.fetch(domain, '/kept.txt', scheme).status_code == 404
    assert sorted(os.listdir(root)) == ['kept.txt', 'later.txt']


def test_given_ports_and_document_root_and_close_takes_everything_away(webservers):
    """As the demo uses it: the customer's own document root (its folders readable by nginx's
    workers), which close keeps."""
    customer = tempfile.mkdtemp(prefix='comodo-customer-')
    os.chmod(customer, 0o755)
    try:
        root, domain = os.path.join(customer, 'htdocs', 'www'), new_domain()
        sites = DocumentRootSites(webservers, folder=os.path.join(customer, 'roots'))
        assert sites.port_map == {80: sites.http_port, 443: sites.https_port}
        assert sites.port_map_option == '80=%d,443=%d' % (sites.http_port, sites.https_port)
        assert sites.add(domain, {'/index.html': 'home'}, document_root=root) == root
        assert sites.fetch(domain, '/index.html').text == 'home'

        sites.close()

        assert not [name for name in os.listdir(webservers.path('nginx', 'sites'))
                    if name.startswith('document-root-%d-' % sites.http_port)]
        assert os.listdir(root) == ['index.html']
    finally:
        shutil.rmtree(customer)
