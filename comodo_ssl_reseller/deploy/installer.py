"""Installs a certificate on a deployment target and proves the server serves it.

preflight (connect with the pinned host key, the folder, a config test before any change) → stage
(the pair written atomically, the previous pair kept) → validate (key matches, config test) →
activate (reload, never restart) → verify (a TLS handshake with SNI sees the new leaf). Any failure
after staging puts the previous pair back, reloads, and checks the previous leaf is served again.

A temporary certificate is installed only where it cannot hurt: not over a valid certificate (see
`verify.served_certificate_trust`), and not where another order's kept pair waits for its restore.
The pair it replaces is kept and marked as the installing order's (`owner`), so that only that
order's restore puts it back, and only while its temporary certificate is still what is there."""
import logging
import socket
import ssl
import time

from .errors import DeployError, TargetUnreachable
from .kinds import KINDS, PREVIOUS_SUFFIX
from .report import FAILED, POSTPONED, ROLLED_BACK, VERIFIED, InstallReport
from .verify import INVALID, VALID, leaf_sha256, served_certificate_trust, served_leaf_sha256

_logger = logging.getLogger(__name__)

# Handshakes in a row that must see the new leaf before an install counts as verified.
CONFIRMATIONS = 3


def install_certificate(target, domain, certificate_pem, chain_pem, private_key_pem, sleep=time.sleep,
                        owner=None, temporary=False, trusted_roots_pem=()):
    """Installs leaf + chain and the key for `domain` on `target`; returns an InstallReport whose
    state is verified, rolled_back (the previous pair is served again), failed, postponed
    (unreachable: nothing was changed) or, for a `temporary` certificate, skipped (it could hurt:
    nothing was changed). `owner` names the installing order on the server (a stable token);
    `trusted_roots_pem` are roots trusted besides the system's when judging what is served."""
    fullchain_pem = _fullchain(certificate_pem, chain_pem)
    expected_sha256 = leaf_sha256(certificate_pem)
    report = InstallReport()
    previous = None
    session = _session(target)
    try:
        with session:
            kind = KINDS[target.kind](target, session)
            report.add('preflight', True, kind.preflight())
            if temporary:
                objection = _objection_to_temporary(kind, target, domain, owner, trusted_roots_pem)
                if objection:
                    report.skip('checked', 'no temporary certificate: %s' % objection)
                    return report
            previous = kind.stage(domain, fullchain_pem, private_key_pem, owner=owner, temporary=temporary)
            report.add('staged', True, _staged_output(kind, domain, previous))
            try:
                report.add('validated', True, kind.validate(domain, fullchain_pem))
                report.add('activated', True, kind.activate())
                report.add('verified', True, _verify(target, domain, expected_sha256, report, sleep))
                report.state = VERIFIED
            except (DeployError, IOError) as error:
                error = _as_deploy_error(error, report)
                report.fail(FAILED, error)
                _rollback(kind, target, domain, previous, report, sleep)
                if kind.keeper_made:  # nothing of this order's is served: its mark goes too
                    kind.remove_keeper(domain)
    except TargetUnreachable as error:
        report.fail(POSTPONED if previous is None else FAILED, error)
    except (DeployError, IOError) as error:
        report.fail(FAILED, _as_deploy_error(error, report))
    finally:
        report.host_fingerprint = session.host_fingerprint
    _logger.info('install of %s on %r: %s%s', domain, target, report.state,
                 ' at %s: %s' % (report.failed_step, report.error) if report.error else '')
    return report


def restore_previous(target, domain, sleep=time.sleep, owner=None, replaced_sha256=None):
    """Puts back the pair the last install replaced (e.g. the site's own before a temporary
    certificate), or removes the pair if there was none; reloads and checks what is served.

    A kept pair marked as another order's is refused (failed, nothing changed). With
    `replaced_sha256` (or a mark of `owner`'s naming the leaf it installed), nothing is changed
    (skipped) unless that leaf is still the installed one: a later certificate stays."""
    report = InstallReport()
    session = _session(target)
    try:
        with session:
            kind = KINDS[target.kind](target, session)
            report.add('preflight', True, kind.preflight())
            keeper, keeper_installed = kind.read_keeper(domain)
            if keeper and keeper != owner:
                raise DeployError('preflight', 'the kept pair of %s belongs to another order (%s): it is '
                                  'not put back by this one, nothing was changed' % (domain, keeper))
            replaced_sha256 = replaced_sha256 or keeper_installed
            installed = kind.read_pair(domain)[0]
            if replaced_sha256 and (not installed or leaf_sha256(installed) != replaced_sha256):
                if keeper:
                    kind.remove_keeper(domain)
                report.skip('checked', 'nothing put back: %s no longer has the certificate %s installed, '
                                       'what is there now stays' % (domain, replaced_sha256))
                return report
            previous = kind.read_pair(domain, PREVIOUS_SUFFIX)
            _rollback(kind, target, domain, previous if all(previous) else (None, None), report, sleep)
            if keeper and report.state == ROLLED_BACK:
                kind.remove_keeper(domain)
    except TargetUnreachable as error:
        report.fail(POSTPONED, error)
    except (DeployError, IOError) as error:
        report.fail(FAILED, _as_deploy_error(error, report))
    finally:
        report.host_fingerprint = session.host_fingerprint
    return report


def _objection_to_temporary(kind, target, domain, owner, trusted_roots_pem):
    """Why a temporary certificate could hurt here, or None."""
    keeper, _installed = kind.read_keeper(domain)
    if keeper and keeper != owner:
        return 'the pair kept for %s belongs to another order (%s) and is never overwritten' % (domain, keeper)
    verdict, said = served_certificate_trust(target.check_host, target.check_port, domain, trusted_roots_pem)
    if verdict == VALID:
        return 'the site already serves %s' % said
    if verdict != INVALID:
        return 'what the site serves cannot be told (%s)' % said
    return None


def _session(target):
    return target.session()


def _rollback(kind, target, domain, previous, report, sleep):
    """Restores `previous` after a failure and reloads. The state becomes rolled_back only when the
    previous leaf is served (a reload that failed leaves it served too), or, with no previous pair,
    when the files are gone and the server reloaded."""
    outputs = []
    try:
        reloaded, output = kind.restore(domain, previous)
        outputs.append(output)
        if previous[0]:
            outputs.append(_verify(target, domain, leaf_sha256(previous[0]), report, sleep, step='rollback'))
        elif not reloaded:
            raise DeployError('rollback', 'the reload after removing the new pair failed')
        report.add('rolled_back', True, '\n'.join(outputs))
        report.state = ROLLED_BACK
    except (DeployError, IOError) as error:
        error = _as_deploy_error(error, report, step='rollback')
        outputs.extend(part for part in (error.message, error.output) if part)
        report.add('rollback', False, '\n'.join(outputs))
        report.state = FAILED
        if report.error is None:  # restore_previous: the rollback was the work asked for
            report.failed_step, report.error = 'rollback', error.message
        else:
            report.error = '%s; the rollback failed too: %s' % (report.error, error.message)


def _verify(target, domain, expected_sha256, report, sleep, step='verify'):
    """Retries the handshake: a reload can take effect a moment later. After a reload the server's
    old workers may still answer for a moment, so the new leaf must be seen CONFIRMATIONS times in a
    row. Raises unless it is."""
    seen = []
    in_a_row = 0
    for attempt in range(1, target.verify_attempts + CONFIRMATIONS):
        try:
            served = served_leaf_sha256(target.check_host, target.check_port, domain)
        except (socket.error, ssl.SSLError) as error:
            served = 'no TLS answer (%s)' % (error,)
        seen.append('attempt %s: %s:%s (SNI %s) serves %s' % (
            attempt, target.check_host, target.check_port, domain, served))
        in_a_row = in_a_row + 1 if served == expected_sha256 else 0
        if in_a_row == CONFIRMATIONS:
            report.served_sha256 = served
            return '\n'.join(seen)
        sleep(target.verify_delay)
    raise DeployError(step, 'the server does not serve the certificate %s steadily: %s checks, '
                      '%s in a row needed' % (expected_sha256, len(seen), CONFIRMATIONS), '\n'.join(seen))


def _staged_output(kind, domain, previous):
    certificate_path, key_path = kind.paths(domain)
    kept = 'previous pair kept as *.previous' if previous[0] else 'no previous pair'
    return 'wrote %s and %s (0600); %s' % (certificate_path, key_path, kept)


def _fullchain(certificate_pem, chain_pem):
    return '%s\n%s\n' % (certificate_pem.strip(), (chain_pem or '').strip()) if chain_pem \
        else certificate_pem.strip() + '\n'


def _as_deploy_error(error, report, step=None):
    if isinstance(error, DeployError):
        return error
    # An SFTP refusal (permissions, full disk) during the step after the last one that succeeded.
    return DeployError(step or _next_step(report.reached), 'the server refused a file operation: %s' % error)


def _next_step(reached):
    order = ['preflight', 'staged', 'validated', 'activated', 'verified']
    names = ['preflight', 'stage', 'validate', 'activate', 'verify']
    return names[order.index(reached) + 1] if reached in order[:-1] else 'preflight'
