"""Interoperability: CDISC ADaM analysis datasets and REDCap projects, in and out (FHIR to come)."""

from tpdn_outcomes.interop.adam import from_adam, read_adam, to_adam, write_adam
from tpdn_outcomes.interop.redcap import load_redcap, read_redcap, to_redcap, write_redcap

__all__ = [
    "from_adam",
    "load_redcap",
    "read_adam",
    "read_redcap",
    "to_adam",
    "to_redcap",
    "write_adam",
    "write_redcap",
]
