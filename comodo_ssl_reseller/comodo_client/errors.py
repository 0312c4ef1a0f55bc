"""The exception families of the Comodo client, and the one table that sorts CA codes into them.

Callers decide what to do from the family alone:
- TransientError: try the same call again later (network trouble, CA busy or broken for a moment).
- ConfigurationError: the reseller's set-up is wrong (login, credit, product terms, endpoint);
  retrying will not help and the customer cannot fix it.
- RequestError: the customer must change something (CSR, domain, e-mail address...).
- ComodoError itself: a code this table does not know; permanent until someone looks at it.
"""


class ComodoError(Exception):
    """Base of every error the client raises.

    `code` is the CA's numeric code (None when the failure happened before the CA answered or was
    found locally) and `message` the CA's own text, or ours when there is none.
    """

    #: True when the same call may succeed if simply repeated later.
    retryable = False

    def __init__(self, message, code=None):
        super(ComodoError, self).__init__(message, code)
        self.message = message
        self.code = code

    def __str__(self):
        if self.code is None:
            return 'Comodo error: %s' % self.message
        return 'Comodo error %s: %s' % (self.code, self.message)


class TransientError(ComodoError):
    """Timeouts, connection failures, HTTP 5xx, an answer that is not the protocol, -14, -42..."""

    retryable = True


class ConfigurationError(ComodoError):
    """The reseller account or this client's settings are wrong."""


class RequestError(ComodoError):
    """The order as asked cannot be done: the customer must change something."""


# The only place that knows which CA code belongs to which family (the CA's published error codes).
# -20/-21/-22 (rejected, revoked, awaiting payment) are deliberately absent: CollectSSL turns them
# into statuses and AutoRevokeSSL treats -20/-21 as "already done"; anywhere else they stay plain
# ComodoError, as do -90, -91, -160 and any code the CA does not document.
_FAMILY_BY_CODE = {}
_FAMILY_BY_CODE.update(dict.fromkeys((
    -14,   # unknown server error, documented as retryable
    -42,   # call limit reached
    -23,   # revoke without a reason while the certificate is being issued (CN-with-http:// only
           # from DecodeCSR, which this client does not call)
    -26,   # certificate currently being issued
), TransientError))
_FAMILY_BY_CODE.update(dict.fromkeys((
    -1,    # not HTTPS
    -2,    # unrecognised argument: our bug or a wrong product set-up
    -15,   # not enough credit
    -16,   # bad login, account locked, password expired or IP blocked
    -17,   # GET instead of POST
    -115,  # no price for this term: the reseller's product set-up is wrong
), ConfigurationError))
_FAMILY_BY_CODE.update(dict.fromkeys(
    (-3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -18, -19, -24, -25, -35, -36, -37, -40, -41,
     -162),
    RequestError))


# The SOAP Certificate Manager (EPKIManagerSSL) numbers its codes in the same
# space but not always with the same meaning: -35/-36 are "bad server type"/"bad term" there (the
# form API's "CN is an IP"/"already expired"), -40 is "invalid ID" (the form API's "key
# compromised"). Hence its own table; codes that mean the same thing in both (-10..-14, -16) get
# the same family. -20/-21/-22 are again absent: collect and revoke turn them into answers.
_SOAP_FAMILY_BY_CODE = {}
_SOAP_FAMILY_BY_CODE.update(dict.fromkeys((
    -14,   # unknown error, service down?
), TransientError))
_SOAP_FAMILY_BY_CODE.update(dict.fromkeys((
    -16,   # permission denied
    -100,  # bad customer authentication (login, password or customerLoginUri)
    -101,  # bad organisation authentication (orgId / secretKey)
    -120,  # action not allowed by the account's configuration
    # Deliberately configuration, not request, errors: each is a value this client or the
    # reseller's product set-up chooses (certType id, secretKey, serverType -1, term from the
    # product's days), never something the customer can change.
    -33,   # bad certificate type
    -34,   # bad secret key
    -35,   # bad server type
    -36,   # bad term
), ConfigurationError))
_SOAP_FAMILY_BY_CODE.update(dict.fromkeys((
    -10, -11, -12, -13,  # CSR undecodable, unsupported algorithm, bad signature, key size
    -31,   # bad e-mail address
    -32,   # phrases differ (the phrase is ours; kept with -31 as the CA's documents group them)
    -40,   # invalid (certificate) ID
    -110,  # domain not allowed for the customer
    -111,  # domain not allowed for the organisation
), RequestError))

_TABLES = {'form': _FAMILY_BY_CODE, 'soap': _SOAP_FAMILY_BY_CODE}


def error_for_code(code, message, api='form'):
    """The exception (not raised) for a negative CA code, with the CA's message.

    api: 'form' (the reseller form API, the default) or 'soap' (the Certificate Manager).
    """
    family = _TABLES[api].get(code, ComodoError)
    return family(message or 'no message from the CA', code=code)
