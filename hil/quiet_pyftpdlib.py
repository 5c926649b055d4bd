"""Import pyftpdlib without the asyncore/asynchat DeprecationWarnings its modules trigger on
Python 3.11 (nothing a user of this package can act on). The pytest plugin imports this first,
so the warnings do not show in the user's test run."""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="The asyn(core|chat) module is deprecated", category=DeprecationWarning
    )
    import pyftpdlib.handlers
    import pyftpdlib.ioloop
    import pyftpdlib.servers  # noqa: F401
