"""tests/repository: the repository itself.

What a test here may need: the repository's files (README, docs, manifest, data files, Makefile,
tools/, setup/, the test folders' own layout) and its tools and packages run in processes of their
own (pip building the wheel, the set-up scripts, a Python loading the addon to see what it prints).
What it must not: use a database, start an Odoo server or the sandbox, or reach the network; a test of
what the code does at run time belongs in one of the other folders.
"""
