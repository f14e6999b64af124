"""The ``gisxz`` command line: one module per command group, shared options in :mod:`.options`."""
