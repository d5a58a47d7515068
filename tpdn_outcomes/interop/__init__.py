"""Interoperability: CDISC ADaM analysis datasets, REDCap projects and HL7 FHIR R4, in and out."""

from tpdn_outcomes.interop.adam import from_adam, read_adam, to_adam, write_adam
from tpdn_outcomes.interop.fhir import (
    FhirError,
    from_fhir,
    load_fhir,
    read_fhir,
    to_fhir,
    write_fhir,
)
from tpdn_outcomes.interop.redcap import load_redcap, read_redcap, to_redcap, write_redcap

__all__ = [
    "FhirError",
    "from_adam",
    "from_fhir",
    "load_fhir",
    "load_redcap",
    "read_adam",
    "read_fhir",
    "read_redcap",
    "to_adam",
    "to_fhir",
    "to_redcap",
    "write_adam",
    "write_fhir",
    "write_redcap",
]
