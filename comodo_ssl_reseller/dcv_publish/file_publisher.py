"""The validation file, written over SFTP on the SSH session the installer uses (deploy.ssh)."""
import errno
import hashlib
import posixpath
import socket

import paramiko

from .errors import DocumentRootMissing, FileTransferFailed, PathOutsideDocumentRoot
from .proofs import FileReceipt

# The web server's workers run as another user than the SSH user: they must read both.
FOLDER_MODE = 0o755
FILE_MODE = 0o644
# What SFTP raises when a transfer fails: the server's refusal, or the connection breaking.
TRANSFER_ERRORS = (IOError, socket.error, paramiko.SSHException, EOFError)


def content_sha256(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def transfer_failed(message, error):
    failure = FileTransferFailed(message)
    failure.transient = getattr(error, 'errno', None) not in (errno.EACCES, errno.EPERM)
    return failure


def is_within(path, folder):
    return path == folder or path.startswith(folder.rstrip('/') + '/')


class FilePublisher(object):
    """`publish(FileProof) -> FileReceipt`, `cleanup(FileReceipt)`, on `session`: an open
    deploy.ssh.SshSession (the host key already pinned and checked)."""

    def __init__(self, session):
        self.session = session

    @property
    def sftp(self):
        return self.session.sftp

    def publish(self, proof):
        """Writes the proof's file, creating only the folders that are missing; a file already
        holding exactly this content is left as it is (and left to whoever wrote it)."""
        path = proof.file_name
        created = []
        try:
            root = self._real_document_root(proof.document_root)
            path = self._path_in(root, proof.file_name)
            self._make_folders(root, posixpath.dirname(path), created)
            wrote = self._current_content(path) != proof.content
            if wrote:
                self.session.write_file_atomically(path, proof.content, FILE_MODE)
        except TRANSFER_ERRORS as error:
            self._undo_folders(created)
            raise transfer_failed('Could not write %s on %s: %s.' % (path, self.session.host, error), error)
        except PathOutsideDocumentRoot:
            self._undo_folders(created)
            raise
        return FileReceipt(path, content_sha256(proof.content), wrote, tuple(created))

    def cleanup(self, receipt):
        """Removes the file while it still holds what was written (another order may have written
        its own proof there since), then the folders the publication created, innermost first,
        while they are empty."""
        try:
            if receipt.wrote_file:
                current = self._current_content(receipt.path)
                if current is not None and content_sha256(current) == receipt.content_sha256:
                    self.sftp.remove(receipt.path)
            self._remove_empty_folders(receipt.created_folders)
        except TRANSFER_ERRORS as error:
            raise transfer_failed('Could not remove %s on %s: %s.' % (receipt.path, self.session.host, error), error)

    def _current_content(self, path):
        """The file's text; None when there is none, or when it is not text (so not a proof)."""
        try:
            return self.session.read_file(path)
        except UnicodeDecodeError:
            return None

    # -- paths ------------------------------------------------------------------------------------
    def _real_document_root(self, document_root):
        """The document root with every symlink resolved, as the server sees it."""
        if not document_root or not posixpath.isabs(document_root):
            raise DocumentRootMissing('The document root %r is not an absolute folder path.' % (document_root,))
        if not self.session.is_folder(document_root):
            raise DocumentRootMissing('The document root %s is not a folder on %s.' % (document_root, self.session.host))
        return self._real_path(document_root)

    def _path_in(self, root, file_name):
        path = posixpath.normpath(posixpath.join(root, file_name.lstrip('/')))
        if not is_within(posixpath.dirname(path), root) or path == root:
            raise PathOutsideDocumentRoot('%s is outside the document root %s.' % (file_name, root))
        return path

    def _undo_folders(self, created):
        try:
            self._remove_empty_folders(created)
        except TRANSFER_ERRORS:
            pass  # the connection broke: the error being raised already says so

    def _remove_empty_folders(self, folders):
        """`folders` (outermost first) from the innermost out, up to the first that is not empty
        (it holds another publication's file: it and its parents stay)."""
        for folder in reversed(folders):
            if not self.session.is_folder(folder):
                continue  # removed already, by an earlier cleanup
            if self.sftp.listdir(folder):
                return
            self.sftp.rmdir(folder)

    def _make_folders(self, root, folder, created):
        """Every folder from `root` down to `folder`: existing ones must resolve inside `root` (no
        symlink out of it); missing ones are made and appended to `created`, outermost first."""
        current = root
        for part in posixpath.relpath(folder, root).split('/'):
            if part == '.':
                continue
            current = posixpath.join(current, part)
            if self.session.is_folder(current):
                if not is_within(self._real_path(current), root):
                    raise PathOutsideDocumentRoot('%s leads outside the document root %s.' % (current, root))
            else:
                self.sftp.mkdir(current, FOLDER_MODE)
                created.append(current)
                self.sftp.chmod(current, FOLDER_MODE)  # mkdir's mode passes through the server's umask

    def _real_path(self, path):
        try:
            return self.sftp.normalize(path)
        except TRANSFER_ERRORS as error:
            raise transfer_failed('Could not resolve %s on %s: %s.' % (path, self.session.host, error), error)
