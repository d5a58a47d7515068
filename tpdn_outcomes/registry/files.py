"""The files of a registry: finding a dataset's Parquet files, writing one chunk by chunk,
and putting per-file tables back together in the order of one table loaded whole."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tpdn_outcomes.errors import SchemaError
from tpdn_outcomes.io import atomic_write

_HIVE = re.compile(r"^([^=/\\]+)=(.*)$")


@dataclasses.dataclass(frozen=True)
class Part:
    """One Parquet file of the dataset: its path, its label in reports and its hive keys."""

    path: Path
    label: str
    keys: tuple[tuple[str, str], ...]


def find_parts(source: Path) -> list[Part]:
    """The Parquet files of ``source`` (a file, or a folder searched recursively), sorted,
    with their hive ``key=value`` folders; refuses a folder with none, or with files
    partitioned by different keys."""
    if source.is_file():
        return [Part(source, source.name, ())]
    if not source.is_dir():
        raise FileNotFoundError(
            f"{source}: no such file or folder; give a Parquet file or a folder of Parquet files"
        )
    files = sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and p.suffix in (".parquet", ".pq") and not p.name.startswith((".", "_"))
    )
    if not files:
        raise SchemaError(
            f"{source}: holds no Parquet files (*.parquet). Fix: give the folder of the dataset"
        )
    parts = []
    for f in files:
        rel = f.relative_to(source)
        keys = []
        for piece in rel.parts[:-1]:
            m = _HIVE.match(piece)
            if m:
                keys.append((m.group(1), m.group(2)))
        parts.append(Part(f, rel.as_posix(), tuple(keys)))
    names = {tuple(k for k, _ in p.keys) for p in parts}
    if len(names) > 1:
        raise SchemaError(
            f"{source}: its files are partitioned by different keys ({sorted(names)}). "
            "Fix: write every file of the dataset under the same key=value folders"
        )
    return parts


def concat_tables(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-file tables, keeping categorical columns categorical.

    Columns whose categories differ between files get the union of the categories,
    sorted when every file's were sorted (ids and the loader's sorted vocabularies), so
    that group order is that of one table loaded whole.
    """
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return pd.DataFrame()
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out: dict[str, Any] = {}
    for col in frames[0].columns:
        parts = [f[col] for f in frames]
        dtypes = [p.dtype for p in parts]
        if isinstance(dtypes[0], pd.CategoricalDtype) and not all(d == dtypes[0] for d in dtypes):
            cats = [p.cat.categories for p in parts]
            fast = _union_disjoint(parts)
            if fast is not None:
                out[col] = fast
                continue
            ordered_each = all(c.is_monotonic_increasing for c in cats)
            union = pd.api.types.union_categoricals(
                [p.array for p in parts], sort_categories=ordered_each, ignore_order=True
            )
            # (the categories keep the dtype of one file's, as a whole load makes them)
            categories = pd.Index(union.categories, dtype=cats[0].dtype)
            out[col] = pd.Series(
                pd.Categorical.from_codes(
                    union.codes, categories=categories, ordered=bool(dtypes[0].ordered)
                ),
                copy=False,
            )
        else:
            out[col] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


def _union_disjoint(parts: list[pd.Series]) -> pd.Series | None:
    """The union of categoricals with sorted categories that no two share (patient and
    episode ids: a patient is in one file), sorted, in one Arrow sort; None otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cats = [p.cat.categories for p in parts]
    if any(c.dtype != cats[0].dtype or not c.is_monotonic_increasing for c in cats):
        return None
    if bool(dtypes_ordered := parts[0].cat.ordered) or not all(
        pd.api.types.is_string_dtype(c.dtype) for c in cats
    ):
        return None
    try:
        texts = pa.chunked_array([pa.array(np.asarray(c, dtype=object), pa.string()) for c in cats])
    except (pa.ArrowException, TypeError):
        return None
    order = pc.sort_indices(texts).to_numpy()
    ordered = texts.take(pa.array(order))
    if (
        len(ordered) > 1
        and pc.any(pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))).as_py()
    ):
        return None  # shared categories: the general union
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    offsets = np.cumsum([0, *[len(c) for c in cats]])
    codes = np.concatenate(
        [
            np.where(
                np.asarray(p.cat.codes) >= 0,
                rank[offsets[i] + np.maximum(np.asarray(p.cat.codes), 0)],
                -1,
            )
            for i, p in enumerate(parts)
        ]
    )
    categories = pd.Index(ordered.to_numpy(), dtype=cats[0].dtype)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories, ordered=dtypes_ordered),
        copy=False,
    )


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def write_registry(
    chunks: Iterable[pd.DataFrame],
    folder: str | os.PathLike[str],
    *,
    partition_by: str = "clinic_id",
    progress: bool = False,
) -> list[Path]:
    """Write session tables, chunk by chunk, as a hive-partitioned Parquet dataset.

    Each chunk is written as one file per value of ``partition_by``
    (``folder/clinic_id=CLN-01/part-00000.parquet``), atomically; the chunks are never
    held together. A patient's sessions must all be in one chunk (and one partition),
    as :func:`open_registry` checks.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from tpdn_outcomes.datasets import synthesize
    >>> out = write_registry([synthesize(n_patients=20, seed=1)], pathlib.Path(tempfile.mkdtemp()))
    >>> out[0].parent.name
    'clinic_id=CLN-01'
    """
    folder = Path(folder)
    written: list[Path] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc="write", unit="chunk", leave=False)
    for k, chunk in enumerate(chunks):
        if partition_by not in chunk.columns:
            raise ValueError(
                f"partition_by={partition_by!r} is not a column of chunk {k}; "
                f"use one of {list(chunk.columns)[:8]}"
            )
        values = chunk[partition_by].astype("string")
        for value in sorted(values.dropna().unique()):
            part = chunk.loc[(values == value).to_numpy(dtype=bool)].drop(columns=partition_by)
            target = folder / f"{partition_by}={value}" / f"part-{k:05d}.parquet"
            written.append(atomic_write(target, functools.partial(_to_parquet, part)))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return written
