"""The README's pictures are the ones `make screenshots` makes, and every one is in docs/; the code's
comments say why, without pointing to texts a reader of the repository does not have."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return handle.read()


def test_readme_pictures_are_made_by_make_screenshots():
    shown = set(re.findall(r'!\[[^\]]*\]\((docs/[^)]+\.png)\)', _read('README.md')))
    made = {'docs/' + name for name in re.findall(r"""picture(?:=|\()'([^']+\.png)'""",
                                                   _read('tools', 'screenshots.py'))}
    assert shown, 'the README shows pictures'
    assert shown == made, 'the README shows exactly the pictures tools/screenshots.py takes'
    for path in shown:
        assert os.path.getsize(os.path.join(ROOT, path)) > 10000, path
    assert re.search(r'^screenshots:.*\n\t.*tools/screenshots\.py', _read('Makefile'), re.M)


# "see issue 16", "§5 of the notes", "the notes give", "[CD]" (a source list's tag): places a reader
# of the repository cannot open.
DANGLING_REFERENCE = re.compile(r'§|\bissue \d+|\bthe notes\b|\[(?:CD|JR|PY2|SD|SSLCOM|WEB)\b')


def test_the_client_and_the_company_comment_without_dangling_references():
    paths = [os.path.join('comodo_ssl_reseller', 'comodo_client', name)
             for name in os.listdir(os.path.join(ROOT, 'comodo_ssl_reseller', 'comodo_client'))
             if name.endswith('.py')]
    paths.append(os.path.join('comodo_ssl_reseller', 'models', 'res_company.py'))
    found = ['%s:%d: %s' % (path, number, line.strip())
             for path in paths for number, line in enumerate(_read(path).splitlines(), 1)
             if DANGLING_REFERENCE.search(line)]
    assert found == []
