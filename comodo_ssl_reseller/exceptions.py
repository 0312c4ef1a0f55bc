from odoo.exceptions import UserError


class ComodoRefusal(UserError):
    """A refusal that says what to change (at sale Confirm, at Test connection).

    Still a UserError for RPC callers and for code that catches one. The web client shows it as a
    plain "Warning" dialog: static/src/js/refusal_dialog.js registers this class's qualified name,
    odoo.addons.comodo_ssl_reseller.exceptions.ComodoRefusal, in core.crash_registry; Odoo 11 titles
    every other UserError "Odoo Server Error".
    """
