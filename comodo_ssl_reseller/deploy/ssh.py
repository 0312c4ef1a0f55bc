"""One SSH connection to a deployment target: the host key pinned, commands run, files written
atomically. paramiko, no `ssh` subprocess, no agent, no ~/.ssh.

No connection logs in without a pinned host key: `fetch_host_key` reads the server's key without
logging in, for a person to confirm."""
import base64
import hashlib
import io
import posixpath
import socket
import stat
import uuid

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .errors import DeployError, HostKeyMismatch, HostKeyNotPinned, TargetUnreachable

CONNECT_TIMEOUT = 10
COMMAND_TIMEOUT = 60
# The largest answer kept from one command: enough for any config test, never a runaway log.
OUTPUT_LIMIT = 20000
# Where a file is written before it is renamed into place: the SSH user's alone.
PRIVATE_FOLDER_MODE = 0o700


def load_private_key(private_key_pem):
    """A paramiko key from PEM/OpenSSH text (RSA, ECDSA or Ed25519), never echoing the key."""
    for key_class in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return key_class.from_private_key(io.StringIO(private_key_pem))
        except (paramiko.SSHException, ValueError):
            continue  # not this type: try the next (the error text could quote the key)
    raise DeployError('preflight', 'the SSH private key is not an unencrypted RSA, ECDSA or Ed25519 key')


def host_key_fingerprint(key):
    """OpenSSH's form: SHA256:<base64 without padding>."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return 'SHA256:' + base64.b64encode(digest).decode('ascii').rstrip('=')


def key_type(key):
    """The key's type as ssh-keygen -l names it: ED25519, ECDSA, RSA."""
    name = key.get_name()
    return {'ssh-ed25519': 'ED25519', 'ssh-rsa': 'RSA'}.get(name, 'ECDSA' if name.startswith('ecdsa') else name)


def describe_private_key(private_key_pem):
    """(type, SHA256 fingerprint, OpenSSH public key line) of a private key, for showing it
    without the key itself and for the server's authorized_keys."""
    key = load_private_key(private_key_pem)
    return key_type(key), host_key_fingerprint(key), '%s %s' % (key.get_name(), key.get_base64())


def generate_private_key():
    """A new Ed25519 private key in OpenSSH format."""
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption()).decode('ascii')


def fetch_host_key(host, port, timeout=CONNECT_TIMEOUT):
    """(type, SHA256 fingerprint) of the server's SSH host key, read by the key exchange alone:
    no login is attempted and nothing of ours is sent. Raises TargetUnreachable."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.error as error:
        raise TargetUnreachable('preflight', 'cannot reach %s:%s over SSH: %s' % (host, port, error))
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
    except (socket.error, paramiko.SSHException, EOFError) as error:
        raise TargetUnreachable('preflight', 'no SSH host key from %s:%s: %s' % (
            host, port, error or type(error).__name__))
    finally:
        transport.close()
    return key_type(key), host_key_fingerprint(key)


class _PinnedHostKey(paramiko.MissingHostKeyPolicy):
    """Accepts the server's key only if it matches the pinned fingerprint."""

    def __init__(self, pinned_fingerprint):
        self.pinned_fingerprint = pinned_fingerprint
        self.seen_fingerprint = None

    def missing_host_key(self, client, hostname, key):
        self.seen_fingerprint = host_key_fingerprint(key)
        if self.seen_fingerprint != self.pinned_fingerprint:
            raise HostKeyMismatch(
                'preflight', 'the server at %s presented host key %s, not the pinned %s: refused, '
                'nothing was sent' % (hostname, self.seen_fingerprint, self.pinned_fingerprint))


class SshSession(object):
    """`with SshSession(...) as session:` connects; `host_fingerprint` is what the server showed."""

    def __init__(self, host, port, user, private_key_pem, pinned_fingerprint=None,
                 timeout=CONNECT_TIMEOUT):
        self.host = host
        self.port = port
        self.user = user
        self._private_key_pem = private_key_pem
        self._policy = _PinnedHostKey(pinned_fingerprint)
        self.timeout = timeout
        self._client = None
        self._sftp = None

    @property
    def host_fingerprint(self):
        return self._policy.seen_fingerprint

    def __enter__(self):
        if not self._policy.pinned_fingerprint:
            raise HostKeyNotPinned(
                'preflight', 'no SSH host key is pinned for %s:%s: refused before connecting. Fetch the '
                'host key on the web server\'s form and pin it once its fingerprint is confirmed'
                % (self.host, self.port))
        key = load_private_key(self._private_key_pem)
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(self._policy)
        try:
            client.connect(self.host, port=self.port, username=self.user, pkey=key,
                           timeout=self.timeout, banner_timeout=self.timeout, auth_timeout=self.timeout,
                           allow_agent=False, look_for_keys=False)
        except HostKeyMismatch:
            client.close()
            raise
        except paramiko.AuthenticationException as error:
            client.close()
            raise DeployError('preflight', 'SSH login as %s at %s:%s was refused (%s): is the public '
                              'key in authorized_keys?' % (self.user, self.host, self.port, error))
        except (socket.error, paramiko.SSHException, EOFError) as error:
            client.close()
            raise TargetUnreachable('preflight', 'cannot reach %s:%s over SSH: %s' % (
                self.host, self.port, error or type(error).__name__))
        self._client = client
        return self

    def __exit__(self, *exc_info):
        if self._sftp is not None:
            self._sftp.close()
        self._client.close()

    def run(self, command, timeout=COMMAND_TIMEOUT):
        """(exit status, stdout and stderr together, trimmed)."""
        try:
            channel = self._client.get_transport().open_session(timeout=self.timeout)
            channel.settimeout(timeout)
            channel.set_combine_stderr(True)
            channel.exec_command(command)
            chunks = []
            while True:
                chunk = channel.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            status = channel.recv_exit_status()
        except (socket.error, paramiko.SSHException) as error:
            raise TargetUnreachable('connection', 'the SSH connection broke while running %r: %s' % (
                command, error))
        output = b''.join(chunks).decode('utf-8', 'replace')
        return status, output[-OUTPUT_LIMIT:].strip()

    @property
    def sftp(self):
        if self._sftp is None:
            self._sftp = self._client.open_sftp()
        return self._sftp

    def read_file(self, path):
        """The file's text, or None if there is none."""
        try:
            with self.sftp.open(path, 'r') as handle:
                return handle.read().decode('utf-8')
        except IOError:
            return None

    def write_file_atomically(self, path, text, mode):
        """Writes the file in a new folder beside `path` that only the SSH user may enter, sets
        `mode`, then renames it over `path`: no other user can open it between its creation and
        the chmod (an SFTP server creates files with its own umask), and a reader sees the old file
        or the new one, never half of either."""
        folder, name = posixpath.split(path)
        private_folder = posixpath.join(folder, '.%s.%s.tmp' % (name, uuid.uuid4().hex[:12]))
        temporary = posixpath.join(private_folder, name)
        self.sftp.mkdir(private_folder, PRIVATE_FOLDER_MODE)
        try:
            # A server may ignore mkdir's mode: the folder is made private before anything is in it.
            if self.sftp.stat(private_folder).st_mode & 0o777 != PRIVATE_FOLDER_MODE:
                self.sftp.chmod(private_folder, PRIVATE_FOLDER_MODE)
            with self.sftp.open(temporary, 'wx') as handle:
                self.sftp.chmod(temporary, mode)
                handle.write(text.encode('utf-8'))
            self.sftp.posix_rename(temporary, path)
        except IOError:
            self.remove_file(temporary)
            raise
        finally:
            self._remove_folder(private_folder)

    def _remove_folder(self, path):
        try:
            self.sftp.rmdir(path)
        except IOError:
            pass  # already absent, or holding the file a failed write left: removed above

    def remove_file(self, path):
        try:
            self.sftp.remove(path)
        except IOError:
            pass  # already absent: what the caller wanted

    def is_folder(self, path):
        try:
            return stat.S_ISDIR(self.sftp.stat(path).st_mode)
        except IOError:
            return False
