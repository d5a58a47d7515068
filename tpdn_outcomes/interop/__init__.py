"""Interoperability: CDISC ADaM analysis datasets in and out (REDCap and FHIR to come)."""

from tpdn_outcomes.interop.adam import from_adam, read_adam, to_adam, write_adam

__all__ = ["from_adam", "read_adam", "to_adam", "write_adam"]
