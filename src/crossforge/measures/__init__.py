"""Measures read the store and return DataFrames; they never collect data.

Each measure is an estimator-like object: settings in the constructor, data in ``compute``.
Definitions, formulas and caveats: ``docs/measures.md``.
"""

from crossforge.measures.evolution import (
    ActivitySurvival,
    CommunityMigration,
    median_survival,
    survival_curves,
    trends_by_year,
)
from crossforge.measures.innovation import UserInnovation, adaptation_summary
from crossforge.measures.intensity import CollaborationIntensity, summarize
from crossforge.measures.networks import CollaborationNetworks
from crossforge.measures.openness import Openness
from crossforge.measures.organisations import Organisations
from crossforge.measures.projects import (
    DatasetProvenance,
    DocumentationCompleteness,
    ProjectPairs,
    dataset_summary,
    dataset_table,
    documentation_summary,
    paired_comparison,
    paired_sides,
)
from crossforge.measures.result import MeasureResult
from crossforge.measures.roles import PersonRoles
from crossforge.measures.touched import TouchedFiles

#: Per-repository measures compared between platforms in ``statistics.json``.
COMPARED_MEASURES: tuple[str, ...] = (
    "contributors", "commits", "human_commits", "active_months", "commits_per_contributor",
    "top_contributor_share", "truck_factor", "multi_contributor", "pull_requests", "threads",
    "comments", "participants", "commits_per_month", "contributors_per_month",
    "pull_requests_per_month", "threads_per_month", "comments_per_month",
    "participants_per_month", "external_commit_share", "external_merged_pr_share",
    "has_external_contribution", "external_pr_acceptance", "external_pr_days_to_merge",
    "external_thread_share", "external_participant_share", "hours_to_first_response",
    "answered_share", "derivatives", "tree_size", "external_contributions", "adaptation_index",
    "doc_completeness", "doc_words",
    # What commits touch (``TouchedFiles``): NaN, so left out, where no paths were collected.
    "weights_commit_share", "code_commit_share", "configuration_commit_share",
    "docs_only_commit_share", "external_weights_commit_share", "external_code_commit_share",
    "external_configuration_commit_share", "external_docs_only_commit_share",
    # What pull requests touch (the same measure): NaN, so left out, where no pull request of
    # the repository has known paths.
    "pr_weights_share", "pr_code_share", "pr_configuration_share", "pr_docs_only_share",
    "external_pr_weights_share", "external_pr_code_share", "external_pr_configuration_share",
    "external_pr_docs_only_share", "merged_pr_weights_share", "merged_pr_code_share",
    "merged_pr_configuration_share", "merged_pr_docs_only_share",
)

__all__ = [
    "COMPARED_MEASURES",
    "ActivitySurvival",
    "CommunityMigration",
    "CollaborationIntensity",
    "CollaborationNetworks",
    "DatasetProvenance",
    "DocumentationCompleteness",
    "MeasureResult",
    "Openness",
    "Organisations",
    "PersonRoles",
    "ProjectPairs",
    "TouchedFiles",
    "UserInnovation",
    "adaptation_summary",
    "dataset_summary",
    "dataset_table",
    "documentation_summary",
    "median_survival",
    "paired_comparison",
    "paired_sides",
    "summarize",
    "survival_curves",
    "trends_by_year",
]
