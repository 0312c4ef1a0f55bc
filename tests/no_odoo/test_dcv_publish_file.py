"""The validation file written over SFTP on the installer's SSH session to the rig's real sshd, then
fetched over HTTP from the rig's real nginx as the CA fetches it, and removed afterwards."""
import errno
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

from comodo_client import build_csr, dcv_instructions, generate_private_key
from dcv_publish import (DocumentRootMissing, FileProof, FilePublisher, FileReceipt, FileTransferFailed,
                         PathOutsideDocumentRoot)
from deploy.ssh import SshSession
from webserver_rig import shared_rig
from webserver_rig.rig import write

@pytest.fixture
def site(document_root_sites):
    """(domain, document root) of a new site, its root holding the site's own page."""
    domain = 'site-%s.example.com' % uuid.uuid4().hex[:10]
    return domain, document_root_sites.add(domain, files={'/site.txt': domain})


@pytest.fixture
def session():
    values = shared_rig().target_values('nginx')
    with SshSession(values['host'], values['port'], values['user'], values['private_key_pem'],
                    values['host_fingerprint']) as ssh:
        yield ssh


def file_proof(domain, root, csr=None, unique_value=None):
    csr = csr or build_csr(generate_private_key(), [domain])
    return FileProof.from_instructions(dcv_instructions(csr, 'HTTP_CSR_HASH', domain, unique_value), root)


def mode(path):
    return os.stat(path).st_mode & 0o777


def test_publish_serves_the_exact_body_and_cleanup_removes_file_and_folders(document_root_sites, site, session):
    domain, root = site
    proof = file_proof(domain, root, unique_value='Order42')
    assert proof.file_name.startswith('/.well-known/pki-validation/') and proof.file_name.endswith('.txt')

    receipt = FilePublisher(session).publish(proof)

    answer = document_root_sites.fetch(domain, proof.file_name)
    assert answer.status_code == 200 and answer.text == proof.content
    assert proof.content.endswith('\nsectigo.com\nOrder42')
    assert receipt.path == root + proof.file_name and receipt.wrote_file
    assert receipt.created_folders == (root + '/.well-known', root + '/.well-known/pki-validation')
    assert mode(receipt.path) == 0o644
    assert [mode(folder) for folder in receipt.created_folders] == [0o755, 0o755]

    # The receipt survives a trip through JSON (the order keeps it until the CA has decided).
    FilePublisher(session).cleanup(FileReceipt.from_dict(receipt.to_dict()))

    assert document_root_sites.fetch(domain, proof.file_name).status_code == 404
    assert sorted(os.listdir(root)) == ['site.txt']


def test_folders_that_were_there_stay(site, session):
    domain, root = site
    validation_folder = os.path.join(root, '.well-known', 'pki-validation')
    os.makedirs(validation_folder)
    write(os.path.join(validation_folder, 'customer-own.txt'), 'kept')
    proof = file_proof(domain, root)

    receipt = FilePublisher(session).publish(proof)
    assert receipt.created_folders == ()
    FilePublisher(session).cleanup(receipt)

    assert os.listdir(validation_folder) == ['customer-own.txt']


def test_two_orders_for_one_name_keep_each_others_file(document_root_sites, site, session):
    domain, root = site
    first, second = file_proof(domain, root), file_proof(domain, root)
    assert first.file_name != second.file_name

    first_receipt = FilePublisher(session).publish(first)
    second_receipt = FilePublisher(session).publish(second)
    FilePublisher(session).cleanup(first_receipt)

    assert document_root_sites.fetch(domain, first.file_name).status_code == 404
    answer = document_root_sites.fetch(domain, second.file_name)
    assert answer.status_code == 200 and answer.text == second.content
    FilePublisher(session).cleanup(second_receipt)
    assert document_root_sites.fetch(domain, second.file_name).status_code == 404


def test_a_file_another_order_rewrote_is_not_removed(document_root_sites, site, session):
    """Same CSR, two orders (their uniqueValues differ): one file name, the later body wins, and the
    earlier order's cleanup leaves the later order's file alone."""
    domain, root = site
    csr = build_csr(generate_private_key(), [domain])
    earlier, later = file_proof(domain, root, csr, 'First1'), file_proof(domain, root, csr, 'Second2')
    assert earlier.file_name == later.file_name and earlier.content != later.content

    earlier_receipt = FilePublisher(session).publish(earlier)
    later_receipt = FilePublisher(session).publish(later)
    FilePublisher(session).cleanup(earlier_receipt)

    answer = document_root_sites.fetch(domain, later.file_name)
    assert answer.status_code == 200 and answer.text == later.content
    FilePublisher(session).cleanup(later_receipt)
    assert document_root_sites.fetch(domain, later.file_name).status_code == 404


def test_the_same_file_already_there_is_left_to_whoever_wrote_it(document_root_sites, site, session):
    domain, root = site
    proof = file_proof(domain, root)
    owner = FilePublisher(session).publish(proof)

    again = FilePublisher(session).publish(proof)
    assert again.wrote_file is False and again.created_folders == ()
    FilePublisher(session).cleanup(again)
    assert document_root_sites.fetch(domain, proof.file_name).text == proof.content
    FilePublisher(session).cleanup(owner)
    assert document_root_sites.fetch(domain, proof.file_name).status_code == 404


def test_cleanup_twice_changes_nothing_more(site, session):
    domain, root = site
    receipt = FilePublisher(session).publish(file_proof(domain, root))
    FilePublisher(session).cleanup(receipt)
    FilePublisher(session).cleanup(receipt)
    assert sorted(os.listdir(root)) == ['site.txt']


def test_path_escaping_the_document_root_is_refused(site, session):
    domain, root = site
    escaping = FileProof(root, '/.well-known/../../escaped.txt', 'x')
    with pytest.raises(PathOutsideDocumentRoot) as raised:
        FilePublisher(session).publish(escaping)
    assert raised.value.message == '/.well-known/../../escaped.txt is outside the document root %s.' % root
    assert not os.path.exists(os.path.join(os.path.dirname(root), 'escaped.txt'))


def test_symlink_out_of_the_document_root_is_refused(site, session):
    domain, root = site
    outside = tempfile.mkdtemp(prefix='comodo-outside-')
    try:
        os.symlink(outside, os.path.join(root, '.well-known'))
        with pytest.raises(PathOutsideDocumentRoot) as raised:
            FilePublisher(session).publish(file_proof(domain, root))
        assert raised.value.message == '%s/.well-known leads outside the document root %s.' % (root, root)
        assert os.listdir(outside) == []
    finally:
        shutil.rmtree(outside)


def test_missing_document_root_is_said(site, session):
    domain, root = site
    with pytest.raises(DocumentRootMissing) as raised:
        FilePublisher(session).publish(file_proof(domain, root + '/missing'))
    assert raised.value.message == 'The document root %s/missing is not a folder on 127.0.0.1.' % root
    with pytest.raises(DocumentRootMissing):
        FilePublisher(session).publish(file_proof(domain, 'relative/root'))


def test_a_file_that_is_not_text_is_replaced_and_then_removed(document_root_sites, site, session):
    domain, root = site
    proof = file_proof(domain, root)
    os.makedirs(os.path.dirname(root + proof.file_name))
    with open(root + proof.file_name, 'wb') as handle:
        handle.write(b'\xff\xfe not a proof')

    receipt = FilePublisher(session).publish(proof)
    assert receipt.wrote_file and document_root_sites.fetch(domain, proof.file_name).text == proof.content
    FilePublisher(session).cleanup(receipt)
    assert not os.path.exists(root + proof.file_name)


def test_a_folder_sftp_cannot_make_is_said(site, session):
    """A file where the validation folder should be: SFTP cannot make the folder."""
    domain, root = site
    os.mkdir(os.path.join(root, '.well-known'))
    write(os.path.join(root, '.well-known', 'pki-validation'), 'a file, not a folder')

    with pytest.raises(FileTransferFailed) as raised:
        FilePublisher(session).publish(file_proof(domain, root))

    assert raised.value.message.startswith('Could not write %s/.well-known/pki-validation/' % root)
    assert raised.value.transient
    assert os.listdir(os.path.join(root, '.well-known')) == ['pki-validation']


def test_a_write_that_fails_removes_the_folders_it_made(site, session, monkeypatch):
    """A full disk (which the rig cannot have) stands in for any failure after the folders."""
    domain, root = site

    def disk_full(path, text, mode):
        raise IOError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(session, 'write_file_atomically', disk_full)

    with pytest.raises(FileTransferFailed) as raised:
        FilePublisher(session).publish(file_proof(domain, root))

    assert raised.value.message.endswith('No space left on device.')
    assert sorted(os.listdir(root)) == ['site.txt']


def test_a_permission_the_ssh_user_lacks_is_not_transient(site, session):
    """An immutable document root (the rig's SSH user is root, whom plain modes do not stop)."""
    domain, root = site
    if subprocess.run(['chattr', '+i', root], stderr=subprocess.DEVNULL).returncode:
        pytest.skip('this filesystem has no immutable flag')
    try:
        with pytest.raises(FileTransferFailed) as raised:
            FilePublisher(session).publish(file_proof(domain, root))
    finally:
        subprocess.run(['chattr', '-i', root], check=True)

    assert 'Permission denied' in raised.value.message
    assert not raised.value.transient


@pytest.mark.parametrize('method', ['EMAIL', 'CNAME_CSR_HASH'])
def test_instructions_of_another_method_make_no_file_proof(method):
    csr = build_csr(generate_private_key(), ['www.example.test'])
    with pytest.raises(ValueError, match='%s validation has no file to publish' % method):
        FileProof.from_instructions(dcv_instructions(csr, method, 'www.example.test'), '/srv/www')
