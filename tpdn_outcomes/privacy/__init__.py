"""Identifier guard and small-cell suppression.

The data this package analyses must be anonymised before it is loaded: patient
identifiers are pseudonyms, ages are bands, and nothing in a file should let a
reader pick out a person. :func:`find_identifiers` looks for *direct identifiers*
(the kind of thing HIPAA Safe Harbor lists and UK guidance treats the same way)
in the column **names** and in the **values** of every text column, and
:func:`check_identifiers` refuses the data with an :class:`IdentifierError` that
says which columns, what was found, how many values, and how to fix it. Neither
ever prints, logs or returns an identifying value itself: findings give counts
and row numbers only.

:func:`suppress_small_cells` marks report cells that count too few patients to
be shown.

The package
-----------
``names.py`` reads column names (``header_words.py``: the table of identifying names in
other languages); ``patterns.py`` holds the value patterns and the vectorised helpers
that apply them; ``column_scan.py`` is the first pass (the name, and the patterns on
text values), ``value_scan.py`` the second (detectors backed by libraries, on every
column), ``frame_text.py`` the distinct text of a frame searched once for all its
columns; ``masking.py`` masks values for messages; ``api.py`` holds the entry points,
which this package re-exports.

Rules
-----
Column names are split into words (``PatientDOB`` -> ``patient dob``,
``e-mail`` -> ``e mail``, ``Address1`` -> ``address``) and a column is refused
when its name says it holds:

========================== ===================================================
kind                       names (any of these words or phrases in the name)
========================== ===================================================
``date_of_birth``          dob, date of birth, birth date, birthdate, birthday
``email``                  email, e-mail, mail
``phone``                  phone, telephone, tel, fax, pager; mobile or cell as
                           the last word or before number / no / phone
``ssn``                    ssn, social security
``nhs_number``             nhs (alone or with number / no / id)
``national_id``            national insurance, ni number, nino, national id,
                           passport, driving licence, chi number, itin, tax id,
                           insurance / medicare / medicaid number, health card
``medical_record_number``  mrn, medical record, med rec, hospital number / no,
                           chart number, emr / ehr id or number (REDCap's
                           ``record_id`` and a facility's ``hospital_id`` pass)
``postcode``               postcode, post code, postal code, zip, zip code -
                           refused when any value is a *full* code; a column
                           holding only UK districts or sectors (``SW1A``,
                           ``SW1A 1``) or 3-digit ZIP prefixes (``021``) passes
``street_address``         address, addr, street, house number
``person_name``            surname, forename, first / last / full / given /
                           family / middle / maiden name, initials, nickname,
                           next of kin, emergency contact;
                           and any other ``..._name`` column unless the word
                           before ``name`` (or after ``name of``) is a thing
                           rather than a person: ``muscle_name``,
                           ``clinic_name``, ``condition_name``, ``site_name``
                           ... pass (see ``NON_PERSON_QUALIFIERS``), while
                           ``name``, ``patient_name``, ``client_name``,
                           ``therapist_name`` are refused (fail closed: an
                           unknown ``x_name`` is refused; one-word compounds
                           such as ``PatientName`` / ``clinicname`` likewise)
``free_text``              notes, note, comments, comment, remarks, narrative,
                           memo, free text
``exact_age``              age, age_years, age_at_visit, age_band, ... - refused
                           only when a value is an exact age of 90 or over
                           (see below)
========================== ===================================================

Since issue 18 a second pass (``privacy/value_scan.py``, detectors in
``tpdn_outcomes._detect``) checks the values of **every** column, of any type, and
the column names themselves, with the field's libraries: person names (a
gazetteer: the US Census 1990 first names and surnames and gender-guesser's
international first names) anywhere, one-word names in pseudonym or person
columns (``therapist``, ``seen_by``); unbroken runs of 9-13 digits, as text or as
typed integers and floats, judged by python-stdnum (US SSN, UK NHS, Dutch BSN)
and libphonenumber, and refused as ``ambiguous_number`` when neither places them;
phone numbers in free text (libphonenumber); street addresses (patterns, and
usaddress for English forms); e-mails written out (``x at gmail dot com``); URLs;
IP addresses; Medicare beneficiary identifiers; record numbers with their prefix
(``MRN0012352``); postcodes in any spelling; vehicle plates; photo file names;
full dates before 1990 (and any full date inside a pseudonym); datetime columns
with dates before 1990. Names in Dutch, German, French, Spanish, Italian and
Portuguese are recognised (``privacy/header_words.py``), and a header that is itself an
identifier (an e-mail address used as a column name) is reported by position and
masked. Libraries that judge values one at a time see at most
``_detect.MAX_CHECKED`` candidates of a column (a seeded sample beyond that,
said in the finding and listed in ``findings.attrs["sampled_columns"]``).

:func:`mask_value` / :func:`mask_values` / :func:`could_identify` are the one way
the package shows values in messages: anything that could identify someone is
masked (``E*** G*****``).

The first pass searches the values of every text column (``object``,
``str``/``string`` and categorical columns of strings) for:

- e-mail addresses;
- phone or fax numbers *written as phone numbers*: international numbers with a
  leading ``+`` (``+44 20 7946 0958``, ``+33 1 23 45 67 89``, ``+15551234567``),
  US numbers with separators (``(555) 123-4567``, ``555-123-4567``,
  ``555.123.4567``, ``1-555-123-4567``) and UK numbers with a space or hyphen
  (``020 7946 0958``, ``0161 496 0000``, ``07700 900123``). An unbroken run of
  digits is not taken for a phone number (it could be any code); a column whose
  *name* says phone is refused whatever its values look like;
- US Social Security numbers ``123-45-6789`` (also spaced; area 000 and 666,
  group 00 and serial 0000 are never issued and are not matched; 9xx is matched
  because ITINs share the format and are identifiers too);
- NHS numbers: 10 digits, plain or spaced/hyphenated 3-3-4, that pass the NHS
  modulus-11 check digit. About 1 in 11 random 10-digit numbers pass the check,
  so in a column with 20 or more 10-digit candidates the passing ones are only
  reported when they are at least half of the candidates (real NHS numbers all
  pass; random codes do not). A value reported as an NHS number is not also
  counted as a phone number;
- full UK postcodes with the space (``SW1A 1AA``, ``M1 1AE``, capitals) and US
  ZIP+4 codes (``12345-6789``); in columns whose name suggests a place
  (location, residence, home, city, town, county, state, region, area,
  district, ...) also unspaced or lower-case postcodes and 5-digit ZIP codes;
- exact ages in age columns (name with the word ``age``): a bare number of 90 or
  over (``91``, ``93 years``), or a closed band that starts at 90 or over
  (``90-94``), or an open band above 90 (``95+``): Safe Harbor requires all
  ages over 89 to be one category ``90+``. Numeric age columns are checked the
  same way (values in months, weeks or days are converted when the name says
  so). Exact ages under 90 are not direct identifiers under Safe Harbor and are
  not refused, but banded ages (``18-29`` ... ``80-89``, ``90+``) are preferred;
- free text, conservatively: a value counts as free text when it has a run of 6
  or more whitespace-separated words not broken by ``;`` or ``|`` (so lists
  such as ``upper trapezius; levator scapulae`` do not count). A column is
  refused when at least half of its non-empty values are free text (the median
  word count is 6 or more) and those values are not a few repeated labels (the
  distinct ones are at least half of them, or 100 or more).

Values are matched on the distinct values of each column with vectorised
(pyarrow/RE2) string methods; counts and row numbers are then taken over all
rows. Missing values and empty strings count as missing. Boolean columns carry
one bit each and are never refused. ``allow_columns`` exempts columns from
every check, matched on the normalised name (lower case, runs of other
characters to ``_``).
"""

from __future__ import annotations

from tpdn_outcomes.privacy.api import (
    FINDING_COLUMNS,
    KINDS,
    IdentifierError,
    check_identifiers,
    find_identifiers,
    suppress_small_cells,
)
from tpdn_outcomes.privacy.api import (
    column_label as column_label,
)
from tpdn_outcomes.privacy.masking import could_identify, mask_value, mask_values
from tpdn_outcomes.privacy.patterns import is_boolean as is_boolean
from tpdn_outcomes.privacy.value_scan import schema_min_date as schema_min_date

__all__ = [
    "FINDING_COLUMNS",
    "KINDS",
    "IdentifierError",
    "check_identifiers",
    "could_identify",
    "find_identifiers",
    "mask_value",
    "mask_values",
    "suppress_small_cells",
]
