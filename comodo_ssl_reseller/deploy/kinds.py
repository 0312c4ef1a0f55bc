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
# Beside a `.previous` pair kept before a temporary certificate: which order kept it (its owner
# token) and the leaf that order put in its place. Until that order's restore (or its real
# certificate) releases it, no other order overwrites the kept pair.
KEEPER_SUFFIX = '.previous.owner'
FOLDER_MODE = 0o755


class FileServerKind(object):
    default_test_command = None
    default_reload_command = None

    def __init__(self, target, session):
        self.target = target
        self.session = session
        self.keeper_made = False  # set by a stage that marked the kept pair as its owner's

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

    def keeper_path(self, domain):
        return posixpath.join(self.target.certificate_folder, domain + KEEPER_SUFFIX)

    def read_keeper(self, domain):
        """(owner token, SHA-256 of the leaf the owner installed) of the kept pair, or (None, None)."""
        lines = (self.session.read_file(self.keeper_path(domain)) or '').splitlines()
        return (lines[0], lines[1] if len(lines) > 1 else None) if lines and lines[0] else (None, None)

    def write_keeper(self, domain, owner, installed_sha256):
        self.session.write_file_atomically(self.keeper_path(domain), '%s\n%s\n' % (owner, installed_sha256),
                                           CERTIFICATE_MODE)

    def remove_keeper(self, domain):
        self.session.remove_file(self.keeper_path(domain))

    # -- steps --------------------------------------------------------------------------------
    def preflight(self):
        """The folder exists (a customer's own folder is made inside an existing parent), and the
        server's configuration passes its test before anything changes."""
        folder = self.target.certificate_folder
        made = ''
        if not self.session.is_folder(folder) and self.session.is_folder(posixpath.dirname(folder)):
            self.session.sftp.mkdir(folder, FOLDER_MODE)
            made = 'made the certificate folder %s\n' % folder
        if not self.session.is_folder(folder):
            raise DeployError('preflight', 'the certificate folder %s does not exist on the server '
                              'or cannot be read' % folder)
        return made + self.run_checked('preflight', 'test')

    def stage(self, domain, fullchain_pem, private_key_pem, owner=None, temporary=False):
        """Writes the new pair. Returns the replaced pair (None, None if there was none) for a
        rollback.

        The replaced pair is kept as `<name>.previous` unless another order's kept pair is there
        (it waits for that order's restore and is never overwritten). A temporary certificate marks
        the kept pair as `owner`'s; `owner`'s real certificate releases the mark."""
        previous = self.read_pair(domain)
        previous = previous if all(previous) else (None, None)
        keeper, _installed = self.read_keeper(domain)
        if keeper and keeper != owner:
            pass  # another order's kept pair: left as it is
        elif keeper:
            if temporary:  # a retry: the kept pair stays the site's own
                self.write_keeper(domain, owner, leaf_sha256(fullchain_pem))
            else:  # the real certificate: nothing waits for a restore now
                self.remove_keeper(domain)
        else:
            if previous[0]:
                self.write_pair(domain, previous[0], previous[1], PREVIOUS_SUFFIX)
            else:
                self.remove_pair(domain, PREVIOUS_SUFFIX)  # an older one belongs to nothing now
            if temporary:
                self.write_keeper(domain, owner, leaf_sha256(fullchain_pem))
                self.keeper_made = True
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
