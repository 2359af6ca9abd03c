"""The forum source: linking topics to repositories by what they write, and parsing topics."""

from __future__ import annotations

import json

from crossforge.records import ForumLink, ForumPost, ForumTopic
from crossforge.sources import discourse
from crossforge.sources.raw import RawResponse

#: A hand-made post as people write them on the Hugging Face forum: URLs pasted with file
#: paths, downloads, trailing punctuation, a clone URL, the docs, and paths that are not
#: repositories.
POST = """Hi! I'm fine-tuning https://huggingface.co/meta-llama/Llama-2-7b-hf.
The config at https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json says 4096,
but https://huggingface.co/TheBloke/Llama-2-7B-GGUF/resolve/main/llama-2-7b.Q4_K_M.gguf works
(see also hf.co/datasets/tatsu-lab/alpaca, and the space https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard).
I followed https://huggingface.co/docs/transformers/main_classes/trainer and
https://huggingface.co/transformers/model_doc/bert.html, cloned
https://github.com/huggingface/transformers.git, and read https://github.com/orgs/huggingface/people.
```
pip install -U transformers
python src/models/train.py --model_name_or_path gpt2
```
Also the bug is https://github.com/Huggingface/Peft/issues/123, right?"""


def _mentioned(text: str) -> set[tuple[str, str, str]]:
    return {(m.platform, m.repo, m.evidence) for m in discourse.url_mentions(text)}


def test_urls_link_models_datasets_spaces_and_github_repositories_but_not_site_pages() -> None:
    assert _mentioned(POST) == {
        ("huggingface", "meta-llama/Llama-2-7b-hf", "url"),
        ("huggingface", "TheBloke/Llama-2-7B-GGUF", "url"),
        ("huggingface", "datasets/tatsu-lab/alpaca", "url"),
        ("huggingface", "spaces/HuggingFaceH4/open_llm_leaderboard", "url"),
        ("github", "huggingface/transformers", "url"),
        ("github", "huggingface/peft", "url"),
    }


def test_api_urls_name_their_repository_and_legacy_single_names_link_nothing() -> None:
    text = ("curl https://huggingface.co/api/models/org/model-v2 and "
            "https://huggingface.co/api/datasets/squad/v2 ; the old "
            "https://huggingface.co/gpt2/resolve/main/config.json and "
            "https://huggingface.co/bert-base-uncased/blob/main/vocab.txt")
    assert _mentioned(text) == {("huggingface", "org/model-v2", "url"),
                                ("huggingface", "datasets/squad/v2", "url")}


def test_a_sentence_end_or_closing_bracket_is_not_part_of_the_name() -> None:
    text = ("Use https://huggingface.co/bert-base/uncased-v2. Or (https://github.com/a/b), "
            "or <https://huggingface.co/x/y-1.5>!")
    assert _mentioned(text) == {("huggingface", "bert-base/uncased-v2", "url"),
                                ("github", "a/b", "url"), ("huggingface", "x/y-1.5", "url")}


FRAME = discourse.frame_index([("huggingface", "meta-llama/Llama-2-7b-hf"),
                               ("huggingface", "gpt2/gpt2-small"),
                               ("github", "huggingface/transformers"),
                               ("huggingface", "datasets/tatsu-lab/alpaca"),
                               ("github", "src/models")])


def test_bare_ids_link_only_the_frame_and_not_inside_urls_or_paths() -> None:
    text = ('model = AutoModel.from_pretrained("META-LLAMA/llama-2-7b-hf")\n'
            "I use tatsu-lab/alpaca and openai/whisper-large (not in the frame).\n"
            "python ./src/models/train.py; see https://huggingface.co/gpt2/gpt2-small.\n"
            "huggingface/transformers.")
    found = {(m.platform, m.repo, m.mention) for m in discourse.frame_mentions(text, FRAME)}
    assert found == {("huggingface", "meta-llama/Llama-2-7b-hf", "META-LLAMA/llama-2-7b-hf"),
                     ("huggingface", "datasets/tatsu-lab/alpaca", "tatsu-lab/alpaca"),
                     ("github", "huggingface/transformers", "huggingface/transformers")}


def test_an_id_two_platforms_share_is_not_linked_bare() -> None:
    index = discourse.frame_index([("github", "acme/tool"), ("huggingface", "acme/tool")])
    assert discourse.frame_mentions("try acme/tool", index) == []


def _answer(kind: str, body: dict, **context: object) -> RawResponse:
    return RawResponse(kind, {"forum": "discuss.example", **context}, "GET",
                       "https://discuss.example/t/7.json", 200, {}, json.dumps(body))


def test_a_topic_answer_gives_the_topic_its_posts_and_links() -> None:
    body = {"id": 7, "title": "Error with https://huggingface.co/org/model", "posts_count": 4,
            "created_at": "2024-01-02T03:04:05.000Z", "last_posted_at": "2024-01-03T00:00:00Z",
            "closed": False,
            "accepted_answer": {"post_number": 3, "username": "helper"},
            "details": {"created_by": {"username": "asker"}},
            "post_stream": {"stream": [70, 71, 72, 73, 74], "posts": [
                {"id": 70, "post_number": 1, "username": "asker", "raw": "See org/model",
                 "cooked": "<p>See org/model</p>", "created_at": "2024-01-02T03:04:05Z",
                 "post_type": 1, "accepted_answer": False},
                {"id": 71, "post_number": 2, "username": "system", "raw": "deleted user's",
                 "created_at": "2024-01-02T04:00:00Z", "post_type": 1},
                {"id": 72, "post_number": 3, "username": "helper", "cooked": "<p>fixed</p>",
                 "created_at": "2024-01-02T05:00:00Z", "post_type": 1,
                 "accepted_answer": True},
                {"id": 73, "post_number": 4, "username": "anon48213", "raw": "me too",
                 "created_at": "2024-01-02T06:00:00Z", "post_type": 1},
                {"id": 74, "post_number": 5, "username": "system", "raw": "",
                 "action_code": "closed.enabled", "created_at": "2024-01-03T00:00:00Z",
                 "post_type": 3},
                {"id": 75, "post_number": 6, "username": "moderator", "created_at":
                 "2024-01-03T00:00:00.000-05:00", "post_type": 2,
                 "cooked": "<p>This topic is now pinned.</p>"}]}}
    records = discourse.parse(_answer("discourse.topic", body, category="Beginners"))
    topic = next(r for r in records if isinstance(r, ForumTopic))
    assert (topic.topic_id, topic.category, topic.author, topic.has_accepted_answer,
            topic.accepted_post_number) == (7, "Beginners", "asker", True, 3)
    posts = {r.post_number: r for r in records if isinstance(r, ForumPost)}
    assert sorted(posts) == [1, 2, 3, 4]          # notices of actions are no one's posts
    assert [posts[n].author for n in (1, 2, 3, 4)] == ["asker", None, "helper", None]
    assert posts[1].body == "See org/model" and posts[3].body == "<p>fixed</p>"
    assert posts[3].accepted_answer is True and posts[2].accepted_answer is None
    assert [(r.repo, r.post_number) for r in records if isinstance(r, ForumLink)] == [
        ("org/model", 0)]
    assert discourse.missing_posts(_answer("discourse.topic", body)) == []


def test_an_unsolved_topic_is_unsolved_only_where_the_solved_plugin_runs() -> None:
    post = {"id": 80, "post_number": 1, "username": "a", "raw": "?", "post_type": 1,
            "created_at": "2024-01-02T03:04:05Z"}
    topics = [next(r for r in discourse.parse(_answer("discourse.topic", {
        "id": 8, "title": "q", "post_stream": {"stream": [80], "posts": [dict(post, **flag)]}},
        category="Models")) if isinstance(r, ForumTopic)) for flag in (
        {"accepted_answer": False}, {})]
    assert [t.has_accepted_answer for t in topics] == [False, None]


def test_more_topics_url_is_asked_as_json() -> None:
    page = _answer("discourse.topic_list",
                   {"topic_list": {"topics": [], "more_topics_url": "/c/beginners/5?page=2"}})
    assert discourse.next_page(page) == "/c/beginners/5.json?page=2"
    assert discourse.next_page(_answer("discourse.topic_list", {"topic_list": {}})) is None
    absolute = _answer("discourse.topic_list", {"topic_list": {
        "topics": [], "more_topics_url": "https://discuss.example/c/general/1/l/latest?page=3"}})
    assert discourse.next_page(absolute) == "/c/general/1/l/latest.json?page=3"
