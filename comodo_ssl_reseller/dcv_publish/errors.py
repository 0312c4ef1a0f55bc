"""What can go wrong while publishing a validation proof: one plain sentence each, in `message`.

`transient` says whether the same call may succeed later unchanged (a server that did not answer)
or needs a person to change something first (a refused key, a path outside the document root)."""


class PublishError(Exception):
    transient = False

    def __init__(self, message):
        super(PublishError, self).__init__(message)
        self.message = message


# -- the file on the web server ----------------------------------------------------------------------

class FilePublishError(PublishError):
    """The validation file could not be written or removed."""


class DocumentRootMissing(FilePublishError):
    """The document root is not an existing folder on the web server."""


class PathOutsideDocumentRoot(FilePublishError):
    """The file or one of its folders would lie outside the document root (`..`, a symlink)."""


class FileTransferFailed(FilePublishError):
    """SFTP failed while writing, reading or removing (a broken connection, a full disk, or a
    permission the SSH user lacks: the one case that is not transient)."""
    transient = True


# -- the CNAME on the DNS server ---------------------------------------------------------------------

class DnsPublishError(PublishError):
    """The validation CNAME could not be added or deleted."""


class DnsServerSettingsInvalid(DnsPublishError):
    """The DNS server's settings cannot work: an unknown TSIG algorithm, a secret that is not base64."""


class DnsServerUnreachable(DnsPublishError):
    """The DNS server refused the connection or did not answer in time."""
    transient = True


class ZoneNotFound(DnsPublishError):
    """The DNS server is authoritative for no zone that holds the name."""


class UpdateRefused(DnsPublishError):
    """The DNS server answered REFUSED: its policy does not let this key change the zone."""


class NotAuthorised(DnsPublishError):
    """The DNS server did not accept the TSIG key (BADKEY, BADSIG, BADTIME) or answered NOTAUTH."""


class UpdateFailed(DnsPublishError):
    """The DNS server answered the update with another error (SERVFAIL, NOTZONE, ...); transient
    for SERVFAIL only."""


class RecordNotServed(DnsPublishError):
    """The DNS server accepted the update but does not serve the record (the name holds other data,
    which a CNAME may not join)."""
