"""The registry on a Dask cluster: each file's checks and episodes run on a worker.

:func:`tpdn_outcomes.registry.open_registry` with ``cluster=`` (a scheduler address such
as ``"tcp://scheduler:8786"``, a :class:`distributed.Client` or a
:class:`distributed.LocalCluster`) returns the same :class:`~tpdn_outcomes.registry.Registry`,
whose passes over the files run here: one task per Parquet file, each running the very
code of the embedded path (the loader's checks, episode derivation, the per-file counts)
on a worker and handing back only episode-level tables and the file's report rows.
The statistics then run on the client, on those tables, as on the embedded path.

Partition safety: a patient's sessions must lie in one file (the checks across rows and
the episodes are per patient). That is checked on the cluster by a shuffle of the files'
distinct patient ids on the patient id (:func:`shared_patients`), the Dask counterpart of
the embedded path's DuckDB query.

Needs the ``cluster`` extra (``pip install "tpdn_outcomes[cluster]"``); ``dask`` and
``distributed`` are imported only when a cluster is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")
R = TypeVar("R")

#: Column names that hold the patient id in a raw file (as the embedded check reads them).
_PATIENT_COLUMNS = ("patient_id", "patient")


def _client_of(cluster: Any) -> tuple[Any, bool]:
    """A :class:`distributed.Client` for ``cluster``, and whether this module made it."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the extra is missing
        raise ImportError(
            "open_registry(cluster=...) needs Dask distributed. "
            'Fix: pip install "tpdn_outcomes[cluster]"'
        ) from exc
    if isinstance(cluster, Client):
        return cluster, False
    if isinstance(cluster, str) or hasattr(cluster, "scheduler_address"):
        return Client(cluster), True
    raise TypeError(
        f"cluster= must be a scheduler address (such as 'tcp://scheduler:8786'), a "
        f"distributed.Client or a distributed.LocalCluster, not {type(cluster).__name__}"
    )


class DaskRunner:
    """Runs the registry's per-file tasks on a Dask cluster.

    Parameters
    ----------
    cluster : str, distributed.Client or distributed.LocalCluster
        Where to run: a scheduler address, a client, or a cluster to connect a client to.
    """

    def __init__(self, cluster: Any) -> None:
        self.client, self._own = _client_of(cluster)

    @property
    def n_workers(self) -> int:
        """The workers the scheduler knows now."""
        return len(self.client.scheduler_info().get("workers", {}))

    def map(
        self, task: Callable[[T], R], items: Sequence[T], *, desc: str, progress: bool
    ) -> Iterator[R]:
        """``task`` of every item on the workers, yielded in the items' order (each result
        is released on the cluster once read)."""
        from distributed import as_completed

        futures = self.client.map(task, list(items), pure=False, key=f"tpdn-{desc}")
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(futures), desc=f"{desc} (cluster)", unit="file", leave=False)
            for _ in as_completed(futures):
                bar.update(1)
            bar.close()
        try:
            for k, future in enumerate(futures):
                result = future.result()
                futures[k] = None
                future.release()
                yield result
        finally:
            for future in futures:
                if future is not None:
                    future.cancel()

    def close(self) -> None:
        """Close the client if this runner opened it (a given client stays open)."""
        if self._own:
            self.client.close()


def _patient_ids(path: str, index: int) -> pd.DataFrame:
    """The distinct patient ids of one Parquet file (as text), with the file's index."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    column = next((c for c in names if str(c).strip().lower() in _PATIENT_COLUMNS), None)
    if column is None:  # the file's own checks report the missing column
        ids = pd.Series([], dtype="string")
    else:
        table = pq.read_table(path, columns=[column])
        ids = pd.Series(
            pc.unique(pc.cast(table.column(0), "string")).drop_null().to_pandas(), dtype="string"
        )
    return pd.DataFrame(
        {"patient_id": ids, "file": pd.Series(index, index=ids.index, dtype="int64")}
    )


def _n_shared(frame: pd.DataFrame) -> pd.Series:
    """Patients of one shuffled partition whose ids come from more than one file."""
    n = int((frame.groupby("patient_id", observed=True)["file"].nunique() > 1).sum())
    return pd.Series([n], dtype="int64", name="n")


def shared_patients(runner: DaskRunner, paths: Sequence[Path]) -> int:
    """How many patients have sessions in more than one of ``paths``, on the cluster.

    Each file's distinct ids are read on a worker, shuffled on the patient id (so every
    patient's ids meet in one partition) and counted there; only the count comes back.
    """
    import dask
    import dask.dataframe as dd

    meta = pd.DataFrame(
        {"patient_id": pd.Series([], dtype="string"), "file": pd.Series([], dtype="int64")}
    )
    parts = [dask.delayed(_patient_ids)(str(p), k) for k, p in enumerate(paths)]
    ids = dd.from_delayed(parts, meta=meta, verify_meta=False)
    shuffled = ids.shuffle(on="patient_id", npartitions=max(1, min(len(paths), 64)))
    counts = shuffled.map_partitions(_n_shared, meta=("n", "int64"))
    return int(runner.client.compute(counts.sum()).result())


def repartition_by_patient(
    source: str | Path,
    target: str | Path,
    *,
    cluster: Any,
    npartitions: int | None = None,
    patient_column: str = "patient_id",
) -> list[Path]:
    """Re-write a Parquet dataset so that each patient's sessions lie in one file, on a
    Dask cluster: the sessions are shuffled on the patient id.

    The fix that :func:`~tpdn_outcomes.registry.open_registry` names for a dataset whose
    patients straddle files. Every row and column is kept (hive ``key=value`` folders
    become columns); ``target`` then holds ``part.K.parquet`` files that
    :func:`~tpdn_outcomes.registry.open_registry` accepts, and whose rows its reports name.

    Parameters
    ----------
    source : path
        A Parquet file or folder (hive-partitioned or not).
    target : path
        A new folder (refused when it exists and is not empty).
    cluster : str, distributed.Client or distributed.LocalCluster
        Where to run, as ``open_registry(cluster=...)``.
    npartitions : int, optional
        Files to write; default: as many as ``source`` has.
    patient_column : str
        The patient id column of the files.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from distributed import Client, LocalCluster
    >>> from tpdn_outcomes.datasets import synthesize
    >>> from tpdn_outcomes.registry import open_registry, write_registry
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> wide = synthesize(n_patients=40, seed=3)
    >>> _ = write_registry([wide.iloc[:100], wide.iloc[100:]], folder / "raw")  # split mid-patient
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
    ...     with Client(cluster) as client:
    ...         files = repartition_by_patient(
    ...             folder / "raw", folder / "by_patient", cluster=client, npartitions=2
    ...         )
    ...         reg = open_registry(folder / "by_patient", cluster=client)  # accepted
    >>> [f.name for f in files]
    ['part-00000.parquet', 'part-00001.parquet']
    """
    import dask
    import dask.dataframe as dd

    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target}: exists and is not empty. Fix: give a new folder")
    runner = DaskRunner(cluster)
    try:
        sessions = dd.read_parquet(str(source))
        if patient_column not in sessions.columns:
            raise ValueError(
                f"{source}: has no column {patient_column!r}. Fix: pass patient_column= "
                f"(one of {list(sessions.columns)[:8]})"
            )
        n = npartitions or max(1, sessions.npartitions)
        shuffled = sessions.shuffle(on=patient_column, npartitions=n)
        writes = [
            dask.delayed(_write_part)(piece, target / f"part-{k:05d}.parquet")
            for k, piece in enumerate(shuffled.to_delayed())
        ]
        written = runner.client.compute(writes, sync=True)
    finally:
        runner.close()
    return [Path(w) for w in written]


def _write_part(frame: pd.DataFrame, path: Path) -> str:
    """Write one shuffled partition as a Parquet file, atomically (each file's own schema:
    categories differ between partitions)."""
    from tpdn_outcomes.io import atomic_write

    return str(atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False)))
