"""What is published, and the receipts that say exactly what a publication made.

Receipts are plain values (`to_dict()` / `from_dict()` for JSON): the order keeps one from the
publication until the CA has decided, possibly in another process, and then cleans up with it."""
from collections import namedtuple


class FileProof(namedtuple('FileProof', ['document_root', 'file_name', 'content'])):
    """`content` at `file_name` (a URL path, e.g. /.well-known/pki-validation/<MD5>.txt) under
    `document_root` (an absolute folder on the web server)."""
    __slots__ = ()

    @classmethod
    def from_instructions(cls, instructions, document_root):
        """From comodo_client's DcvInstructions of an HTTP(S)_CSR_HASH name."""
        if not instructions.file_name:
            raise ValueError('%s validation has no file to publish' % instructions.method)
        return cls(document_root, instructions.file_name, instructions.file_content)


class CnameProof(namedtuple('CnameProof', ['name', 'target'])):
    """`name` (_<md5>.<domain>) CNAME `target` (<sha256 halves>[.<uniqueValue>].sectigo.com)."""
    __slots__ = ()

    @classmethod
    def from_instructions(cls, instructions):
        """From comodo_client's DcvInstructions of a CNAME_CSR_HASH name."""
        if not instructions.cname_name:
            raise ValueError('%s validation has no CNAME to publish' % instructions.method)
        return cls(instructions.cname_name, instructions.cname_target)


class _Receipt(object):
    __slots__ = ()

    def to_dict(self):
        return dict(self._asdict())

    @classmethod
    def from_dict(cls, values):
        return cls(**values)


class FileReceipt(_Receipt, namedtuple('FileReceipt', [
        'path',             # absolute path of the file on the web server
        'content_sha256',   # of what was written: cleanup removes the file only while it holds that
        'wrote_file',       # False when the same content was already there (someone else's file)
        'created_folders',  # the folders this publication created, outermost first
])):
    __slots__ = ()

    @classmethod
    def from_dict(cls, values):
        return cls(**dict(values, created_folders=tuple(values['created_folders'])))


class CnameReceipt(_Receipt, namedtuple('CnameReceipt', [
        'zone',     # the zone the record was added to, as the server's SOA named it
        'name',     # the record's name, absolute, without the final dot
        'target',   # the record's target, absolute, without the final dot
        'added',    # False when exactly this record was already there (someone else's)
])):
    __slots__ = ()
