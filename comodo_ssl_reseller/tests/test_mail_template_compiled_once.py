"""A mail template's text is compiled once per server process, then rendered from what was kept."""
from unittest.mock import patch

from jinja2.sandbox import SandboxedEnvironment

from .common import ComodoCase, unique_domain


class TestMailTemplateCompiledOnce(ComodoCase):

    def test_a_second_mail_from_a_template_compiles_nothing_again(self):
        first, second = self._buy(unique_domain('www')), self._buy(unique_domain('www'))
        template = self.env.ref('comodo_ssl_reseller.mail_template_validation_needed')
        first_mail = template.generate_email(first.id, ['subject', 'body_html'])
        with patch.object(SandboxedEnvironment, 'compile', autospec=True,
                          side_effect=SandboxedEnvironment.compile) as compile_text:
            second_mail = template.generate_email(second.id, ['subject', 'body_html'])
        self.assertEqual(compile_text.call_count, 0, 'the same texts, already compiled')
        self.assertIn(first.domain, first_mail['body_html'])
        self.assertIn(second.domain, second_mail['body_html'])
        self.assertNotIn(first.domain, second_mail['body_html'], 'each mail rendered for its own order')
