"""Kinds of deployment target. A kind says how to put a certificate in place and make the server use
it; the installer runs the steps and the live check for every kind alike.

nginx and Apache read files named in their configuration: `FileServerKind` stages files over SFTP
and runs the configuration test and reload commands. A control-panel kind (cPanel UAPI, Plesk) is a
subclass that overrides `stage`, `validate`, `activate` and `restore` (e.g. `uapi SSL install_ssl`
over the same SSH session) and is added to KINDS."""
import posixpath

from .errors import DeployError
from .verify import key_matches_certificate, leaf_sha256

CERTIFICATE_MODE = 0o644
KEY_MODE = 0o600
PREVIOUS_SUFFIX = '.previous'


class FileServerKind(object):
    default_test_command = None
    default_reload_command = None

    def __init__(self, target, session):
        self.target = target
        self.session = session

    # -- commands -----------------------------------------------------------------------------
    def command(self, which):
        command = getattr(self.target, '%s_command' % which) or getattr(self, 'default_%s_command' % which)
        return 'sudo -n %s' % command if self.target.use_sudo else command

    def run_checked(self, step, which):
        command = self.command(which)
        status, output = self.session.run(command)
        shown = '$ %s\n%s' % (command, output)
        if status != 0:
            raise DeployError(step, 'the %s command failed (exit %s)' % (which, status), shown)
        return shown

    # -- files --------------------------------------------------------------------------------
    def paths(self, domain):
        folder = self.target.certificate_folder
        return (posixpath.join(folder, '%s.fullchain.pem' % domain),
                posixpath.join(folder, '%s.key' % domain))

    def read_pair(self, domain, suffix=''):
        certificate_path, key_path = self.paths(domain)
        return self.session.read_file(certificate_path + suffix), self.session.read_file(key_path + suffix)

    def write_pair(self, domain, fullchain_pem, private_key_pem, suffix=''):
        certificate_path, key_path = self.paths(domain)
        # The key first: a certificate never names a key that is not yet there.
        self.session.write_file_atomically(key_path + suffix, private_key_pem, KEY_MODE)
        self.session.write_file_atomically(certificate_path + suffix, fullchain_pem, CERTIFICATE_MODE)

    def remove_pair(self, domain, suffix=''):
        for path in self.paths(domain):
            self.session.remove_file(path + suffix)

    # -- steps --------------------------------------------------------------------------------
    def preflight(self):
        if not self.session.is_folder(self.target.certificate_folder):
            raise DeployError('preflight', 'the certificate folder %s does not exist on the server '
                              'or cannot be read' % self.target.certificate_folder)
        return self.run_checked('preflight', 'test')

    def stage(self, domain, fullchain_pem, private_key_pem):
        """Writes the new pair; keeps the one it replaces as `<name>.previous`. Returns the
        replaced pair (None, None if there was none) for a rollback."""
        previous = self.read_pair(domain)
        if all(previous):
            self.write_pair(domain, previous[0], previous[1], PREVIOUS_SUFFIX)
        else:
            previous = (None, None)
            self.remove_pair(domain, PREVIOUS_SUFFIX)  # an older one belongs to nothing now
        self.write_pair(domain, fullchain_pem, private_key_pem)
        return previous

    def validate(self, domain, fullchain_pem):
        """What is on the server now: the staged key opens the staged certificate, and the server
        accepts its configuration."""
        staged_certificate, staged_key = self.read_pair(domain)
        if staged_certificate != fullchain_pem or not staged_key:
            raise DeployError('validate', 'the files read back from the server are not the ones written')
        if not key_matches_certificate(staged_key, staged_certificate):
            raise DeployError('validate', 'the private key does not match the certificate')
        return 'key matches certificate %s\n%s' % (leaf_sha256(staged_certificate),
                                                   self.run_checked('validate', 'test'))

    def activate(self):
        return self.run_checked('activate', 'reload')

    def restore(self, domain, previous):
        """Puts `previous` back (or removes the pair if there was none) and reloads. Returns
        (reloaded, output): a reload that fails here is reported, not raised, since the server
        may well still serve the previous pair."""
        if all(previous):
            self.write_pair(domain, previous[0], previous[1])
        else:
            self.remove_pair(domain)
        command = self.command('reload')
        status, output = self.session.run(command)
        return status == 0, '$ %s\n%s%s' % (command, output, '' if status == 0 else '\n(exit %s)' % status)


class NginxKind(FileServerKind):
    default_test_command = 'nginx -t'
    default_reload_command = 'nginx -s reload'


class ApacheKind(FileServerKind):
    default_test_command = 'apache2ctl configtest'
    default_reload_command = 'apache2ctl graceful'


KINDS = {
    'nginx': NginxKind,
    'apache': ApacheKind,
}
