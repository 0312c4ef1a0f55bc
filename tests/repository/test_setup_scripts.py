"""The set-up commands fail with a message that says what to do, never a stack trace."""
import os
import shutil
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(command, env=None, cwd=ROOT):
    return subprocess.run(command, cwd=cwd, env=dict(os.environ, **(env or {})),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)


def test_bootstrap_names_a_missing_python37(tmp_path):
    # A copy without .venv, so the script has to look for Python 3.7.
    for name in ('tools', 'constraints.txt'):
        source = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, str(tmp_path / name))
    result = _run(['bash', 'tools/bootstrap.sh'], env={'PYTHON37': '/nonexistent/python3.7'},
                  cwd=str(tmp_path))
    assert result.returncode == 1
    assert 'PYTHON37=/nonexistent/python3.7 is not a working Python 3.7 interpreter' in result.stdout
    assert not (tmp_path / '.venv').exists()


def test_postgres_names_the_server_that_does_not_answer():
    result = _run(['bash', 'tools/postgres.sh'], env={'PGHOST': '127.0.0.1', 'PGPORT': '1'})
    assert result.returncode == 1
    assert 'no PostgreSQL answers at the server the PG* variables name' in result.stdout
    assert 'PGPORT=1' in result.stdout


def test_demo_refuses_a_taken_port():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    try:
        import stack
    finally:
        sys.path.pop(0)
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(stack.StackError, match='port %d on 127.0.0.1 is taken' % port):
            stack.require_free_port(port, 'Odoo')
