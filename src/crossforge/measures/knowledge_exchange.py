"""Knowledge exchange per channel: issue trackers, discussion boards and forums side by side
(``docs/measures.md`` § Knowledge exchange by channel).

The seed study finds direct contribution to open models closed while knowledge exchange stays
"relatively open through forums and discussions"; these measures look at each place where
questions are asked and answered, per repository. They are written over plain thread and
comment frames with the store's columns, so threads from any source (a forum's topics linked
to repositories, say) can be passed in beside the stored ones.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crossforge.measures.engine import BOT_ACCOUNTS, Engine
from crossforge.measures.roles import ROLE_COLUMNS, person_roles_table
from crossforge.measures.statistics import PlatformComparison
from crossforge.measures.weights import WEIGHT_COLUMN
from crossforge.records import Channel

CHANNELS: tuple[Channel, ...] = ("issue_tracker", "discussion_board", "forum")
#: The prefix of the measures pooled over every channel a repository has.
POOLED = "knowledge"
MEASURES: tuple[str, ...] = (
    "threads", "participants", "external_thread_share", "external_participant_share",
    "responded_share", "accepted_answer_share", "hours_to_first_response",
    "hours_to_accepted_answer")
#: The per-repository columns this module adds to ``repositories.csv``: each measure per
#: channel (``discussion_board_threads``, …) and pooled (``knowledge_threads``, …).
COLUMNS: tuple[str, ...] = tuple(f"{prefix}_{measure}" for prefix in (*CHANNELS, POOLED)
                                 for measure in MEASURES)
#: Columns compared between platforms: pooled over channels (GitHub's issue trackers and
#: boards against the Hub's community tabs and forum) and the issue tracker, which both have.
COMPARED: tuple[str, ...] = tuple(f"{prefix}_{measure}" for prefix in (POOLED, "issue_tracker")
                                  for measure in MEASURES)
THREAD_COLUMNS = ("platform", "repo", "number", "kind", "author", "author_role", "created_at",
                  "closed_at", "channel", "answerable", "answered_at")
COMMENT_COLUMNS = ("platform", "repo", "thread_number", "author", "author_role",
                   "created_at")
_KEY = ["platform", "repo", "channel"]

#: A post's role: its author's in ``person_roles`` where that holds one, else the role its
#: source stamped (``_with_roles``' rule, applied by the engine: joining in SQL spares
#: loading every role row and matching them in pandas). The logins match as pandas matches
#: keys, an unknown (NULL) author with the role row of an unknown co-author.
_ROLE = "coalesce(pr.role, {post}.author_role, 'unknown') AS author_role"
_ROLE_JOIN = ("LEFT JOIN person_roles pr ON pr.platform = {post}.platform "
              "AND pr.repo = {post}.repo AND pr.login IS NOT DISTINCT FROM {post}.author")
#: Pull requests are no knowledge-exchange thread (``by_channel`` drops them, and their
#: comments with them); only a forum's would tell that a repository has a forum.
_MEASURED_THREAD = "(t.kind IS DISTINCT FROM 'pull_request' OR t.channel = 'forum')"
_THREADS_SQL = ("SELECT " + ", ".join(
    _ROLE.format(post="t") if column == "author_role" else f"t.{column}"
    for column in THREAD_COLUMNS) + " FROM threads t " + _ROLE_JOIN.format(post="t")
    + f" WHERE {_MEASURED_THREAD}")
#: Stored comments of those threads with their thread's channel: a forum topic's id can
#: equal an issue's number in the same repository, so comments meet their threads on the
#: channel too (a comment whose thread is not stored is read as the issue tracker's).
_COMMENTS_SQL = ("SELECT " + ", ".join(
    _ROLE.format(post="c") if column == "author_role" else f"c.{column}"
    for column in COMMENT_COLUMNS)
    + ", coalesce(t.channel, 'issue_tracker') AS channel FROM comments c "
    "LEFT JOIN threads t ON t.platform = c.platform AND t.repo = c.repo "
    "AND t.number = c.thread_number " + _ROLE_JOIN.format(post="c")
    + f" WHERE {_MEASURED_THREAD}")
_REPOSITORIES_SQL = "SELECT platform, repo, has_discussions FROM repositories"
_BOTS_SQL = f"SELECT platform, login FROM {BOT_ACCOUNTS}"


class KnowledgeExchange:
    """Per repository, the knowledge-exchange measures of each channel it has and pooled."""

    def compute(self, store: Engine) -> pd.DataFrame:
        """One row per repository with ``COLUMNS`` (NaN for a channel it does not have)."""
        long = self.by_channel(store)
        return wide(long, store.frame(_REPOSITORIES_SQL)[["platform", "repo"]])

    @staticmethod
    def columns(long: pd.DataFrame, repositories: pd.DataFrame) -> pd.DataFrame:
        """``long`` (``by_channel``'s rows) as ``COLUMNS`` beside ``repositories``."""
        return wide(long, repositories)

    def by_channel(self, store: Engine, extra_threads: pd.DataFrame | None = None,
                   extra_comments: pd.DataFrame | None = None) -> pd.DataFrame:
        """One row per repository and channel it has (``by_channel``), from the store's
        threads and comments and any ``extra_`` frames with the same columns (extra
        comments without a ``channel`` take their extra thread's)."""
        extras = [frame for frame in (extra_threads, extra_comments)
                  if frame is not None and len(frame)]
        with person_roles_table(store):  # the suite's table when it holds one
            threads = store.frame(_THREADS_SQL)
            comments = store.frame(_COMMENTS_SQL)
            roles = store.frame(f"SELECT {ROLE_COLUMNS} FROM person_roles") if extras else None
        if extra_threads is not None:
            if roles is not None:
                extra_threads = _with_roles(extra_threads, roles)
            threads = pd.concat([threads, extra_threads[list(THREAD_COLUMNS)]],
                                ignore_index=True)
        if extra_comments is not None:
            if "channel" not in extra_comments and extra_threads is not None:
                extra_comments = extra_comments.merge(
                    extra_threads[["platform", "repo", "number", "channel"]].rename(
                        columns={"number": "thread_number"}), how="left")
            if roles is not None:
                extra_comments = _with_roles(extra_comments, roles)
            comments = pd.concat([comments, extra_comments[[*COMMENT_COLUMNS, "channel"]]],
                                 ignore_index=True)
        bots = store.frame(_BOTS_SQL)
        return by_channel(threads, comments, store.frame(_REPOSITORIES_SQL),
                          bots=zip(bots["platform"], bots["login"], strict=True))


def by_channel(threads: pd.DataFrame, comments: pd.DataFrame, repositories: pd.DataFrame,
               bots: Iterable[tuple[str, str]] = (), roles: pd.DataFrame | None = None
               ) -> pd.DataFrame:
    """The measures of every (repository, channel) the repository has, and pooled
    (channel ``knowledge``: every channel of the repository together).

    A repository has its issue tracker always, a discussion board when ``has_discussions``
    is true (false or unknown: no row, so its board's measures are unknown, not 0), and a
    forum when any forum thread is linked to it. A channel it has with no thread counts 0
    threads and 0 participants; its shares and times are then unknown.

    Args:
        threads: ``THREAD_COLUMNS`` (the ``threads`` table's), any channels.
        comments: ``COMMENT_COLUMNS`` of those threads' comments, and their thread's
            ``channel`` (without it, every comment is taken for its issue tracker's).
        repositories: ``platform``, ``repo`` and ``has_discussions`` of the measured ones.
        bots: (platform, login) of bot accounts; their threads are left out and they are
            nobody's participant (their comments still end the wait for a first response,
            as in ``Openness``'s ``answered_share``).
        roles: each person's role toward each repository (``PersonRoles``: ``platform``,
            ``repo``, ``login``, ``role``), as ``Openness`` counts them; a post whose author
            it does not hold keeps the role its source stamped (``author_role``).
    """
    bot_keys = set(bots)
    if "channel" not in comments:
        comments = comments.assign(channel="issue_tracker")
    if "author_role" not in comments:
        comments = comments.assign(author_role="unknown")
    if roles is not None:
        threads, comments = _with_roles(threads, roles), _with_roles(comments, roles)
    present = _present(threads, repositories)
    threads = threads[threads["kind"] != "pull_request"].copy()
    threads = threads[_human(threads, bot_keys)]
    threads = threads.merge(present[["platform", "repo", "channel"]], how="inner")
    threads = threads.assign(first_response_at=_first_responses(threads, comments))
    said = comments.merge(threads[["platform", "repo", "number", "channel"]].rename(
        columns={"number": "thread_number"}), how="inner")
    said = said[_human(said, bot_keys)]
    thread_posts = threads[["platform", "repo", "channel", "author", "author_role"]]
    comment_posts = said[["platform", "repo", "channel", "author", "author_role"]]
    posts = pd.concat([thread_posts, comment_posts], ignore_index=True)
    posts = posts[posts["author"].notna()]
    rows = []
    for pooled in (False, True):
        grouped_threads = threads.assign(channel=POOLED) if pooled else threads
        grouped_posts = posts.assign(channel=POOLED) if pooled else posts
        frame = _measures(grouped_threads, grouped_posts)
        keys = present.assign(channel=POOLED).drop_duplicates(_KEY) if pooled else present
        rows.append(keys[_KEY].merge(frame, how="left", on=_KEY))
    result = pd.concat(rows, ignore_index=True)
    for count in ("threads", "participants"):
        result[count] = result[count].fillna(0).astype("int64")
    return result.sort_values(_KEY, ignore_index=True)


def wide(long: pd.DataFrame, repositories: pd.DataFrame) -> pd.DataFrame:
    """``by_channel``'s rows as ``COLUMNS`` beside each repository (NaN where a repository
    has no such channel)."""
    out = repositories[["platform", "repo"]].drop_duplicates().reset_index(drop=True)
    for prefix in (*CHANNELS, POOLED):
        part = long[long["channel"] == prefix].drop(columns="channel")
        part = part.rename(columns={m: f"{prefix}_{m}" for m in MEASURES})
        out = out.merge(part, how="left", on=["platform", "repo"])
    for column in COLUMNS:
        if column not in out:
            out[column] = np.nan
        elif column.endswith(("_threads", "_participants")):
            out[column] = out[column].astype("Int64")
    return out[["platform", "repo", *COLUMNS]]


def channel_summary(long: pd.DataFrame) -> pd.DataFrame:
    """Per platform and channel: the repositories that have it (n), their threads and
    participants in all, and the medians over repositories of the shares and times."""
    rows = []
    for (platform, channel), group in long.groupby(["platform", "channel"], sort=True):
        row = {"platform": platform, "channel": channel, "repositories": len(group),
               "threads": int(group["threads"].sum()),
               "repositories_with_threads": int((group["threads"] > 0).sum())}
        for measure in MEASURES[2:]:
            values = pd.to_numeric(group[measure], errors="coerce").dropna()
            row[f"median_{measure}"] = float(values.median()) if len(values) else None
            row[f"n_{measure}"] = len(values)
        rows.append(row)
    return pd.DataFrame(rows)


def knowledge_comparison(long: pd.DataFrame, repositories: pd.DataFrame, *,
                         n_bootstrap: int, seed: int) -> dict[str, pd.DataFrame]:
    """The outputs the pipeline writes: the rows per repository and channel
    (``knowledge_exchange``), their summary per platform and channel
    (``knowledge_exchange_channels``), and the GitHub-vs-Hub comparison of ``COMPARED``
    (``knowledge_exchange_tests``: the statistics' tests and intervals, Holm-corrected within
    these measures, so the main comparison's family is unchanged)."""
    weights = repositories.get(WEIGHT_COLUMN)
    tests = PlatformComparison(n_bootstrap=n_bootstrap, seed=seed).compute(
        repositories, COMPARED, weights=weights)
    return {"knowledge_exchange": long, "knowledge_exchange_channels": channel_summary(long),
            "knowledge_exchange_tests": tests}


def _with_roles(frame: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each author's role from ``roles`` where it holds one."""
    keyed = roles.rename(columns={"login": "author", "role": "_role"})[
        ["platform", "repo", "author", "_role"]].drop_duplicates(["platform", "repo", "author"])
    joined = frame.merge(keyed, how="left", on=["platform", "repo", "author"])
    joined.index = frame.index
    joined["author_role"] = joined["_role"].fillna(joined["author_role"]).fillna("unknown")
    return joined.drop(columns="_role")


def _human(frame: pd.DataFrame, bots: set[tuple[str, str]]) -> np.ndarray:
    """Which rows of ``frame`` are not by a bot (a boolean mask, also for no rows)."""
    return np.fromiter(((p, a) not in bots for p, a in zip(
        frame["platform"], frame["author"], strict=True)), dtype=bool, count=len(frame))


def _present(threads: pd.DataFrame, repositories: pd.DataFrame) -> pd.DataFrame:
    """(platform, repo, channel) of every channel each measured repository has."""
    keys = repositories[["platform", "repo"]].drop_duplicates()
    trackers = keys.assign(channel="issue_tracker")
    boards = repositories[repositories["has_discussions"].fillna(False).astype(bool)][
        ["platform", "repo"]].assign(channel="discussion_board")
    forums = threads[threads["channel"] == "forum"][["platform", "repo"]].drop_duplicates() \
        .merge(keys, how="inner").assign(channel="forum")
    return pd.concat([trackers, boards, forums], ignore_index=True).drop_duplicates(_KEY)


def _first_responses(threads: pd.DataFrame, comments: pd.DataFrame) -> pd.Series:
    """Each thread's earliest comment by anyone but its author (a comment without an author
    answers a thread with one; none answers a thread without one), aligned with
    ``threads``."""
    if threads.empty:
        return pd.Series(pd.NaT, index=threads.index, dtype="datetime64[us, UTC]")
    joined = threads[["platform", "repo", "number", "channel", "author"]].reset_index().merge(
        comments[["platform", "repo", "thread_number", "channel", "author", "created_at"]]
        .rename(columns={"thread_number": "number", "author": "commenter"}),
        on=["platform", "repo", "number", "channel"], how="inner")
    same = (joined["commenter"].isna() & joined["author"].isna()) | (
        joined["commenter"].notna() & joined["author"].notna()
        & joined["commenter"].eq(joined["author"]))
    other = ~same
    first = joined[other].groupby("index")["created_at"].min()
    return pd.to_datetime(first.reindex(threads.index), utc=True)


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    later, earlier = pd.to_datetime(later, utc=True), pd.to_datetime(earlier, utc=True)
    return (later - earlier).dt.total_seconds() / 3600.0


def _measures(threads: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """The measures of each (platform, repo, channel) group of ``threads`` and ``posts``."""
    known = threads["author_role"].ne("unknown")
    answerable = threads["answerable"].fillna(False).astype(bool)
    table = threads.assign(
        known=known, external=threads["author_role"].eq("external"),
        responded=threads["first_response_at"].notna(), answerable=answerable,
        accepted=answerable & threads["answered_at"].notna(),
        response_hours=_hours(threads["first_response_at"], threads["created_at"]),
        answer_hours=_hours(threads["answered_at"], threads["created_at"]).where(
            threads["answered_at"].notna()))
    grouped = table.groupby(_KEY, sort=False)
    frame = pd.DataFrame({
        "threads": grouped.size(),
        "external_thread_share": grouped["external"].sum() / grouped["known"].sum().replace(
            0, np.nan),
        "responded_share": grouped["responded"].mean(),
        "accepted_answer_share": grouped["accepted"].sum() / grouped["answerable"].sum()
        .replace(0, np.nan),
        "hours_to_first_response": grouped["response_hours"].median(),
        "hours_to_accepted_answer": grouped["answer_hours"].median(),
    })
    people = posts.assign(known=posts["author_role"].ne("unknown"),
                          insider=posts["author_role"].isin(["owner", "member"])) \
        .groupby([*_KEY, "author"], sort=False)[["known", "insider"]].any()
    people["external"] = people["known"] & ~people["insider"]
    per_channel = people.groupby(level=[0, 1, 2], sort=False)
    participants = pd.DataFrame({
        "participants": per_channel.size(),
        "external_participant_share": per_channel["external"].sum()
        / per_channel["known"].sum().replace(0, np.nan)})
    frame = frame.join(participants, how="outer").reset_index()
    return frame[[*_KEY, *MEASURES]]
