"""Write the broken-input corpus of ``tests/test_broken_corpus.py`` into this folder.

Every file is made from ``tests/data/bad/_base_valid.csv`` (a clean export) by one
change, deterministically, so running this again gives the same bytes (workbooks and
Parquet files up to their writers' timestamps). The files are committed; rerun only to
add a case::

    .venv/bin/python tests/data/broken/make_broken.py

Big or special inputs (a FIFO, a 2 GB sparse file, ``/dev/zero``, loops of symbolic
links, a 1 MB single line, a 200,000-column header) are made by the tests at run time
in a temporary folder, never committed.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
BASE = HERE.parent / "bad" / "_base_valid.csv"


def _gzip(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(data)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def _xlsx(sheets: dict[str, pd.DataFrame], *, header: bool = True) -> bytes:
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as w:
        for name, frame in sheets.items():
            frame.to_excel(w, sheet_name=name, index=False, header=header)
    return out.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


def files() -> dict[str, bytes]:
    """File name -> bytes, for every committed file of the corpus."""
    text = BASE.read_text(encoding="utf-8")
    raw = text.encode()
    lines = text.splitlines()
    header, rows = lines[0], lines[1:]
    frame = pd.read_csv(BASE, dtype=str, keep_default_na=False)
    typed = pd.read_csv(BASE)

    def csv(ls: list[str], end: str = "\n") -> bytes:
        return (end.join(ls) + end).encode()

    def with_cell(row: int, column: str, value: str) -> bytes:
        """The base with one cell (file row ``row``, header = row 1) replaced."""
        f = frame.copy()
        f.loc[row - 2, column] = value
        return f.to_csv(index=False, lineterminator="\n").encode()

    out: dict[str, bytes] = {}
    # -- empty, or no data ---------------------------------------------------------------
    out["empty.csv"] = b""
    out["blank_lines_only.csv"] = b"\n\n\n"
    out["header_only.csv"] = csv([header])
    out["header_no_newline.csv"] = header.encode()
    out["header_and_blank_rows.csv"] = csv([header, "", ",,,", ""])
    out["whitespace_only.csv"] = b"   \n  \n"
    # -- bytes that are not UTF-8 text -------------------------------------------------------
    out["nul_bytes.csv"] = raw.replace(b"neck_pain", b"neck\0pain", 1)
    out["nul_only.csv"] = b"\0" * 4096
    out["utf16_bom.csv"] = text.encode("utf-16")
    out["utf16le_no_bom.csv"] = text.encode("utf-16-le")
    out["cp1252.csv"] = text.replace("C2", "Clínica", 1).encode("cp1252")
    out["latin1_header.csv"] = text.replace("Clinic", "Clínic", 1).encode("latin-1")
    out["binary_noise.csv"] = bytes((i * 97 + 13) % 251 + 1 for i in range(3000))
    # -- compressed, and files that are not what their ending says ----------------------------
    out["sessions.csv.gz"] = _gzip(raw)
    out["sessions.csv.bz2"] = bz2.compress(raw)
    out["sessions.csv.xz"] = lzma.compress(raw)
    out["gzip_named.csv"] = _gzip(raw)
    out["truncated.csv.gz"] = _gzip(raw)[:200]
    out["not_compressed.csv.gz"] = raw
    out["zstd_named.csv"] = b"\x28\xb5\x2f\xfd" + b"\0" * 64
    out["zip_named.csv"] = _zip({"sessions.csv": raw})
    out["xlsx_named.csv"] = _xlsx({"Sessions": frame})
    out["pdf_named.csv"] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    out["parquet_named.csv"] = _parquet(typed)
    out["ole2_named.csv"] = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
    out["sessions.xlsx.gz"] = _gzip(_xlsx({"Sessions": frame}))
    out["sessions.txt"] = raw
    out["sessions"] = raw
    out["sessions.xls"] = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
    # -- layout --------------------------------------------------------------------------------
    out["sep_line.csv"] = b"sep=,\n" + raw
    semicolons = frame.to_csv(index=False, sep=";", lineterminator="\n").encode()
    out["sep_line_semicolon.csv"] = b"sep=;\n" + semicolons
    out["sep_line_bad_value.csv"] = b"sep=,\n" + with_cell(3, "NPRS pre", "eleven")
    out["semicolons.csv"] = semicolons
    out["tabs_named.csv"] = frame.to_csv(index=False, sep="\t", lineterminator="\n").encode()
    out["commas_named.tsv"] = raw
    out["title_row.csv"] = csv(["TPDN sessions export, January to March 2026", *lines])
    out["title_rows_blank.csv"] = csv(["TPDN sessions export", "", *lines])
    out["title_rows_single.csv"] = csv(["Sessions", "exported 2026-04-01", *lines])
    out["crlf.csv"] = csv(lines, "\r\n")
    out["cr_only.csv"] = csv(lines, "\r")
    out["utf8_bom.csv"] = b"\xef\xbb\xbf" + raw
    out["more_cells_than_header.csv"] = csv([header, rows[0] + ",extra", *rows[1:]])
    out["unclosed_quote.csv"] = csv([header, '"P001,neck_pain', *rows[1:]])
    out["duplicate_header.csv"] = csv([header + ",Patient ID", *[r + ",P9" for r in rows]])
    out["long_header.csv"] = csv([header + "," + "x" * 150_000, *rows])
    out["many_columns.csv"] = csv(
        [header + "," + ",".join(f"c{i}" for i in range(3000)), *[r + "," * 3000 for r in rows]]
    )
    out["long_column_name.csv"] = csv(
        [header + "," + "note_" + "y" * 5000, *[r + "," for r in rows]]
    )
    # -- cells -----------------------------------------------------------------------------------
    out["blank_episode_id.csv"] = csv(
        [
            header + ",episode_id",
            *[r + ("," if i == 2 else f",E{r[3]}") for i, r in enumerate(rows)],
        ]
    )
    out["episode_id_all_blank.csv"] = csv([header + ",episode_id", *[r + "," for r in rows]])
    out["huge_session_number.csv"] = with_cell(3, "Session", "1e400")
    out["session_number_beyond_2_53.csv"] = with_cell(3, "Session", str(2**60))
    out["pain_inf.csv"] = with_cell(3, "NPRS pre", "inf")
    out["pain_nan_text.csv"] = with_cell(3, "NPRS pre", "nan")
    out["date_year_99999.csv"] = with_cell(3, "Session date", "99999-01-12")
    out["long_cell.csv"] = with_cell(3, "Condition", "z" * 100_000)
    out["emoji_condition.csv"] = with_cell(3, "Condition", "neck pain \U0001f915")
    out["formula_cell.csv"] = with_cell(3, "Clinic", '=HYPERLINK("http://x")')
    out["patient_name_column.csv"] = csv(
        [header + ",Patient name", *[r + ",Jane Doe" for r in rows]]
    )
    # -- workbooks ---------------------------------------------------------------------------------
    good = _xlsx({"Sessions": frame})
    out["truncated.xlsx"] = good[: len(good) // 2]
    out["zero_bytes.xlsx"] = b""
    out["csv_named.xlsx"] = raw
    out["encrypted.xlsx"] = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
    out["zip_not_workbook.xlsx"] = _zip({"readme.txt": b"not a workbook"})
    out["gzip_named.xlsx"] = _gzip(raw)
    out["second_sheet.xlsx"] = _xlsx({"Info": pd.DataFrame({"notes": ["exported"]}), "Data": frame})
    out["header_only.xlsx"] = _xlsx({"Sessions": frame.iloc[:0]})
    out["empty_first_sheet.xlsx"] = _xlsx({"Empty": pd.DataFrame(), "Data": frame})
    title = pd.DataFrame([["TPDN sessions export"] + [None] * (frame.shape[1] - 1)])
    body = pd.concat([pd.DataFrame([frame.columns.tolist()]), pd.DataFrame(frame.to_numpy())])
    out["title_row.xlsx"] = _xlsx({"Sessions": pd.concat([title, body])}, header=False)
    # -- Parquet -------------------------------------------------------------------------------------
    pq = _parquet(typed)
    out["truncated.parquet"] = pq[: len(pq) // 2]
    out["text_named.parquet"] = raw
    out["header_only.parquet"] = _parquet(typed.iloc[:0])
    return out


def main() -> None:
    for name, data in files().items():
        (HERE / name).write_bytes(data)
    print(f"{len(files())} files written to {HERE}")


if __name__ == "__main__":
    main()
