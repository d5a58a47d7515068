"""Registries larger than memory: the same checks and statistics, one file at a time.

:func:`open_registry` opens a Parquet file or a hive-partitioned Parquet dataset (a folder
such as ``sessions/clinic_id=CLN-01/part-0.parquet``) with DuckDB, embedded. Each file is
checked by the loader's own checks (exactly as :func:`tpdn_outcomes.load_sessions` checks
that file), its episodes are derived, and only episode-level tables are kept; the domain
statistics then run on them. See ``docs/registry.md``.

Examples
--------
>>> import tempfile, pathlib
>>> from tpdn_outcomes.datasets import synthesize
>>> from tpdn_outcomes.registry import open_registry, write_registry
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "registry"
>>> _ = write_registry([synthesize(n_patients=200, seed=1)], folder)
>>> reg = open_registry(folder, export_date="2026-07-01")
>>> reg.validate().ok
True
>>> import warnings, tpdn_outcomes as tpdn
>>> warnings.simplefilter("ignore", tpdn.DataQualityWarning)
>>> whole = tpdn.load_sessions(synthesize(n_patients=200, seed=1), export_date="2026-07-01")
>>> reg.change_summary().equals(tpdn.outcomes.change_summary(whole))
True
"""

from tpdn_outcomes.registry.cluster import repartition_by_patient
from tpdn_outcomes.registry.core import Registry, open_registry
from tpdn_outcomes.registry.files import write_registry

__all__ = ["Registry", "open_registry", "repartition_by_patient", "write_registry"]
