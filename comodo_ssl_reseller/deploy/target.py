"""A deployment target as the installer sees it: plain values, no ORM."""
import copy

from .ssh import SshSession


class DeployTarget(object):
    """Where and how to install. `kind` names an entry of `deploy.kinds.KINDS`; empty commands take
    the kind's defaults; `check_host`/`check_port` is where the live TLS check connects (the SSH
    host and 443 unless told)."""

    def __init__(self, host, user, private_key_pem, kind, certificate_folder, port=22,
                 host_fingerprint=None, test_command=None, reload_command=None, use_sudo=False,
                 check_host=None, check_port=443, verify_attempts=5, verify_delay=2.0):
        self.host = host
        self.port = port
        self.user = user
        self.private_key_pem = private_key_pem
        self.host_fingerprint = host_fingerprint
        self.kind = kind
        self.certificate_folder = certificate_folder.rstrip('/') or '/'
        self.test_command = test_command
        self.reload_command = reload_command
        self.use_sudo = use_sudo
        self.check_host = check_host or host
        self.check_port = check_port
        self.verify_attempts = max(1, verify_attempts)
        self.verify_delay = verify_delay

    def in_folder(self, certificate_folder):
        """The same target writing into another folder (a customer's own on a shared server)."""
        moved = copy.copy(self)
        moved.certificate_folder = certificate_folder.rstrip('/') or '/'
        return moved

    def session(self):
        """An SshSession to the target (`with target.session() as session:`), its host key pinned."""
        return SshSession(self.host, self.port, self.user, self.private_key_pem,
                          pinned_fingerprint=self.host_fingerprint)

    def __repr__(self):
        # Never the private key.
        return '<DeployTarget %s %s@%s:%s>' % (self.kind, self.user, self.host, self.port)
