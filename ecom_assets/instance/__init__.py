"""Dagster's own storage for the CLI: the local instance ``ecom`` writes runs into.

Dagster-side plumbing that is not a definition (so it is not under ``defs/``, which the code
location loads) and not plain Python (so it is not under ``lib/``): the event-log storage class
a ``dagster.yaml`` names, and the local ``DAGSTER_HOME`` the CLI and ``ecom ui`` share.
"""
