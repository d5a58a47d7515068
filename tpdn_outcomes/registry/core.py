"""The registry: a Parquet dataset checked and analysed one file at a time.

Memory model: one file's sessions are in memory at a time (the loader's tables of that
file); what is kept across files is episode-level only (one row per episode and measure,
plus per-group counts of adverse events). The statistics run on the kept episode tables
with the very code of the in-memory path, so their results are the same.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from tpdn_outcomes import schema
from tpdn_outcomes.data import SessionData
from tpdn_outcomes.errors import DataQualityWarning, SchemaError, format_count
from tpdn_outcomes.io import arrow_frame, read_table
from tpdn_outcomes.outcomes.adverse import adverse_counts, adverse_plan, adverse_table
from tpdn_outcomes.outcomes.benchmark import clinic_benchmark as _clinic_benchmark
from tpdn_outcomes.outcomes.change import change_summary as _change_summary
from tpdn_outcomes.outcomes.recovery import TimeToResponse, response_times, time_to_response_of
from tpdn_outcomes.outcomes.responders import responder_rates as _responder_rates
from tpdn_outcomes.outcomes.rom import rom_change as _rom_change
from tpdn_outcomes.registry.files import Part, concat_tables, find_parts

# the loader's own steps, run on one file at a time (see tpdn_outcomes.validate)
from tpdn_outcomes.validate import (
    STRUCTURAL_CHECKS,
    Build,
    ValidationReport,
    prepare,
    refusal,
    unreadable_report,
)

#: Columns of a kept episode table that the statistics never read.
_UNUSED_EPISODE_COLUMNS = ("pct_change",)

_TOTALS = ("rows_read", "rows_excluded", "n_sessions", "n_patients")


@dataclasses.dataclass
class _PartResult:
    """What one file's task hands back: its report rows, whether it refuses the load, its
    counts, last session date and measures, and the value computed on its data (small:
    episode-level tables, never sessions)."""

    table: pd.DataFrame
    refused: bool
    totals: dict[str, int]
    end: pd.Timestamp | None
    names: list[str]
    value: Any


def _part_data(
    part: Part, options: Mapping[str, Any], errors: str, checking_only: bool
) -> tuple[ValidationReport, SessionData | None, bool]:
    """Check and load one file as load_sessions (or validate) does."""
    try:
        raw = read_table(part.path)
    except SchemaError as exc:
        exc.file = part.label  # type: ignore[attr-defined]
        return unreadable_report(exc), None, True
    if part.keys:
        frame = raw.frame.copy(deep=False)
        keys = arrow_frame(
            pa.table({k: pa.array([v] * len(frame), pa.string()) for k, v in part.keys})
        )
        for k in keys.columns:
            if k not in frame.columns:
                frame[k] = keys[k].to_numpy() if len(frame) == 0 else keys[k].array
        raw = dataclasses.replace(raw, frame=frame, file=part.label)
    elif part.label != raw.file:
        raw = dataclasses.replace(raw, file=part.label)
    build = Build(
        raw,
        None,
        coerce=not checking_only and errors == "coerce",
        raise_identifiers=not checking_only,
        **options,
    )
    report, sessions, measures, meta = build.run()
    structural = bool(set(report.errors["check"]) & STRUCTURAL_CHECKS)
    refused = (
        sessions is None or measures is None or structural or (errors == "raise" and not report.ok)
    )
    if checking_only or refused or sessions is None or measures is None:
        return report, None, refused
    data = SessionData(
        sessions, measures, metadata=meta, report=report, exclusions=build.exclusions, check=False
    )
    return report, data, False


def run_part(
    part: Part,
    *,
    options: Mapping[str, Any],
    errors: str,
    checking_only: bool,
    compute: Callable[[SessionData], Any] | None,
) -> _PartResult:
    """Check and load one file, and run ``compute`` on its data (the task of one file, in
    this process or on a cluster's worker)."""
    report, data, refused = _part_data(part, options, errors, checking_only)
    try:
        if data is None or refused:
            return _PartResult(report.table, refused, {}, None, [], None)
        totals = {k: int(data.metadata.get(k, 0)) for k in _TOTALS}
        last = data.sessions["session_date"].max()
        value = None if compute is None else compute(data)
        end = None if pd.isna(last) else pd.Timestamp(last)
        return _PartResult(report.table, False, totals, end, list(data.measure_names()), value)
    finally:
        del data
        # the file's tables are gone: hand the memory Arrow's pool kept back
        pa.default_memory_pool().release_unused()


def _kept_episodes(data: SessionData, *, measures: Sequence[str], final: str) -> dict[str, Any]:
    """One file's episode tables of ``measures`` (what the registry keeps)."""
    return {
        m: data.episodes(m, final=final).drop(columns=list(_UNUSED_EPISODE_COLUMNS))
        for m in measures
    }


def _response_times(data: SessionData, **options: Any) -> tuple[pd.DataFrame, str]:
    return response_times(data, **options)


class _EpisodeData:
    """What the episode-level statistics read of a :class:`SessionData`, from kept tables."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self.metadata = registry.metadata

    def episodes(self, measure: str = "pain", *, final: str = "post") -> pd.DataFrame:
        return self._registry.episodes(measure, final=final)

    def measure_names(self) -> list[str]:
        return self._registry.measure_names()


class Registry:
    """A Parquet session dataset, checked and analysed out of core (see :func:`open_registry`).

    Attributes
    ----------
    source : Path
        The file or folder.
    files : list of str
        The Parquet files, as named in reports (relative to the folder).
    metadata : dict
        ``source``, ``n_files``, ``export_date``, ``episode_gap_days``,
        ``open_after_days`` and, after the first pass, ``data_end`` (last session date),
        ``n_sessions``, ``n_patients``, ``rows_read`` and ``rows_excluded``.
    """

    def __init__(
        self,
        source: str | os.PathLike[str],
        *,
        mapping: Mapping[str, str] | None = None,
        pain_scale: Literal["nprs", "vas100"] = "nprs",
        conditions: Mapping[str, str] | None = None,
        errors: Literal["raise", "coerce"] = "raise",
        allow_columns: Iterable[str] = (),
        date_format: str | None = None,
        export_date: str | _dt.date | None = None,
        episode_gap_days: int = schema.EPISODE_GAP_DAYS,
        open_after_days: int = schema.OPEN_AFTER_DAYS,
        progress: bool = False,
        check_patients: bool = True,
        memory_limit: str = "1GB",
        cluster: Any = None,
    ) -> None:
        self.source = Path(source)
        self._parts = find_parts(self.source)
        self.files = [p.label for p in self._parts]
        allow_columns = list(allow_columns)
        # every argument checked as load_sessions checks it (on an empty table)
        _, _, stamp = prepare(
            pd.DataFrame(),
            None,
            pain_scale=pain_scale,
            errors=errors,
            export_date=export_date,
            sheet=None,
            encoding="utf-8-sig",
            column_map=mapping,
            allow_columns=allow_columns,
            conditions=conditions,
            episode_gap_days=episode_gap_days,
            open_after_days=open_after_days,
            date_format=date_format,
        )
        self._options: dict[str, Any] = {
            "column_map": mapping,
            "pain_scale": pain_scale,
            "conditions": conditions,
            "allow_columns": allow_columns,
            "date_format": date_format,
            "export_date": stamp,
            "episode_gap_days": episode_gap_days,
            "open_after_days": open_after_days,
        }
        self.errors = errors
        self.progress = progress
        self.memory_limit = memory_limit
        self.metadata: dict[str, Any] = {
            "source": str(self.source),
            "n_files": len(self._parts),
            "export_date": stamp.date().isoformat(),
            "episode_gap_days": episode_gap_days,
            "open_after_days": open_after_days,
        }
        self._report: ValidationReport | None = None
        self._checked: ValidationReport | None = None
        self._episodes: dict[tuple[str, str], pd.DataFrame] = {}
        self._measures: list[str] | None = None
        self._warned = False
        self._runner: Any = None
        if cluster is not None:
            from tpdn_outcomes.registry.cluster import DaskRunner

            self._runner = DaskRunner(cluster)
        if check_patients and len(self._parts) > 1:
            self._check_patients()

    # -- DuckDB ----------------------------------------------------------------
    def connect(self) -> Any:
        """A DuckDB connection with the dataset as the view ``sessions`` (its raw cells).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from tpdn_outcomes.datasets import synthesize
        >>> from tpdn_outcomes.registry import write_registry
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = write_registry([synthesize(n_patients=30, seed=2)], folder)
        >>> con = open_registry(folder).connect()
        >>> con.execute("SELECT count(DISTINCT patient_id) FROM sessions").fetchone()[0]
        30
        """
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{self.memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET enable_progress_bar = {'true' if self.progress else 'false'}")
        paths = ", ".join("'" + str(p.path).replace("'", "''") + "'" for p in self._parts)
        hive = "true" if self._parts[0].keys else "false"
        con.execute(
            f"CREATE VIEW sessions AS SELECT * FROM read_parquet([{paths}], "
            f"hive_partitioning = {hive}, filename = true, union_by_name = true)"
        )
        return con

    def sql(self, query: str) -> pd.DataFrame:
        """Run a DuckDB query over the raw dataset (the view ``sessions``) into a DataFrame."""
        con = self.connect()
        try:
            return con.execute(query).df()
        finally:
            con.close()

    def _check_patients(self) -> None:
        """Refuse a dataset in which a patient's rows lie in more than one file: the
        checks across rows (duplicates, session order, episodes) run within a file."""
        if self._runner is not None:
            from tpdn_outcomes.registry.cluster import shared_patients

            self._refuse_shared(shared_patients(self._runner, [p.path for p in self._parts]))
            return
        con = self.connect()
        try:
            names = con.execute("SELECT * FROM sessions LIMIT 0").df().columns
            pid = next(
                (c for c in names if str(c).strip().lower() in ("patient_id", "patient")), None
            )
            if pid is None:
                return  # the checks of each file report the missing column
            found = con.execute(
                f'SELECT count(*) FROM (SELECT "{pid}" FROM sessions GROUP BY 1 '
                "HAVING min(filename) <> max(filename))"
            ).fetchone()
        finally:
            con.close()
        self._refuse_shared(int(found[0]) if found else 0)

    def _refuse_shared(self, n: int) -> None:
        if n:
            raise SchemaError(
                f"{self.source}: {format_count(n, 'patient')} {'has' if n == 1 else 'have'} "
                "sessions in more than one "
                "file; the checks across a patient's sessions (duplicates, session order, "
                "episodes) need all of them in one file. Fix: write the dataset partitioned "
                "by patient (write_registry, repartition_by_patient on a Dask cluster, or DuckDB's COPY ... PARTITION_BY on a hash of "
                "patient_id), or pass check_patients=False to accept per-file episodes"
            )

    # -- one pass over the files ---------------------------------------------------
    def _map(self, task: Callable[[Part], _PartResult], desc: str) -> Iterable[_PartResult]:
        """``task`` of every file, in the files' order (here one after the other; with
        ``cluster=``, on the cluster's workers)."""
        if self._runner is not None:
            yield from self._runner.map(task, self._parts, desc=desc, progress=self.progress)
            return
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(self._parts), desc=desc, unit="file", leave=False)
        try:
            for part in self._parts:
                yield task(part)
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    def _pass(
        self,
        compute: Callable[[SessionData], Any] | None,
        *,
        desc: str,
        checking_only: bool = False,
    ) -> tuple[ValidationReport, list[Any]]:
        """Check and load every file, run ``compute`` on each file's loaded data; return
        the combined report and the values of ``compute``, in the files' order."""
        task = functools.partial(
            run_part,
            options=self._options,
            errors=self.errors,
            checking_only=checking_only,
            compute=compute,
        )
        reports: list[pd.DataFrame] = []
        values: list[Any] = []
        refused = False
        totals = dict.fromkeys(_TOTALS, 0)
        end: pd.Timestamp | None = None
        names: set[str] = set()
        for result in self._map(task, desc):
            reports.append(result.table)
            refused |= result.refused
            if result.refused or refused:
                continue
            for k in totals:
                totals[k] += result.totals.get(k, 0)
            if result.end is not None:
                end = result.end if end is None else max(end, result.end)
            names.update(result.names)
            values.append(result.value)
        combined = _combine_reports(reports, self.files)
        if checking_only:
            return combined, values
        self._report = combined
        if refused:
            raise refusal(combined)
        self.metadata.update(totals)
        self.metadata["data_end"] = None if end is None else str(end.date())
        rank = {"pain": 0, "rom": 1, "function": 2}
        self._measures = sorted(names, key=lambda n: (rank.get(n.split(":")[0], 3), n))
        if len(combined.warnings) and not self._warned:
            self._warned = True
            warnings.warn(
                f"{self.source.name}: {format_count(len(combined.warnings), 'data-quality warning')} "
                "(implausible values, long gaps, one-session episodes); see registry.report",
                DataQualityWarning,
                stacklevel=3,
            )
        return combined, values

    # -- checks ------------------------------------------------------------------
    def validate(self) -> ValidationReport:
        """Check every file and report every problem, as :func:`tpdn_outcomes.validate`
        reports them file by file; never raises for problems in the data."""
        if self._checked is None:
            self._checked = self._pass(None, desc="validate", checking_only=True)[0]
        return self._checked

    def validate_cells(self) -> ValidationReport:
        """The declared checks of every file that DuckDB runs, where the files lie.

        The declared checks of :mod:`tpdn_outcomes.validate.checks` that the SQL engine
        runs (``tpdn_outcomes.validate.sql.IN_SQL``: blank keys, unknown conditions,
        dates, whole numbers, categories, measure values) as SQL over each Parquet file,
        and the rules across rows (``tpdn_outcomes.validate.sql_rows.ROWS_IN_SQL``:
        session order, duplicates, long gaps, one-session episodes, pre/post pairs) as
        window queries: only the flagged cells are read into memory. Its rows equal
        :meth:`validate`'s rows of the same checks; the identifier guard, parsed labels
        and long measures tables need :meth:`validate`.
        """
        from tpdn_outcomes.validate.sql import sql_report

        options = self._options
        con = self.connect()
        try:
            tables = [
                sql_report(
                    part.path,
                    file=part.label,
                    con=con,
                    column_map=options["column_map"],
                    pain_scale=options["pain_scale"],
                    conditions=options["conditions"],
                    export_date=options["export_date"].date(),
                    date_format=options["date_format"],
                    episode_gap_days=options["episode_gap_days"],
                ).table
                for part in self._parts
            ]
        finally:
            con.close()
        return _combine_reports(tables, self.files)

    @property
    def report(self) -> ValidationReport:
        """The report of loading every file (as ``SessionData.report``; raises
        :class:`SchemaError` as :func:`tpdn_outcomes.load_sessions` does)."""
        if self._report is None:
            self.load(["pain"])
        assert self._report is not None
        return self._report

    # -- episodes --------------------------------------------------------------------
    def load(self, measures: Sequence[str] = ("pain",), *, final: str = "post") -> Registry:
        """One pass over the files, keeping the episode tables of ``measures``.

        Returns ``self``. Later calls for measures already kept cost nothing.
        """
        wanted = [m for m in dict.fromkeys(measures) if (m, final) not in self._episodes]
        if not wanted and self._report is not None:
            return self
        compute = functools.partial(_kept_episodes, measures=wanted, final=final)
        _, values = self._pass(compute, desc="episodes")
        for m in wanted:
            self._episodes[(m, final)] = self._finish([v[m] for v in values])
        return self

    def _finish(self, frames: list[pd.DataFrame]) -> pd.DataFrame:
        """The episodes of all files, in the order of one table loaded whole, with ``open``
        judged against the whole dataset's end."""
        ep = concat_tables(frames)
        if len(ep) == 0:
            return ep
        codes = np.asarray(ep["patient_id"].array.codes)
        if not bool(np.all(codes[1:] >= codes[:-1])):
            ep = ep.take(np.argsort(codes, kind="stable")).reset_index(drop=True)
        end = self.metadata.get("data_end")
        after = int(self.metadata["open_after_days"])
        if end is not None:
            is_open = ep["last_date"] >= pd.Timestamp(end) - pd.Timedelta(days=after)
            ep["open"] = pd.arrays.BooleanArray(
                is_open.to_numpy(bool), ep["last_date"].isna().to_numpy()
            )
        return ep

    def episodes(self, measure: str = "pain", *, final: str = "post") -> pd.DataFrame:
        """One row per episode, as :meth:`SessionData.episodes` (without ``pct_change``)."""
        if (measure, final) not in self._episodes:
            self.load([measure], final=final)
        return self._episodes[(measure, final)].copy(deep=False)

    def measure_names(self) -> list[str]:
        """The measures present, in the order of :meth:`SessionData.measure_names`."""
        if self._measures is None:
            self.load(["pain"])
        assert self._measures is not None
        return list(self._measures)

    # -- statistics ------------------------------------------------------------------
    def change_summary(self, **options: Any) -> pd.DataFrame:
        """:func:`tpdn_outcomes.outcomes.change_summary` of the registry."""
        self.load([options.get("measure", "pain")], final=options.get("final", "post"))
        return _change_summary(_EpisodeData(self), **options)  # type: ignore[arg-type]

    def responder_rates(self, **options: Any) -> pd.DataFrame:
        """:func:`tpdn_outcomes.outcomes.responder_rates` of the registry."""
        self.load([options.get("measure", "pain")])
        return _responder_rates(_EpisodeData(self), **options)  # type: ignore[arg-type]

    def clinic_benchmark(self, **options: Any) -> pd.DataFrame:
        """:func:`tpdn_outcomes.outcomes.clinic_benchmark` of the registry."""
        self.load([options.get("measure", "pain")])
        return _clinic_benchmark(_EpisodeData(self), **options)  # type: ignore[arg-type]

    def rom_change(self, **options: Any) -> pd.DataFrame:
        """:func:`tpdn_outcomes.outcomes.rom_change` of the registry."""
        names = options.get("measures")
        if names is None:
            names = [m for m in self.measure_names() if m.startswith("rom:")]
        self.load(list(names), final=options.get("final", "post"))
        return _rom_change(_EpisodeData(self), **options)  # type: ignore[arg-type]

    def adverse_event_rates(
        self,
        *,
        by: str | Sequence[str] | None = "condition",
        events: Sequence[str] | None = None,
        confidence: float = 0.95,
        method: Literal["clopper-pearson", "wilson", "agresti-coull"] = "clopper-pearson",
    ) -> pd.DataFrame:
        """:func:`tpdn_outcomes.outcomes.adverse_event_rates` of the registry: counts
        per file added up (a patient's sessions lie in one file), then the intervals."""
        keys, wanted = adverse_plan(by, events)
        if "open" in keys:
            raise ValueError("by='open' is not available on a registry; group by other keys")
        compute = functools.partial(adverse_counts, keys=keys, wanted=wanted)
        counts = concat_tables(self._pass(compute, desc="adverse events")[1])
        group = [*keys, "event", "unit"]
        summed = (
            counts.groupby(group, observed=True, dropna=False, sort=False)[
                ["n", "events", "n_not_recorded"]
            ]
            .sum()
            .reset_index()
        )
        if keys:
            summed = summed.sort_values(keys, kind="stable").reset_index(drop=True)
        return adverse_table(summed, keys, wanted, confidence=confidence, method=method)

    def time_to_response(
        self,
        *,
        measure: str = "pain",
        threshold: float | None = None,
        kind: Literal["absolute", "percent"] = "absolute",
        time: Literal["days", "sessions"] = "days",
        by: str | Sequence[str] | None = "condition",
        confidence: float = 0.95,
        conf_type: Literal["log", "log-log", "plain"] = "log",
        registry: pd.DataFrame | None = None,
    ) -> TimeToResponse:
        """:func:`tpdn_outcomes.outcomes.time_to_response` of the registry: each episode's
        time to response found file by file, the Kaplan-Meier curves on the episodes."""
        from tpdn_outcomes.outcomes._common import grouping_keys

        keys = grouping_keys(by)
        compute = functools.partial(
            _response_times,
            measure=measure,
            threshold=threshold,
            kind=kind,
            time=time,
            registry=registry,
        )
        _, values = self._pass(compute, desc="time to response")
        episodes = self._finish([ep for ep, _ in values])
        rules = [rule for _, rule in values]
        rule = (
            rules[0]
            if rules
            else response_times(
                _empty_data(), measure=measure, threshold=threshold, kind=kind, registry=registry
            )[1]
        )
        return time_to_response_of(
            episodes,
            rule,
            keys,
            measure=measure,
            time=time,
            confidence=confidence,
            conf_type=conf_type,
        )

    def close(self) -> None:
        """Close the cluster client that ``open_registry(cluster="tcp://...")`` opened
        (a client or cluster passed in stays open); nothing to do embedded."""
        if self._runner is not None:
            self._runner.close()

    def __repr__(self) -> str:
        where = (
            ""
            if self._runner is None
            else f" on the Dask cluster {self._runner.client.scheduler.address}"
        )
        return f"<Registry: {len(self._parts)} Parquet file(s) in {self.source}{where}>"


def _empty_data() -> SessionData:  # pragma: no cover - a dataset with no file loaded
    raise SchemaError("the registry has no loadable file")


def _combine_reports(tables: list[pd.DataFrame], files: list[str]) -> ValidationReport:
    """One report from the files' reports, ordered as the loader orders one file's."""
    tables = [t for t in tables if len(t)]
    if not tables:
        return ValidationReport(files=files)
    table = pd.concat(tables, ignore_index=True)
    sev = (table["severity"] != "error").astype(int)
    order = np.lexsort((table.index.to_numpy(), sev.to_numpy()))
    # (each file's report is already sorted by file, row and column within a severity)
    return ValidationReport(table.take(order).reset_index(drop=True), files=files)


def open_registry(
    path_or_glob: str | os.PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    **options: Any,
) -> Registry:
    """Open a Parquet file or a hive-partitioned Parquet dataset as a :class:`Registry`.

    Parameters
    ----------
    path_or_glob : path
        A ``.parquet`` file, or a folder of them (hive ``key=value`` sub-folders become
        columns, as DuckDB and Arrow read them).
    mapping : mapping, optional
        Your column name -> canonical name (``column_map=`` of ``load_sessions``).
    **options
        The other arguments of :func:`tpdn_outcomes.load_sessions` (``export_date``,
        ``errors``, ``pain_scale``, ``conditions``, ``allow_columns``, ``date_format``,
        ``episode_gap_days``, ``open_after_days``), and ``progress`` (progress bars),
        ``check_patients`` (refuse a patient spread over files; default True),
        ``memory_limit`` (DuckDB's, default ``"1GB"``) and ``cluster`` (run the passes
        over the files on a Dask cluster: a scheduler address such as
        ``"tcp://scheduler:8786"``, a ``distributed.Client`` or a
        ``distributed.LocalCluster``; see :mod:`tpdn_outcomes.registry.cluster`. The
        files must be at the same path on the workers).

    Returns
    -------
    Registry

    Raises
    ------
    FileNotFoundError
        When the path does not exist.
    SchemaError
        When a folder holds no Parquet file, or a patient's sessions lie in more than one
        file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from tpdn_outcomes.datasets import sample_path
    >>> from tpdn_outcomes.registry import write_registry
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> wide = pd.read_csv(sample_path("sessions.csv"))
    >>> _ = write_registry([wide], folder / "sample")
    >>> reg = open_registry(folder / "sample", export_date="2026-11-24")
    >>> reg.files[:1]
    ['clinic_id=CLN-01/part-00000.parquet']
    """
    if isinstance(path_or_glob, str) and any(ch in path_or_glob for ch in "*?["):
        base = path_or_glob.split("*")[0].split("?")[0].split("[")[0]
        path_or_glob = base.rstrip("/") or "."
    return Registry(path_or_glob, mapping=mapping, **options)
