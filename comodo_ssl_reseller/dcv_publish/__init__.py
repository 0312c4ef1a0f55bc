"""Publishing the proof of domain control the CA checks, and removing exactly it afterwards: plain
Python, no `odoo` import.

- `FilePublisher(session)` writes a FileProof over SFTP on an open deploy.ssh.SshSession (the
  installer's connection) under the domain's document root;
- `CnamePublisher(DnsServer(...))` adds a CnameProof by RFC 2136 update signed with TSIG.

Each has `publish(proof) -> receipt` and `cleanup(receipt)`; the proofs come from comodo_client's
`dcv_instructions` (`FileProof.from_instructions`, `CnameProof.from_instructions`). Failures are
PublishError subclasses whose `message` is one plain sentence and whose `transient` says whether to
retry unchanged."""
from .dns_publisher import TSIG_ALGORITHMS, CnamePublisher, DnsServer  # noqa: F401
from .errors import (DnsPublishError, DnsServerSettingsInvalid, DnsServerUnreachable,  # noqa: F401
                     DocumentRootMissing, FilePublishError, FileTransferFailed, NotAuthorised,
                     PathOutsideDocumentRoot, PublishError, RecordNotServed, UpdateFailed, UpdateRefused,
                     ZoneNotFound)
from .file_publisher import FilePublisher  # noqa: F401
from .proofs import CnameProof, CnameReceipt, FileProof, FileReceipt  # noqa: F401
