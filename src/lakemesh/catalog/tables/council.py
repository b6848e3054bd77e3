"""Catalog tables of the council: seats (domain representatives), the voting rule, proposals, votes and cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lakemesh.catalog.tables.base import Base


class CouncilSeatRow(Base):
    """A domain's representative: a principal or a group (its members then vote for the domain)."""

    __tablename__ = "council_seats"
    __table_args__ = (UniqueConstraint("domain_id", "principal_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    domain_id: Mapped[str] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    principal_id: Mapped[str] = mapped_column(String(40), index=True)
    appointed_by: Mapped[str | None] = mapped_column(String(128))
    appointed_at: Mapped[datetime]


class CouncilRuleRow(Base):
    """The voting rule in force (one row, key `voting`), versioned: only a passed proposal changes it."""

    __tablename__ = "council_rules"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime]


class ProposalRow(Base):
    """A change to what the whole mesh must follow; `change` is frozen once the first vote is cast."""

    __tablename__ = "council_proposals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(400))
    rationale: Mapped[str] = mapped_column(Text)
    change: Mapped[dict[str, Any]]
    plan: Mapped[str] = mapped_column(Text)
    impact: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    rule: Mapped[dict[str, Any]]
    electorate: Mapped[list[Any]]
    state: Mapped[str] = mapped_column(String(16), index=True)
    opened_by: Mapped[str | None] = mapped_column(String(128))
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    applied: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class VoteRow(Base):
    """One domain's vote on a proposal: the unique (proposal, domain) makes a second vote for a domain a conflict."""

    __tablename__ = "council_votes"
    __table_args__ = (UniqueConstraint("proposal_id", "domain_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("council_proposals.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[str] = mapped_column(String(40))
    domain: Mapped[str] = mapped_column(String(200))
    voter_id: Mapped[str] = mapped_column(String(40))
    voter: Mapped[str] = mapped_column(String(254))
    vote: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class CaseRow(Base):
    """A cross-domain dispute; once decided it is a decision record anyone in the mesh can read."""

    __tablename__ = "council_cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text)
    domains: Mapped[list[Any]]
    subjects: Mapped[list[Any]]
    state: Mapped[str] = mapped_column(String(16), index=True)
    opened_by: Mapped[str | None] = mapped_column(String(128))
    opened_at: Mapped[datetime]
    decision: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[list[Any]]
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
