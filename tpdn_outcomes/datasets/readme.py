"""The README of the sample files."""

from __future__ import annotations

import pandas as pd

from tpdn_outcomes import schema
from tpdn_outcomes.datasets.design import (
    ADVERSE_EVENT_RATES,
    CONDITION_PARAMS,
    FUNCTION_COLUMNS,
    ROM_COLUMNS,
    SAMPLE_EXPORT_DATE,
    TWITCH_RATE,
    SampleDesign,
)
from tpdn_outcomes.datasets.messy import PLANT_DESCRIPTIONS, PLANT_NOTES


def readme_text(
    *,
    design: SampleDesign,
    wide: pd.DataFrame,
    index: pd.DataFrame,
    measures: pd.DataFrame,
    messy: pd.DataFrame,
    planted: pd.DataFrame,
) -> str:
    first, last = wide["session_date"].min(), wide["session_date"].max()
    n_pat = wide["patient_id"].nunique()
    plant_rows = "\n".join(
        f"| {r['row']} | {r['column']} | {r['value'] or '(blank)'} | {r['check']} | "
        f"{r['severity']} | "
        f"{PLANT_DESCRIPTIONS.get((r['check'], r['value']), PLANT_NOTES.get(r['check'], ''))} |"
        for r in planted.to_dict("records")
    )
    lines = []
    for cond, c in CONDITION_PARAMS.items():
        side = f" ({c.rom_sides})" if c.rom_sides in ("both", "affected") else ""
        unit = schema.ROM_SITES[c.rom_site].unit if c.rom_site else ""
        lines.append(
            f"| {cond} | {c.pain_baseline:g} | {c.pain_change:+g} | {c.pain_immediate:+g} | "
            f"{c.rom_site + side if c.rom_site else '-'} | "
            f"{f'{c.rom_change:+g} {unit}' if c.rom_site else '-'} | "
            f"{c.instrument or '-'} | {f'{c.function_change:+g}' if c.instrument else '-'} |"
        )
    truth_rows = "\n".join(lines)
    ae = ", ".join(f"{k} {v:.1%}" for k, v in ADVERSE_EVENT_RATES.items())
    return f"""# Sample data (synthetic)

These files are **synthetic**: made by `tpdn_outcomes.datasets.synthesize` with seed
{design.seed} for {design.n_patients} invented patients in {_clinics_text(design)}, sessions from
{first:%Y-%m-%d} to {last:%Y-%m-%d} ({design.description}). No row describes a real person; the file
holds no direct identifiers (patients are pseudonyms `P00001`...; ages are banded).
The numbers are illustrative, not clinical evidence.

Regenerate them (byte for byte; the XLSX differs only in its timestamps) with

```
python -m tpdn_outcomes.datasets --out data/sample
```

which also refreshes the copy shipped inside the package (`tpdn_outcomes/sample_data/`,
loaded by `tpdn_outcomes.datasets.load_sample()`; `--no-package-copy` skips it).
`tests/test_datasets.py` checks that the shipped files equal the generator's output.
`redcap_records.csv` and `redcap_dictionary.csv` hold the same data as a REDCap project
(a `patient` instrument and a repeating `session` instrument; coded choices; adverse events
as a checkbox field), made with
`tpdn_outcomes.interop.write_redcap(tpdn_outcomes.load_sample(), "data/sample")`;
`tests/test_redcap.py` checks they equal that output and read back into the same data.
`fhir_bundle.json` is an HL7 FHIR R4 Bundle of the first six patients (Organizations,
Patients, needling Procedures, measure Observations), made with
`python -m tpdn_outcomes.interop.fhir data/sample/fhir_bundle.json`; `tests/test_fhir.py`
checks it equals that output and reads back into the same data.

Load them with `export_date="{SAMPLE_EXPORT_DATE}"` (the day after the last quarter;
`load_sample()` does) so the result does not depend on today's date.

## Files

| file | rows | what it is for |
| --- | ---: | --- |
| `sessions.csv` | {len(wide)} | the wide session table a clinic exports: one row per needling session ({n_pat} patients) |
| `sessions.xlsx` | {len(wide)} | the same table as a spreadsheet (sheet `sessions`) |
| `sessions_index.csv` | {len(index)} | the long form, part 1: one row per session with a `session_id` |
| `measures_long.csv` | {len(measures)} | the long form, part 2: one row per session x measure x timing |
| `sessions_with_errors.csv` | {len(messy)} | a messy export of {len(messy) - 1} clean sessions plus one repeated row, with {len(planted)} planted problems (below), for the validation walkthrough |

Completed episodes per clinic and quarter of their last session, as the quarterly report
counts them (episodes stopped early count; those still open, with a session in the 30 days
before the export date, do not, so the last quarter is short):

{_completed_table(wide)}

### `sessions.csv` and `sessions.xlsx`
Columns, in order: `patient_id`, `session_date` (ISO `YYYY-MM-DD`), `session_number`
(1, 2, ... within the episode), `clinic_id` (`CLN-01`...), `condition` (canonical names),
`practitioner_role`, `muscles` (`;`-separated), `needle_count`, `twitch_response`
(`yes`/`no`), `adverse_events` (`none`, or `;`-separated events in alphabetical order),
`age_band`, `sex`, `pain_pre`, `pain_post` (NPRS 0-10, whole points), then range of motion
`rom_<site>_pre`/`_post` for {", ".join(ROM_COLUMNS)} (whole degrees; mouth opening in mm;
measured in the sessions of conditions where the site applies, blank otherwise), then
function `<instrument>_pre`/`_post` for {", ".join(FUNCTION_COLUMNS)} (`_pre` at the first
session of an episode, `_post` at the last session of a completed episode; PSFS: higher
is better, the others lower is better). A blank cell is a missing value. In the XLSX,
dates are real Excel dates shown as `YYYY-MM-DD`, numbers are numbers and blanks are
empty cells.

Realism built in: 15 % of patients have a second episode (some a recurrence of the same
condition more than 90 days later, which the loader reports as a `long_gap` warning);
15 % of episodes stop after 1-2 sessions (one-session episodes are reported as
`single_session_episode` warnings); about 3 % of post-needling pain scores are missing;
episodes still running at the end of June 2026 are open.

### `sessions_index.csv` and `measures_long.csv`
`sessions_index.csv`: `session_id` (`S000001`... in the order of `sessions.csv`) and the
session columns of `sessions.csv` (no measures). `measures_long.csv`: `session_id`,
`measure` (`pain`, `rom:<site>`, `function:<instrument>`), `timing` (`pre`/`post`),
`value`, `unit` (`nprs`, `deg`, `mm`, `points`); blank cells of the wide file are not
rows here. Load with `load_sessions("sessions_index.csv", measures="measures_long.csv")`.

### `sessions_with_errors.csv`
A slice of whole patients of the four-clinic sample (`sample_frame("four_clinics")`: 600
patients, seed 20260101, the sample shipped before the seven-clinic network), written as an EMR might: column names such
as `Patient ID`, `Date`, `Session No`, `Diagnosis`, `NPRS pre`, `HIT-6 post`; labels
such as `Low back pain`, `TMD`, `tension headache`, `PT`, `F`, `Y` (all accepted by the
loader). Apart from the planted problems below it is clean. Rows are counted as in a
spreadsheet: the header is row 1, the first data row row 2. The validator should report
each of these and nothing else (`tpdn-outcomes validate data/sample/sessions_with_errors.csv`).
Rows with a blank or unknown patient or diagnosis are left out when loading with
`errors="coerce"`.

| row | column | value | check | severity | what |
| ---: | --- | --- | --- | --- | --- |
{plant_rows}

## Ground truth
The generating parameters (`tpdn_outcomes.datasets.ground_truth()`): mean pain at
baseline, mean change from the first session's pre to the last session's post in
completed episodes, the mean immediate (within-session) change, and likewise for the
ROM site and the function instrument. Sampling error in a sample this small is large
(a few tenths of a point per condition).

| condition | pain baseline | pain change | immediate | ROM site | ROM change | instrument | function change |
| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |
{truth_rows}

Adverse events per session (independent): {ae}. Bruising and bleeding follow the
therapist-reported rates of Brady et al. 2014 (J Man Manip Ther 22:134-140); the others
are illustrative. Twitch response in {TWITCH_RATE:.0%} of sessions.
"""


def _completed_table(wide: pd.DataFrame) -> str:
    """A Markdown table: episodes ended (not open) per clinic and quarter of the last session."""
    episode = (wide["session_number"] == 1).cumsum()
    ends = wide.groupby(episode, sort=False).agg(
        clinic_id=("clinic_id", "first"), last=("session_date", "max")
    )
    data_end = wide["session_date"].max()
    ended = ends[ends["last"] < data_end - pd.Timedelta(days=schema.OPEN_AFTER_DAYS)]
    counts = pd.crosstab(
        ended["clinic_id"].astype(str), ended["last"].dt.to_period("Q").astype(str)
    )
    head = "| clinic | " + " | ".join(counts.columns) + " |"
    rule = "| --- |" + " ---: |" * len(counts.columns)
    rows = [f"| {c} | " + " | ".join(str(v) for v in r) + " |" for c, r in counts.iterrows()]
    return "\n".join([head, rule, *rows])


def _clinics_text(design: SampleDesign) -> str:
    if isinstance(design.clinics, int):
        return f"{design.clinics} clinics"
    sizes = ", ".join(str(w) for w in design.clinics)
    return f"{len(design.clinics)} clinics of relative sizes {sizes} (`CLN-01` first)"
