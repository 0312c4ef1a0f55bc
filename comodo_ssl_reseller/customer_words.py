"""What the customer reads about a certificate order, in one place: plain words, never CA codes or
internals (staff get the detail in the chatter). Keyed by the states and groups of lifecycle.py and
by the installation's steps.

Plain Python (no Odoo import): the words are only marked for translation here (`_` below returns
them unchanged, and Odoo's export of the module's terms finds them); the portal and the order
translate them with Odoo's own `_` when they show them, in the reader's language.
"""


def _(text):
    """Marks `text` for translation; the caller translates it when it is shown."""
    return text


# The order's status, by state.
STATES = {
    'awaiting_payment': _('Waiting for your payment: we order the certificate once its invoice is paid.'),
    'draft': _('We are ordering your certificate from the certificate authority.'),
    'pending': _('Ordered. The certificate authority is checking that you control the domain.'),
    'timeout': _('Still waiting for the certificate authority. Our staff is following it up.'),
    'error': _('The certificate authority could not take the order.'),
    'issued': _('Issued: your certificate is valid.'),
    'rejected': _('The certificate authority did not issue this certificate, and you owe nothing for it: '
                  'its invoice was credited (or cancelled, if it was not paid yet).'),
    'cancelled': _('Cancelled. You have not been charged.'),
    'revoked': _('Revoked: this certificate is no longer trusted.'),
    'reissue': _('A new certificate is being made for you, free, inside the term you paid for. Your '
                 'current certificate stays valid and in use until the new one is issued.'),
    'expired': _('Expired: the term has ended.'),
}

# What a finished action says on the certificate's page, by the code its redirect carries.
NOTICES = {
    'dcv_resent': _('Validation email sent again.'),
    'dcv_changed': _('Validation method changed.'),
    'domain_fixed': _('Domain corrected: validate the new domain below.'),
    'reissue_started': _('A new key and certificate are on their way; the current certificate works '
                         'until then.'),
    'revoked': _('Certificate revoked.'),
    'auto_renew_on': _('Auto-renewal turned on.'),
    'auto_renew_off': _('Auto-renewal turned off.'),
}

# A passing CA failure while the customer waits on the CA's answer, by the CA work being retried.
DELAYS = {
    'place': _('The certificate authority could not take the order yet; we retry automatically.'),
    'check': _('The certificate authority could not be reached just now; we check again automatically.'),
}

# The timeline's steps, and the step that ends it where the order stopped (by state).
TIMELINE_ORDERED = _('Ordered')
TIMELINE_VALIDATION = _('Validation pending')
TIMELINE_ISSUED = _('Issued')
TIMELINE_ENDS = {
    'rejected': _('Rejected'),
    'cancelled': _('Cancelled'),
    'error': _('Order refused'),
    'revoked': _('Revoked'),
}

# What the customer must do now.
NEXT_STEP_VALIDATED_FOR_YOU = _('Nothing: we validate the domain with the certificate authority for you.')
NEXT_STEP_FILE = _('Publish the file below on your web site; the certificate authority fetches it by itself.')
NEXT_STEP_BY_DCV_METHOD = {
    'EMAIL': _('Open the validation email sent to %s and follow its link.'),
    'CNAME_CSR_HASH': _('Add the DNS record below; the certificate authority checks it by itself.'),
    'HTTP_CSR_HASH': NEXT_STEP_FILE,
    'HTTPS_CSR_HASH': NEXT_STEP_FILE,
}
# An issued certificate: nothing to do where we install it; where we do not, why, and the download.
NEXT_STEP_INSTALLED = _('Nothing: the certificate is installed on your site and verified.')
NEXT_STEP_INSTALLING = _('Nothing: we are installing the certificate on your site.')
NEXT_STEP_NOT_INSTALLED = {
    'no_server': _('We did not install it on your site: no web server of ours is set for this domain. '
                   'Download the certificate below and install it on your web server, or contact us.'),
    'own_csr': _('We did not install it on your site: you brought your own CSR, so its private key is '
                 'with you. Download the certificate below and install it with that key.'),
    'failed': _('Installing it on your site failed and our staff have been told; they will follow it up. '
                'Meanwhile, you can download the certificate below and install it yourself.'),
}
NEXT_STEP_REPLACED = _('Your site no longer serves this certificate: another one was put in its place there. '
                       'Download it below if you need it, or contact us.')
NEXT_STEP_REJECTED = _('Buy the certificate again (after checking the domain and its validation), or contact '
                       'us (%s) and we find out with you what stopped it.')
# The CA's own words may be about the reseller's account: staff see them, not customers.
NEXT_STEP_REFUSED = _('Contact us (%s): we could not order this certificate as it is.')

# The certificate on the customer's web server: (tone, words), tone a Bootstrap alert kind.
INSTALL_RESTORED = ('info', _('The certificate your site had before was put back.'))
INSTALL_RESTORING = ('warning', _('We are putting back the certificate your site had before.'))
INSTALL_TEMPORARY = ('info', _('A temporary certificate is on your site while the certificate authority '
                               'checks your domain. Browsers warn about it; the real certificate replaces '
                               'it automatically once issued.'))
INSTALL_VERIFIED = ('success', _('Installed on your site and verified: your web server serves this '
                                 'certificate.'))
INSTALL_POSTPONED = ('warning', _('We could not reach your web server yet; we will try again at %s (UTC).'))
INSTALL_FAILED = ('danger', _('We could not install the certificate on your site: %s Your site keeps '
                              'the certificate it had before.'))
INSTALL_UNDERWAY = ('info', _('Being installed on your site.'))
INSTALL_REPLACED = ('info', _('Your site no longer serves this certificate: another one was put in its place '
                              'there.'))
# The installer's step that failed, as a customer would say it.
INSTALL_FAILED_STEPS = {
    'stage': _('the certificate files could not be written on your web server.'),
    'validate': _('your web server did not accept the new certificate.'),
    'activate': _('your web server did not reload.'),
    'verify': _('your web server did not serve the new certificate after reloading.'),
}
INSTALL_FAILED_BEFORE_CHANGE = _('we could not connect to your web server, or its configuration did not '
                                 'pass its own check before we changed anything.')

# What the check of a domain found that stops the certificate authority, by the pre-flight's cause
# (dcv_preflight's codes); %(name)s is the name (or DNS record) concerned. A cause not listed here
# reads PREFLIGHT_OTHER.
PREFLIGHT_FAILURES = {
    'dns_server_silent': _('The DNS servers for %(name)s did not answer us; the certificate authority '
                           'cannot check the domain while they do not. We check again automatically.'),
    'dns_server_failure': _('The DNS servers for %(name)s answer with an error, so the certificate '
                            'authority cannot check the domain. Please ask your DNS provider to fix it.'),
    'invalid_name': _('%(name)s is not a valid domain name.'),
    'name_not_found': _('%(name)s does not exist in DNS: add it at your DNS provider, pointing to your '
                        'web site.'),
    'name_without_address': _('%(name)s has no address in DNS (an A or AAAA record): add one pointing '
                              'to your web site.'),
    'file_redirect': _('Your web site redirects the validation file for %(name)s to another address; the '
                       'certificate authority does not follow redirects. Serve the folder '
                       '/.well-known/pki-validation/ without redirecting it.'),
    'file_status': _('Your web site does not serve the validation file for %(name)s.'),
    'file_wrong_body': _('Your web site serves a different validation file for %(name)s than the one this '
                         'certificate needs.'),
    'file_unreachable': _('Your web site for %(name)s could not be reached to fetch the validation file.'),
    'cname_missing': _('The DNS record %(name)s for the validation is missing.'),
    'cname_wrong_target': _('The DNS record %(name)s for the validation points to the wrong value.'),
    'caa_forbids': _('The domain\'s CAA record does not allow our certificate authority (Sectigo) to issue '
                     'certificates for %(name)s. Please add sectigo.com to it, or remove the record.'),
    'caa_critical_unknown': _('The domain\'s CAA record for %(name)s carries a rule the certificate '
                              'authority does not know, which forbids it to issue. Please remove that rule.'),
}
# Every way a DNSSEC chain breaks reads the same to the customer: the DNS provider fixes it.
PREFLIGHT_DNSSEC_BROKEN = _('The DNSSEC signatures of %(name)s do not validate, and the certificate '
                            'authority refuses to issue until they do. Please ask your DNS provider to fix '
                            'DNSSEC.')
PREFLIGHT_FAILURES.update(dict.fromkeys(
    ('dnssec_stale_ds', 'dnssec_no_dnskey', 'dnssec_expired', 'dnssec_unsigned_records', 'dnssec_bad_signature'),
    PREFLIGHT_DNSSEC_BROKEN))
PREFLIGHT_OTHER = _('The certificate authority cannot validate %(name)s yet.')
PREFLIGHT_PASSED = _('%(name)s: ready for the certificate authority\'s check.')
# The portal's heading over the causes, while the order waits for them to be fixed.
PREFLIGHT_WAITING = _('We have not ordered the certificate yet: the certificate authority would refuse '
                      'it as things are. We check again automatically and order it as soon as this is '
                      'fixed:')
# Why the validation mail asks the customer to publish the proof for a name, when no check failed.
VALIDATE_NOT_HOSTED = _('We do not run the web site or the DNS of %(name)s, so please publish the proof '
                        'below yourself.')
VALIDATE_PUBLISH_FAILED = _('We could not publish the proof for %(name)s ourselves, so please publish it '
                            'below.')
# The current certificate's downloads while a reissue runs: it is still the one to use.
CURRENT_WHILE_REISSUING = _('This is your current certificate: it stays valid until the new one is issued. '
                            'Download it here meanwhile if you need it.')

# Asked before a reissue with a new key: what will happen, one sentence each.
REISSUE_CONFIRM_NEW_KEY = _('We make a new private key and ask the certificate authority for a new certificate '
                            'for %s, free, inside the term you paid for (until %s).')
REISSUE_CONFIRM_VALIDATION = _('The certificate authority checks again that you control the domain: if you '
                               'have something to do, we email you and this certificate\'s page says what.')
REISSUE_CONFIRM_VALIDATED_FOR_YOU = _('We validate the domain with the certificate authority for you.')
REISSUE_CONFIRM_CURRENT = _('Your current certificate stays valid and in use, and can be downloaded here, until '
                            'the new one is issued.')
REISSUE_CONFIRM_AFTER = {
    'install': _('Once the new certificate is issued, we install it on your site.'),
    'download': _('Once the new certificate is issued, download it with its new key from this certificate\'s '
                  'page and install both on your web server.'),
}
REISSUE_CONFIRM_NOT_REVOKED = _('The current certificate is not revoked: if its key may be known to someone '
                                'else, contact us (%s) once the new one is in use.')

# A purchase for a name the customer already has a certificate for (or one on its way): nothing is
# sold; the customer is pointed to that certificate, by what it needs now.
ALREADY_CERTIFIED = _('You already have a certificate for %s (%s, ordered on %s): nothing was ordered and you '
                      'were not charged.')
ALREADY_CERTIFIED_NEXT = {
    'awaiting_payment': _('Its invoice is waiting for your payment: once it is paid, we order the certificate.'),
    'ordering': _('It is being ordered and validated: its page says what is left to do.'),
    'live': _('It is valid: on its page you can reissue it with a new key, and keep auto-renewal on to '
              'renew it before its term ends.'),
}
