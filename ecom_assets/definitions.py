"""The code location: everything under ``defs/`` is loaded, nothing else is declared here.

Built from the installed ``defs`` package, not from a project folder: ``load_from_defs_folder``
looks for a ``pyproject.toml``/``dg.toml`` above the package, which a wheel installed in
site-packages does not have (``ecom demo`` from a ``pip install`` failed on it).
``ComponentTree.from_module`` builds the same tree from the package itself and leaves the code
location's name to whoever loads it (``dagster dev -m``, the gRPC server, a workspace), so no
second name can disagree with it (that disagreement was one warning per load, 73 at a
``dagster dev`` start).

As ``load_from_defs_folder`` does, the load silences Dagster's beta/preview notices about
APIs the defs use knowingly (``backfill_policy``, the defs-folder component): they are not
something a user of the UI can act on.
"""

import warnings
from pathlib import Path

import dagster as dg

import ecom_assets.defs

DAGSTER_NOTICES = (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning, DeprecationWarning)


@dg.definitions
def defs() -> dg.Definitions:
    with warnings.catch_warnings():
        for category in DAGSTER_NOTICES:
            warnings.simplefilter("ignore", category=category)
        return dg.ComponentTree.from_module(
            defs_module=ecom_assets.defs, project_root=Path(ecom_assets.defs.__file__).parent.parent
        ).build_defs()
