"""What a changed file is: weights, model configuration, code, documentation, data or other.

One rules table (``RULES``), read top to bottom, the first matching rule deciding, so a
reader sees whether outsiders change a model's weights or only its card
(``docs/measures.md`` § What a contribution touches). Paths are matched case-insensitively
on their last component (``NAMES``, ``SUFFIXES``) or on a folder they lie in (``FOLDERS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

FileClass = Literal["weights", "configuration", "documentation", "code", "data", "other"]
#: Every class, in the order the rules try them (``other`` is what no rule matched).
FILE_CLASSES: tuple[FileClass, ...] = (
    "weights", "configuration", "documentation", "code", "data", "other")


@dataclass(frozen=True, slots=True)
class Rule:
    """Paths of one class: exact file names, name endings, or folders on the path."""

    file_class: FileClass
    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    folders: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()


RULES: tuple[Rule, ...] = (
    # Serialised parameters, and the index files that shard them (they change with them).
    Rule("weights", suffixes=(
        ".safetensors", ".bin", ".gguf", ".ggml", ".ggmlv3", ".pt", ".pth", ".ckpt", ".onnx",
        ".h5", ".hdf5", ".msgpack", ".tflite", ".keras", ".mlmodel", ".nemo", ".pdparams",
        ".joblib", ".pkl", ".pickle", ".npz", ".llamafile", ".safetensors.index.json",
        ".bin.index.json", ".pth.index.json")),
    # What a model is loaded with: architecture, generation settings, tokenizer, processor.
    Rule("configuration", names=frozenset({
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "added_tokens.json", "vocab.json", "vocab.txt",
        "merges.txt", "preprocessor_config.json", "processor_config.json",
        "feature_extractor_config.json", "image_processor_config.json", "chat_template.json",
        "chat_template.jinja", "adapter_config.json", "quantize_config.json", "params.json",
        "sentence_bert_config.json", "modules.json", "config_sentence_transformers.json"}),
        suffixes=(".model", ".tiktoken")),
    # Cards, READMEs and documentation folders.
    Rule("documentation", suffixes=(".md", ".markdown", ".rst", ".adoc"),
         prefixes=("readme", "license", "licence", "changelog", "contributing", "notice",
                   "authors", "citation"),
         folders=frozenset({"docs", "doc", "documentation"})),
    Rule("code", suffixes=(
        ".py", ".pyi", ".ipynb", ".js", ".mjs", ".ts", ".jsx", ".tsx", ".c", ".cc", ".cpp",
        ".cxx", ".h", ".hpp", ".cu", ".cuh", ".rs", ".go", ".java", ".kt", ".scala", ".rb",
        ".php", ".cs", ".swift", ".m", ".mm", ".sh", ".bash", ".zsh", ".ps1", ".r", ".jl",
        ".lua", ".pl", ".sql", ".zig", ".dart", ".vue", ".svelte", ".html", ".css", ".scss",
        ".toml", ".yaml", ".yml", ".cfg", ".ini", ".cmake", ".gradle", ".lock"),
        names=frozenset({"makefile", "dockerfile", "cmakelists.txt", "package.json",
                         "tsconfig.json", ".gitignore", ".gitattributes", ".dockerignore",
                         ".pre-commit-config.yaml"}),
        prefixes=("requirements",)),
    Rule("data", suffixes=(
        ".csv", ".tsv", ".parquet", ".arrow", ".feather", ".jsonl", ".ndjson", ".avro",
        ".orc", ".xlsx", ".xls", ".npy", ".tfrecord", ".wav", ".mp3", ".flac"),
        folders=frozenset({"data", "dataset", "datasets"})),
)


@lru_cache(maxsize=1 << 16)
def classify_path(path: str) -> FileClass:
    """The class of one changed path (``/``-separated, as git and the platforms write it);
    cached, as a history changes the same few paths again and again."""
    parts = path.lower().strip("/").split("/")
    name, folders = parts[-1], parts[:-1]
    for rule in RULES:
        if (name in rule.names or name.endswith(rule.suffixes)
                or name.startswith(rule.prefixes)
                or any(folder in rule.folders for folder in folders)):
            return rule.file_class
    return "other"


def touched_classes(paths: Iterable[str]) -> tuple[FileClass, ...]:
    """The classes a commit's changed paths fall in, once each, in ``FILE_CLASSES`` order."""
    found = {classify_path(path) for path in paths}
    return tuple(c for c in FILE_CLASSES if c in found)
