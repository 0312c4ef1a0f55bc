"""What an install did, step by step, for the record the models keep."""

# Final states. A report is `verified` only when the live check saw the new leaf.
VERIFIED = 'verified'
FAILED = 'failed'
ROLLED_BACK = 'rolled_back'
POSTPONED = 'postponed'
# Nothing was changed on purpose (e.g. no temporary certificate over a valid one); `error` says why.
SKIPPED = 'skipped'


class InstallReport(object):
    def __init__(self):
        self.steps = []  # dicts: step, ok, output
        self.state = None
        self.failed_step = None
        self.error = None
        self.host_fingerprint = None
        self.served_sha256 = None

    def add(self, step, ok, output=''):
        self.steps.append({'step': step, 'ok': ok, 'output': output or ''})

    def fail(self, state, error):
        self.state = state
        self.failed_step = error.step
        self.error = error.message
        self.add(error.step, False, '\n'.join(part for part in (error.message, error.output) if part))

    def skip(self, step, reason):
        self.state = SKIPPED
        self.error = reason
        self.add(step, True, reason)

    @property
    def reached(self):
        """The last step that succeeded (staged, validated, activated...), for the timeline."""
        done = [entry['step'] for entry in self.steps if entry['ok']]
        return done[-1] if done else None
