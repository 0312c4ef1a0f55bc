"""Checking a deployment target before anything is installed on it: the pinned host key, the
login, the certificate folder and the configuration test. Nothing is written."""
from .kinds import KINDS
from .ssh import SshSession


def check_connection(target):
    """Lines saying what was checked; raises DeployError (or TargetUnreachable) at the first
    check that fails."""
    with SshSession(target.host, target.port, target.user, target.private_key_pem,
                    pinned_fingerprint=target.host_fingerprint) as session:
        checked = KINDS[target.kind](target, session).preflight()
    return ['Logged in as %s at %s:%s; the server showed the pinned host key %s.' % (
        target.user, target.host, target.port, target.host_fingerprint),
        'The certificate folder %s exists.' % target.certificate_folder, checked]
