"""People on both platforms: Hub accounts matched to GitHub accounts (``docs/people.md``).

Matches are computed here, at measure time, from what the store holds (profiles, profile
links, memberships, card links, commits), not stored: the evidence is what the platforms
served, with its provenance, and the rules are analysis a study may revise, or check against
a labelled sample, without collecting again. The rules, in order:

a. ``explicit_link``: a GitHub profile (linked accounts, website) names the Hub account, or
   a Hub model card the Hub account owns links the GitHub account's page.
b. ``handle_corroborated``: identical handles (case ignored) and at least one corroboration:
   the same display name (not just the handle), an organisation of the same name on both
   platforms, a card of a Hub model the person owns or contributes to linking a GitHub
   repository the GitHub account owns or contributes to, or an identical e-mail address.
c. ``handle_only``: identical handles and nothing else: a candidate, reported apart and
   never counted as a match.

Bots, ``ghost``, mannequins, organisations, e-mail identities and unknown authors are never
matched. NOT VALIDATED on real profiles: no labelled sample has measured these rules' errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from crossforge.identity import is_bot, is_placeholder_email, noreply_login
from crossforge.measures.engine import Engine
from crossforge.measures.roles import person_roles_table
from crossforge.measures.statistics import ratio_estimate

RULES: tuple[str, ...] = ("explicit_link", "handle_corroborated", "handle_only")
#: A person's role on a platform is their most inside role over its repositories; on the
#: Hub, owning a model derived from another (an adapter) comes first.
ROLE_ORDER: tuple[str, ...] = ("adapter", "owner", "member", "external", "unknown")
NOT_VALIDATED = ("not validated: no labelled sample of real profiles has measured how often "
                 "these rules match two different people or miss one person")
_DELETED = "ghost"

#: Everyone with a contribution per platform, their role per repository, and whether their
#: account is one a match may name (a user: not a bot, organisation or mannequin).
_PEOPLE_SQL = """
SELECT pr.platform, pr.login, pr.repo, pr.role, r.kind, coalesce(a.type, 'user') AS type
FROM person_roles pr
JOIN repositories r USING (platform, repo)
LEFT JOIN accounts a ON a.platform = pr.platform AND a.login = pr.login
"""
_DERIVATIVE_OWNERS_SQL = """
SELECT DISTINCT r.owner AS login FROM derivations d
JOIN repositories r ON r.platform = d.platform AND r.repo = d.child
WHERE d.platform = 'huggingface'
"""
_EMAILS_SQL = """
SELECT platform, author AS login, lower(author_email) AS email FROM commits
WHERE author IS NOT NULL AND author_email IS NOT NULL
UNION SELECT platform, login, lower(email) FROM profiles WHERE email IS NOT NULL
"""
_CARD_PAIRS_SQL = """
SELECT DISTINCT lower(h.login) AS handle, g.login AS github_login
FROM project_links pl
JOIN (SELECT repo, login FROM person_roles WHERE platform = 'huggingface'
      UNION SELECT repo, owner FROM repositories WHERE platform = 'huggingface') h
    ON h.repo = pl.repo
JOIN (SELECT lower(repo) AS repo, login FROM person_roles WHERE platform = 'github'
      UNION SELECT lower(repo), owner FROM repositories WHERE platform = 'github') g
    ON g.repo = pl.github_repo
WHERE pl.platform = 'huggingface' AND NOT pl.is_tool AND lower(h.login) = lower(g.login)
"""


@dataclass(frozen=True)
class CrossPlatformPeople:
    """Match Hub contributors to GitHub accounts by the rules in the module docstring."""

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per Hub–GitHub account pair a rule names: ``hub_login, github_login,
        rule, evidence, hub_contributor, hub_looked_up, github_active, hub_role,
        github_role`` (``docs/people.md``)."""
        with person_roles_table(store):
            people = store.frame(_PEOPLE_SQL)
            cards = store.frame(_CARD_PAIRS_SQL)
        links = store.frame("SELECT platform, login, linked_platform, linked_login, source "
                            "FROM profile_links")
        profiles = store.frame("SELECT platform, login, display_name FROM profiles")
        emails = store.frame(_EMAILS_SQL)
        listed = store.frame("SELECT platform, login, organizations AS organization "
                             "FROM profiles WHERE organizations IS NOT NULL")
        organisations = pd.concat([
            store.frame("SELECT platform, login, organization FROM memberships"),
            listed.explode("organization").dropna()])
        organisations["organization"] = organisations["organization"].str.lower()
        adapters = set(store.frame(_DERIVATIVE_OWNERS_SQL)["login"])
        types = store.frame("SELECT platform, login, type FROM accounts")
        return match_people(people, links, profiles, emails, organisations, cards, adapters,
                            types)


def _eligible(login: object, kind: object = "user") -> bool:
    """A login a match may name: a user that is no bot, no deleted account, no e-mail."""
    return (isinstance(login, str) and bool(login) and kind == "user" and "@" not in login
            and login != _DELETED and not is_bot(login))


def _name_key(name: object, *handles: str) -> str | None:
    """A display name as compared: case and spacing ignored; ``None`` when empty or just
    one of the handles (a name that only repeats the handle corroborates nothing)."""
    if not isinstance(name, str):
        return None
    key = " ".join(name.casefold().split())
    squashed = re.sub(r"[\s._-]", "", key)
    if len(squashed) < 2 or any(squashed == re.sub(r"[._-]", "", h.casefold())
                                for h in handles):
        return None
    return key


def _roles(people: pd.DataFrame, platform: str, adapters: set[str]) -> dict[str, str]:
    """Each person's role on ``platform`` (``ROLE_ORDER``: the first that applies)."""
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    rows = people[people["platform"] == platform]
    best = rows.groupby("login")["role"].agg(lambda roles: min(roles, key=lambda r: rank.get(
        r, len(rank))))
    out = best.to_dict()
    if platform == "huggingface":
        out |= {login: "adapter" for login in out if login in adapters}
    return out


def match_people(people: pd.DataFrame, links: pd.DataFrame, profiles: pd.DataFrame,
                 emails: pd.DataFrame, organisations: pd.DataFrame, cards: pd.DataFrame,
                 adapters: set[str], types: pd.DataFrame) -> pd.DataFrame:
    """The pairs the rules name, from the store's frames (``CrossPlatformPeople``)."""
    kind = {(p, login): t for p, login, t in types.itertuples(index=False)}
    hub_people = people[(people["platform"] == "huggingface") & (people["kind"] == "model")]
    hub_contributors = {h for h, t in zip(hub_people["login"], hub_people["type"], strict=True)
                        if _eligible(h, t)}
    github_people = people[people["platform"] == "github"]
    github_active = {g for g, t in zip(github_people["login"], github_people["type"],
                                       strict=True) if _eligible(g, t)}
    looked_up = {login for p, login in profiles[["platform", "login"]].itertuples(index=False)
                 if p == "huggingface"}
    names = {(p, login): name for p, login, name in profiles.itertuples(index=False)}
    mails = _grouped(emails[emails["email"].map(_identifying).astype(bool)], "email")
    orgs = _grouped(organisations, "organization")
    card_pairs = {(h, g) for h, g in cards.itertuples(index=False)}
    evidence: dict[tuple[str, str], list[str]] = {}
    explicit: set[tuple[str, str]] = set()
    hub_spelling = {h.lower(): h for h in sorted(hub_contributors | looked_up, reverse=True)}
    github_spelling = {g.lower(): g for g in sorted(github_active, reverse=True)}
    for platform, login, linked_platform, linked, source in links.itertuples(index=False):
        hub, git = (linked, login) if platform == "github" else (login, linked)
        if linked_platform == platform or not (
                _eligible(hub, kind.get(("huggingface", hub), "user"))
                and _eligible(git, kind.get(("github", git), "user"))):
            continue
        hub, git = hub_spelling.get(hub.lower(), hub), github_spelling.get(git.lower(), git)
        explicit.add((hub, git))
        evidence.setdefault((hub, git), []).append(f"{platform}:{source}")
    for hub in sorted(hub_contributors | looked_up):
        git = github_spelling.get(hub.lower())
        if git is None or not _eligible(hub, kind.get(("huggingface", hub), "user")):
            continue
        found = evidence.setdefault((hub, git), [])
        name = _name_key(names.get(("huggingface", hub)), hub, git)
        if name is not None and name == _name_key(names.get(("github", git)), hub, git):
            found.append("display_name")
        if orgs.get(("huggingface", hub), set()) & orgs.get(("github", git), set()):
            found.append("organisation")
        if (hub.lower(), git) in card_pairs:
            found.append("card_repository")
        if mails.get(("huggingface", hub), set()) & mails.get(("github", git), set()):
            found.append("email")
    hub_roles, github_roles = (_roles(people, "huggingface", adapters),
                               _roles(people, "github", set()))
    rows = []
    for (hub, git), found in sorted(evidence.items()):
        corroborated = [e for e in found if ":" not in e]
        rule = ("explicit_link" if (hub, git) in explicit else
                "handle_corroborated" if corroborated else "handle_only")
        rows.append({"hub_login": hub, "github_login": git, "rule": rule,
                     "evidence": "; ".join(found) or "identical handle",
                     "hub_contributor": hub in hub_contributors, "hub_looked_up": hub in looked_up,
                     "github_active": git in github_active,
                     "hub_role": hub_roles.get(hub), "github_role": github_roles.get(git)})
    columns = ["hub_login", "github_login", "rule", "evidence", "hub_contributor",
               "hub_looked_up", "github_active", "hub_role", "github_role"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["hub_contributors"] = sorted(hub_contributors)
    frame.attrs["looked_up"] = sorted(hub_contributors & looked_up)
    return frame


def _identifying(email: object) -> bool:
    """An address that tells one person: not a placeholder, not a platform no-reply."""
    return (isinstance(email, str) and not is_placeholder_email(email)
            and noreply_login(email, "github") is None
            and noreply_login(email, "huggingface") is None)


def _grouped(frame: pd.DataFrame, column: str) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for platform, login, value in frame[["platform", "login", column]].itertuples(index=False):
        out.setdefault((platform, login), set()).add(value)
    return out


def people_summary(matches: pd.DataFrame, *, n_bootstrap: int = 1000,
                   seed: int = 0) -> dict[str, object]:
    """The share of looked-up Hub contributors matched (rules a–b) to a GitHub account
    active in the study's GitHub data, with its bootstrap interval (people resampled) and n;
    candidates (rule c) apart; and matched people's roles on each platform, crossed.

    The share is over the Hub contributors whose profile was looked up (a hashed random
    sample, ``collection.people_plan``), so a capped lookup estimates it rather than
    biasing it; unknown (None) when none was looked up."""
    contributors = matches.attrs.get("hub_contributors", [])
    sample = matches.attrs.get("looked_up", [])
    counted = matches[matches["hub_contributor"] & matches["github_active"]
                      & matches["hub_login"].isin(sample)]
    matched_rows = counted[counted["rule"] != "handle_only"]
    matched = set(matched_rows["hub_login"])
    candidates = set(counted.loc[counted["rule"] == "handle_only", "hub_login"]) - matched
    flags = [1.0 if login in matched else 0.0 for login in sample]
    share = ratio_estimate(flags, [1.0] * len(flags), key="people_matched_share",
                           n_bootstrap=n_bootstrap, seed=seed)
    candidate_share = ratio_estimate([1.0 if login in candidates else 0.0 for login in sample],
                                     [1.0] * len(sample), key="people_candidate_share",
                                     n_bootstrap=n_bootstrap, seed=seed)
    first = matched_rows.sort_values(["hub_login", "rule", "github_login"]).drop_duplicates(
        "hub_login")
    cross = (first.fillna({"hub_role": "unknown", "github_role": "unknown"})
             .groupby(["hub_role", "github_role"]).size().rename("people").reset_index())
    return {
        "hub_contributors": len(contributors),
        "looked_up": len(sample),
        "matched": len(matched),
        "matched_share": share,
        "candidates": len(candidates),
        "candidate_share": candidate_share,
        "by_rule": {rule: int(first["rule"].eq(rule).sum()) for rule in RULES[:2]},
        "cross_table": cross.to_dict("records"),
        "validated": False,
        "note": NOT_VALIDATED,
    }
