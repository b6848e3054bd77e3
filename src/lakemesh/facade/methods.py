"""Every declared operation, gathered once: `Mesh` runs them in-process, `RemoteMesh` over REST."""

from __future__ import annotations

from lakemesh.facade.access import AccessMethods
from lakemesh.facade.classification import ClassificationMethods
from lakemesh.facade.council import CouncilMethods
from lakemesh.facade.domains import DomainMethods
from lakemesh.facade.glossary import GlossaryMethods
from lakemesh.facade.governance import GovernanceMethods
from lakemesh.facade.incidents import IncidentMethods
from lakemesh.facade.intake import IntakeMethods
from lakemesh.facade.lakehouses import LakehouseMethods
from lakemesh.facade.metrics import MetricsMethods
from lakemesh.facade.pipelines import PipelineMethods
from lakemesh.facade.products import ProductMethods
from lakemesh.facade.profiles import ProfileMethods
from lakemesh.facade.quality import QualityMethods
from lakemesh.facade.semantic import SemanticMethods
from lakemesh.facade.sharing import SharingMethods
from lakemesh.facade.subscriptions import SubscriptionMethods


class MeshMethods(
    DomainMethods,
    LakehouseMethods,
    ProductMethods,
    # capability declarations: one line each
    SemanticMethods,
    SharingMethods,
    AccessMethods,
    PipelineMethods,
    GovernanceMethods,
    MetricsMethods,
    QualityMethods,
    ProfileMethods,
    ClassificationMethods,
    IncidentMethods,
    SubscriptionMethods,
    IntakeMethods,
    CouncilMethods,
    GlossaryMethods,
):
    """The operations both faces share; a capability adds its declaration class here and nowhere else."""
