"""Domain-name rules shared by the CSR checks, domain control validation and scenarios."""
import ipaddress
import re

# Public suffixes of two labels that the sandbox knows. There is no public-suffix list offline;
# these cover the usual test and demo domains, everything else counts its last two labels.
TWO_LABEL_PUBLIC_SUFFIXES = frozenset([
    'ac.uk', 'co.uk', 'gov.uk', 'ltd.uk', 'me.uk', 'org.uk', 'plc.uk',
    'com.au', 'net.au', 'org.au', 'co.nz', 'co.jp', 'com.br', 'co.za', 'com.cn', 'com.mx', 'co.in',
])

_LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
MAX_NAME_LENGTH = 253


def normalise(name):
    return name.strip().rstrip('.').lower()


def is_ip_address(name):
    try:
        ipaddress.ip_address(name.strip('[]'))
    except ValueError:
        return False
    return True


def without_wildcard(name):
    return name[2:] if name.startswith('*.') else name


def has_valid_characters(name):
    """True if every label (after an optional leading `*.`) is a valid host-name label."""
    labels = without_wildcard(name).split('.')
    return len(name) <= MAX_NAME_LENGTH and all(_LABEL.match(label) for label in labels)


def is_internal_name(name):
    """A single-label name such as `intranet` or `localhost`: not a public FQDN."""
    return '.' not in without_wildcard(name)


def registrable_domain(name):
    labels = without_wildcard(name).split('.')
    suffix_length = 2 if '.'.join(labels[-2:]) in TWO_LABEL_PUBLIC_SUFFIXES else 1
    return '.'.join(labels[-(suffix_length + 1):])


def parent_domains(name):
    """The registrable domain first, then each longer parent down to the name itself.

    `shop.eu.example.com` gives `example.com`, `eu.example.com`, `shop.eu.example.com`.
    """
    base = registrable_domain(name)
    extra_labels = without_wildcard(name)[:-len(base)].rstrip('.').split('.')
    extra_labels = [label for label in extra_labels if label]
    parents = [base]
    for label in reversed(extra_labels):
        parents.append(label + '.' + parents[-1])
    return parents
