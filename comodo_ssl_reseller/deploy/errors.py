"""What can go wrong while installing a certificate, sorted by what the caller should do next."""


class DeployError(Exception):
    """A step failed. `step` names it (preflight, stage, validate, activate, verify, rollback) and
    `output` keeps what the server answered."""

    def __init__(self, step, message, output=''):
        super(DeployError, self).__init__(message)
        self.step = step
        self.message = message
        self.output = output or ''


class TargetUnreachable(DeployError):
    """The server could not be reached (refused, timed out, DNS): nothing was changed, try later."""


class HostKeyMismatch(DeployError):
    """The server's SSH host key is not the pinned one: refused before anything was sent."""


class HostKeyNotPinned(DeployError):
    """No host key is pinned for the server: refused before connecting (a person confirms the
    fingerprint first; the first server to answer is never trusted)."""
