"""Mail templates compiled once per server process, not at every render.

Odoo 11's mail.template.render_template compiles the template's text (Jinja's from_string) each
time it renders a field: a customer mail renders its own fields and then the notification layout's,
and compiling was two thirds of that (a placement's "please validate" mail, the term cron's
reminders). The compiled template depends on its text alone (the environments' globals are set
once, at import), and rendering it is thread-safe, so it is kept by its text.
"""
import functools

from odoo.addons.mail.models import mail_template

COMPILED_TEMPLATES_KEPT = 512


def compiled_once(from_string):
    """`from_string` keeping what it compiled from a template's text alone; a call with more than
    the text (globals, a template class) compiles as before."""
    compile_text = functools.lru_cache(maxsize=COMPILED_TEMPLATES_KEPT)(from_string)

    @functools.wraps(from_string)
    def from_string_kept(source, *args, **kwargs):
        if args or kwargs:
            return from_string(source, *args, **kwargs)
        return compile_text(source)
    from_string_kept.cache_info = compile_text.cache_info
    return from_string_kept


for environment in (mail_template.mako_template_env, mail_template.mako_safe_template_env):
    if not hasattr(environment.from_string, 'cache_info'):
        environment.from_string = compiled_once(environment.from_string)
