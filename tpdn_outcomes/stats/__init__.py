"""Domain-free statistics: arrays in, tidy pandas DataFrames (or arrays) out.

Nothing here knows about sessions, patients or measures; :mod:`tpdn_outcomes.outcomes`
applies these functions group by group.
"""

from tpdn_outcomes.stats.paired import paired_change

__all__ = ["paired_change"]
