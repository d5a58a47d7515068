"""The clinic web app: ``tpdn-outcomes app`` (needs the ``app`` extra).

A local web application over the library, for clinic managers who do not use Python:
choose a file, map its columns, see and fix its problems, write the quarterly report and
take a first look at the outcomes. It binds to 127.0.0.1 only, asks for a per-launch
secret token (as Jupyter does), keeps every upload in a private temporary folder removed
on exit, and computes nothing itself: every statistic comes from the library.

Modules: ``server`` (the application and ``run``), ``security`` (token, Host and
Origin checks, upload limit), ``workspace`` (one private folder per tab),
``jobs`` (long steps in a background thread with progress and cancel),
``routes`` (the pages), ``reports`` (the library's report and release calls).
"""

from __future__ import annotations

__all__ = ["create_app", "run"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from tpdn_outcomes.app import server

        return getattr(server, name)
    raise AttributeError(name)
