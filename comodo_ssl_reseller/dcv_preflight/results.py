"""What a pre-flight run returns: one CheckResult per check, in the order they ran."""
from collections import namedtuple

# What was checked (CheckResult.check).
DNS_SERVER = 'dns_server'
RESOLVES = 'resolves'
FILE = 'file'
CNAME = 'cname'
CAA = 'caa'
DNSSEC = 'dnssec'

# Machine-readable causes (CheckResult.code), for staff and for deciding what to retry.
OK = 'ok'
DNSSEC_NOT_SIGNED = 'dnssec_not_signed'            # passed: the zone is not signed, nothing to check
DNSSEC_NOT_CHECKED = 'dnssec_not_checked'          # passed: no trust anchor covers it, or no zone
DNS_SERVER_SILENT = 'dns_server_silent'
DNS_SERVER_FAILURE = 'dns_server_failure'          # SERVFAIL, REFUSED and the like
INVALID_NAME = 'invalid_name'
NAME_NOT_FOUND = 'name_not_found'                  # NXDOMAIN
NAME_WITHOUT_ADDRESS = 'name_without_address'
FILE_REDIRECT = 'file_redirect'
FILE_STATUS = 'file_status'
FILE_WRONG_BODY = 'file_wrong_body'
FILE_UNREACHABLE = 'file_unreachable'
CNAME_MISSING = 'cname_missing'
CNAME_WRONG_TARGET = 'cname_wrong_target'
CAA_FORBIDS = 'caa_forbids'
CAA_CRITICAL_UNKNOWN = 'caa_critical_unknown'
DNSSEC_STALE_DS = 'dnssec_stale_ds'
DNSSEC_NO_DNSKEY = 'dnssec_no_dnskey'
DNSSEC_EXPIRED = 'dnssec_expired'
DNSSEC_UNSIGNED_RECORDS = 'dnssec_unsigned_records'
DNSSEC_BAD_SIGNATURE = 'dnssec_bad_signature'

CheckResult = namedtuple('CheckResult', [
    'check',     # what was checked: RESOLVES, FILE, CNAME, CAA, DNSSEC or DNS_SERVER
    'name',      # the name (or, for CNAME, the record's name) it concerns
    'ok',        # True when the CA would accept this part
    'code',      # OK, a DNSSEC_NOT_* note, or the cause of the failure (constants above)
    'sentence',  # one plain sentence naming the cause (or saying what passed)
])


def passed(check, name, sentence, code=OK):
    return CheckResult(check, name, True, code, sentence)


def failed(check, name, code, sentence):
    return CheckResult(check, name, False, code, sentence)


class PreflightResult(object):
    """Every check's outcome for one certificate name (and its sibling when covered)."""

    def __init__(self, checks):
        self.checks = tuple(checks)

    @property
    def ok(self):
        return all(check.ok for check in self.checks)

    @property
    def failures(self):
        return [check for check in self.checks if not check.ok]

    def sentences(self):
        """The failures' sentences, in the order the checks ran."""
        return [check.sentence for check in self.failures]

    def __repr__(self):
        return 'PreflightResult(%r)' % (list(self.checks),)
