"""What a model card or README says about its project: GitHub links, sections, datasets.

Pure functions from a document's text (and, for model cards, its card data) to records, so
every source that sees a card or README — a metadata dump, the Hub's resolver, GitHub's
API, a world file — extracts the same features. Definitions and rationale:
``docs/measures.md`` § Projects, documentation and datasets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from crossforge.records import (
    SECTIONS,
    DatasetLink,
    Documentation,
    Platform,
    ProfileLink,
    ProjectLink,
)

#: Card data fields that name the model's code repository explicitly.
LINK_FIELDS: tuple[str, ...] = ("repo", "repository", "github", "code", "source_code",
                                "code_repository", "repo_url", "github_url")

#: Generic libraries and tools a card links because it was trained, converted, quantised,
#: merged or served with them — never the model's own project. A link to one of these is
#: kept (``is_tool``) but not paired. The list names tools, not projects: it is not
#: derived from any corpus count.
TOOL_REPOSITORIES: frozenset[str] = frozenset({
    "huggingface/transformers", "huggingface/trl", "huggingface/peft",
    "huggingface/diffusers", "huggingface/accelerate", "huggingface/huggingface_hub",
    "huggingface/datasets", "huggingface/optimum", "huggingface/optimum-intel",
    "huggingface/autotrain-advanced", "huggingface/alignment-handbook",
    "huggingface/text-generation-inference", "huggingface/safetensors",
    "huggingface/tokenizers", "huggingface/candle", "huggingface/lighteval",
    "unslothai/unsloth", "openaccess-ai-collective/axolotl", "axolotl-ai-cloud/axolotl",
    "hiyouga/llama-factory", "ggerganov/llama.cpp", "ggml-org/llama.cpp", "ggerganov/ggml",
    "vllm-project/vllm", "sgl-project/sglang", "cg123/mergekit", "arcee-ai/mergekit",
    "microsoft/deepspeed", "pytorch/pytorch", "google/jax", "tensorflow/tensorflow",
    "ml-explore/mlx", "ml-explore/mlx-examples", "abetlen/llama-cpp-python",
    "marella/ctransformers", "oobabooga/text-generation-webui", "lostruins/koboldcpp",
    "parisneo/lollms-webui", "nomic-ai/gpt4all", "ollama/ollama", "lm-sys/fastchat",
    "eleutherai/lm-evaluation-harness", "nvidia/megatron-lm", "nvidia/tensorrt-llm",
    "internlm/lmdeploy", "turboderp/exllamav2", "autogptq/autogptq", "casper-hansen/autoawq",
    "timdettmers/bitsandbytes", "bitsandbytes-foundation/bitsandbytes",
    "dao-ailab/flash-attention", "hazyresearch/flash-attention", "openvinotoolkit/openvino",
    "openvinotoolkit/openvino.genai", "gradio-app/gradio", "lightning-ai/lit-gpt",
    "lightning-ai/litgpt", "mlabonne/llm-autoeval", "pruna-ai/pruna", "kohya-ss/sd-scripts",
    "automatic1111/stable-diffusion-webui", "comfyanonymous/comfyui", "ostris/ai-toolkit",
    "sentence-transformers/sentence-transformers", "ukplab/sentence-transformers",
    "mlc-ai/mlc-llm", "intel/neural-compressor", "intel/intel-extension-for-transformers",
    "microsoft/onnxruntime", "onnx/onnx",
})

#: Owners (and paths) that are never repositories: GitHub's own pages and file hosts.
_NOT_REPOSITORIES = frozenset({"user-attachments", "sponsors", "orgs", "features", "topics",
                               "settings", "marketplace", "about", "site", "login", "apps"})
_GITHUB = re.compile(
    r"(?:(?<=//)|(?<![\w./@-]))(?:www\.)?github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/"
    r"([A-Za-z0-9._-]{1,100})", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_HTML_HEADING = re.compile(r"^\s*<h([1-6])[^>]*>(.*?)</h\1>\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_RST_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}[ \t]*$")
_PLACEHOLDER = re.compile(r"\[?more information needed\]?|\{\{.*?\}\}|\btodo\b|\btbd\b|"
                          r"\bcoming soon\b|\[optional\]|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

#: A link to a GitHub account's page (``github.com/{login}``, nothing after the login but
#: an optional ``/`` or a sentence's full stop): a profile, not a repository.
_GITHUB_PROFILE = re.compile(
    r"(?:(?<=//)|(?<![\w./@-]))(?:www\.)?github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/?"
    r"(?=$|[\s)\]>\"'<,;|]|\.(?:\s|$))", re.IGNORECASE | re.MULTILINE)

#: Words of prose before the first section heading that count as a description.
LEAD_WORDS = 20


def normalise_github(owner: str, name: str) -> str | None:
    """``owner/name`` of a GitHub link, lower-cased, without ``.git`` or trailing dots;
    None when the path is not a repository (``github.com/user-attachments/...``)."""
    owner, name = owner.lower(), name.lower().rstrip(".")
    name = name.removesuffix(".git").rstrip(".")
    if owner in _NOT_REPOSITORIES or not name or name in {".", ".."}:
        return None
    return f"{owner}/{name}"


def github_links(text: str | None) -> list[str]:
    """Every GitHub repository a text links or names, normalised, in order of appearance."""
    found = (normalise_github(*m.groups()) for m in _GITHUB.finditer(text or ""))
    return list(dict.fromkeys(link for link in found if link))


def github_profiles(text: str | None) -> list[str]:
    """Every GitHub account page a text links (``github.com/{login}``), lower-cased, once
    each, in order of appearance; GitHub's own pages (``github.com/features``) left out."""
    found = (m.group(1).lower() for m in _GITHUB_PROFILE.finditer(text or ""))
    return list(dict.fromkeys(f for f in found if f not in _NOT_REPOSITORIES))


def card_profile_links(repo: str, text: str | None) -> list[ProfileLink]:
    """The card's link to its owner's GitHub account: kept only when the card links exactly
    one GitHub account page, since a card that names several credits people rather than
    saying who its owner is (``docs/people.md``, rule a)."""
    profiles = github_profiles(_body(text))
    if len(profiles) != 1:
        return []
    return [ProfileLink("huggingface", repo.split("/", 1)[0], "github", profiles[0],
                        f"card:{repo}")]


def _same_owner(hub_owner: str, github_owner: str) -> bool:
    def squash(name: str) -> str:
        return re.sub(r"[-_.]", "", name.lower())
    return squash(hub_owner) == squash(github_owner)


def project_links(platform: Platform, repo: str, text: str | None,
                  card_data: Mapping[str, Any] | None = None) -> list[ProjectLink]:
    """The GitHub repositories a card links: card data fields first, then the text, in
    order of appearance (``position`` 0 is the first)."""
    owner = repo.split("/", 1)[0]
    sourced: dict[str, str] = {}
    for field in LINK_FIELDS:
        values = (card_data or {}).get(field)
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str):
                for link in github_links(value):
                    sourced.setdefault(link, f"card_data:{field}")
    for link in github_links(_body(text)):
        sourced.setdefault(link, "card_text")
    return [ProjectLink(platform, repo, link, source, position,
                        same_owner=_same_owner(owner, link.split("/", 1)[0]),
                        is_tool=link in TOOL_REPOSITORIES)
            for position, (link, source) in enumerate(sourced.items())]


#: Names card data ``datasets:`` carries that are loaders, not datasets: the ``Trainer``
#: writes ``generator`` for data from a Python generator, and ``datasets``' packaged
#: builders (``json``, ``imagefolder`` …) mean "local files". They are not stored.
LOADER_NAMES: frozenset[str] = frozenset({
    "generator", "json", "csv", "parquet", "text", "arrow", "pandas", "webdataset",
    "imagefolder", "audiofolder", "videofolder", "sql"})


def dataset_links(platform: Platform, repo: str,
                  card_data: Mapping[str, Any] | None) -> list[DatasetLink]:
    """The datasets card data ``datasets:`` declares (a string or a list; Hub URLs
    reduced to ids; ``LOADER_NAMES`` left out), each once."""
    value = (card_data or {}).get("datasets")
    values = value if isinstance(value, list) else [value] if value else []
    names = (re.sub(r"^https?://(?:www\.)?huggingface\.co/datasets/", "", str(v).strip())
             .strip("/") for v in values if isinstance(v, str | int) and str(v).strip())
    return [DatasetLink(platform, repo, name) for name in dict.fromkeys(names)
            if name and name.lower() not in LOADER_NAMES]


def front_matter(text: str | None) -> dict[str, Any]:
    """A card's YAML front matter (its card data) as a mapping; empty when there is none
    or it is not valid YAML mapping, as the Hub then shows no card data either."""
    match = _FRONT_MATTER.match(text or "")
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _body(text: str | None) -> str:
    """The text without its YAML front matter (the card data)."""
    return _FRONT_MATTER.sub("", text or "", count=1)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _heading_words(heading: str) -> str:
    cleaned = re.sub(r"<[^>]+>|!?\[([^\]]*)\]\([^)]*\)", r" \1 ", heading)
    return " " + " ".join(re.findall(r"[a-z]+", cleaned.lower())) + " "


def _heading_lines(lines: list[str]) -> list[tuple[int, int, str, int]]:
    """``(first line, level, heading, first body line)`` of every heading outside code
    fences."""
    found: list[tuple[int, int, str, int]] = []
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif fenced:
            continue
        elif match := _ATX.match(line):
            found.append((index, len(match.group(1)), match.group(2), index + 1))
        elif match := _HTML_HEADING.match(line):
            found.append((index, int(match.group(1)), match.group(2), index + 1))
        elif ((match := _SETEXT.match(line)) and index and lines[index - 1].strip()
              and not (found and found[-1][0] == index - 1)
              and not _FENCE.match(lines[index - 1])):
            level = 1 if match.group(1)[0] == "=" else 2
            found.append((index - 1, level, lines[index - 1], index + 1))
    return found


def headings(text: str | None) -> list[tuple[int, str, str]]:
    """``(level, heading, body)`` for every Markdown heading (ATX, setext, HTML ``<hN>``)
    outside code fences; a body runs to the next heading of the same or a higher level."""
    lines = _body(text).splitlines()
    found = _heading_lines(lines)
    out = []
    for position, (_, level, heading, body_start) in enumerate(found):
        end = next((first for first, deeper, _, _ in found[position + 1:] if deeper <= level),
                   len(lines))
        out.append((level, heading.strip(), "\n".join(lines[body_start:end])))
    return out


def _lead(text: str | None) -> str:
    """Prose before the first section: before the first heading, and under a first
    level-1 heading (the title) up to the next heading."""
    lines = _body(text).splitlines()
    found = _heading_lines(lines)
    if not found:
        return "\n".join(lines)
    lead = lines[:found[0][0]]
    if found[0][1] == 1:
        lead += lines[found[0][3]:found[1][0] if len(found) > 1 else len(lines)]
    return "\n".join(lead)


def documentation(platform: Platform, repo: str, text: str, document: str,
                  card_data: Mapping[str, Any] | None = None) -> Documentation:
    """The completeness features of one document (``document``: model_card or readme).

    A canonical section is present when a heading names it (synonym words, case and
    punctuation ignored) and its body has at least one word once placeholders such as
    ``[More Information Needed]`` are removed; ``description`` is also present when at
    least ``LEAD_WORDS`` words of prose precede the first sub-heading; a model card's
    ``license`` also when its card data declares ``license``.
    """
    wanted = SECTIONS[document]
    present: set[str] = set()
    found = headings(text)
    for _, heading, body in found:
        named = _heading_words(heading)
        if not _words(_PLACEHOLDER.sub(" ", body)):
            continue
        for section, synonyms in wanted.items():
            if any(f" {s} " in named for s in synonyms):
                present.add(section)
    lead = re.sub(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)", " ", _lead(text))
    if _words(_PLACEHOLDER.sub(" ", lead)) >= LEAD_WORDS:
        present.add("description")
    if document == "model_card" and (card_data or {}).get("license"):
        present.add("license")
    sections = tuple(s for s in wanted if s in present)
    return Documentation(platform, repo, document, sections, len(wanted),  # type: ignore[arg-type]
                         len(sections) / len(wanted), _words(_body(text)), len(found),
                         hashlib.sha256(text.encode()).hexdigest())


def card_records(repo: str, text: str | None, card_data: Mapping[str, Any] | None
                 ) -> Iterable[ProjectLink | Documentation | DatasetLink | ProfileLink]:
    """Everything a Hub model card gives: project links, documentation, datasets, and the
    link to its owner's GitHub account."""
    yield from project_links("huggingface", repo, text, card_data)
    yield from card_profile_links(repo, text)
    if text is not None and text.strip():
        yield documentation("huggingface", repo, text, "model_card", card_data)
    yield from dataset_links("huggingface", repo, card_data)


def readme_records(repo: str, text: str | None, path: str = "README.md"
                   ) -> Iterable[Documentation]:
    """What a GitHub README gives: its documentation features (no text, no features).
    A reStructuredText README (``path`` ending ``.rst``) has its section titles read as
    headings (``rst_headings``)."""
    if text is not None and text.strip():
        if path.lower().endswith(".rst"):
            text = rst_headings(text)
        yield documentation("github", repo, text, "readme")


def rst_headings(text: str) -> str:
    r"""``text`` with reStructuredText section titles rewritten as Markdown ATX headings.

    A title is a line of text underlined (and optionally overlined) by one repeated
    punctuation character at least as long as the title; levels follow the order in which
    adornment styles first appear, as reStructuredText defines them.

    >>> rst_headings("Title\n=====\n\nUsage\n-----\ntext")
    '# Title\n\n## Usage\ntext'
    """
    lines = text.splitlines()
    styles: list[tuple[str, bool]] = []
    out: list[str] = []
    index = 0
    while index < len(lines):
        over = _RST_ADORNMENT.match(lines[index])
        if over and index + 2 < len(lines) and lines[index + 2] == lines[index] \
                and lines[index + 1].strip() and len(lines[index + 1].strip()) <= len(
                    lines[index]):
            title, style, step = lines[index + 1].strip(), (lines[index][0], True), 3
        elif (index + 1 < len(lines) and lines[index].strip()
              and not _RST_ADORNMENT.match(lines[index])
              and (under := _RST_ADORNMENT.match(lines[index + 1]))
              and len(under.group(0).rstrip()) >= len(lines[index].rstrip())):
            title, style, step = lines[index].strip(), (lines[index + 1][0], False), 2
        else:
            out.append(lines[index])
            index += 1
            continue
        if style not in styles:
            styles.append(style)
        out.append("#" * min(styles.index(style) + 1, 6) + " " + title)
        index += step
    return "\n".join(out)
