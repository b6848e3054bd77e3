"""Classification use cases: scan a table's sample, keep suggestions, accept or reject them, custom classifiers.

Who may do what: anyone who may read a table's data scans it (the sample is read as them, so a column masked for
them is skipped, never classified from masked values); a scan of a table they cannot see is 404. Accepting or
rejecting is for the lakehouse's data steward, a domain Admin, or a platform admin; accepting sets the column's
sensitivity label through the table service, so masking and policies act on it. Custom classifiers are
platform-wide and managed by platform admins.
"""

from __future__ import annotations

from lakemesh.classification.lineage_suggestions import LineageSuggestions
from lakemesh.classification.orphans import Orphans
from lakemesh.classification.scans import Scans
from lakemesh.classification.settings import SettingsAndClassifiers


class ClassificationService(Scans, LineageSuggestions, SettingsAndClassifiers, Orphans):
    """One object for the platform and the facade; each part lives in its own module and shares the `Context`."""
