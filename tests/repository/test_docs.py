"""The README's pictures are the ones `make screenshots` makes, and every one is in docs/."""
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
