"""The file-class rules on the paths real model and code repositories change."""

import pytest

from crossforge.file_classes import FILE_CLASSES, classify_path, touched_classes


@pytest.mark.parametrize(("path", "expected"), [
    ("model.safetensors", "weights"),
    ("model-00001-of-00004.safetensors", "weights"),
    ("model.safetensors.index.json", "weights"),
    ("pytorch_model.bin", "weights"),
    ("onnx/model_quantized.onnx", "weights"),
    ("llama-2-7b.Q4_K_M.gguf", "weights"),
    ("tf_model.h5", "weights"),
    ("flax_model.msgpack", "weights"),
    ("config.json", "configuration"),
    ("generation_config.json", "configuration"),
    ("tokenizer.json", "configuration"),
    ("tokenizer_config.json", "configuration"),
    ("special_tokens_map.json", "configuration"),
    ("spiece.model", "configuration"),
    ("1_Pooling/config.json", "configuration"),
    ("README.md", "documentation"),
    ("docs/conf.py", "documentation"),
    ("LICENSE", "documentation"),
    ("src/requests/api.py", "code"),
    (".github/workflows/ci.yml", "code"),
    ("requirements.txt", "code"),
    ("Makefile", "code"),
    ("data/train.csv", "data"),
    ("data/labels.txt", "data"),
    ("data/README.txt", "documentation"),
    ("eval_results.jsonl", "data"),
    (".gitattributes", "code"),
    ("assets/logo.png", "other"),
    ("results.json", "other"),
])
def test_each_path_falls_in_its_documented_class(path: str, expected: str):
    assert classify_path(path) == expected


def test_case_does_not_matter_and_a_rule_earlier_in_the_table_wins():
    assert classify_path("Model.SafeTensors") == "weights"
    assert classify_path("docs/README.MD") == "documentation"
    # A weights file under data/ is weights: weights come first in the table.
    assert classify_path("data/checkpoint.pt") == "weights"


def test_a_commit_touches_each_class_once_in_table_order():
    paths = ["README.md", "model.safetensors", "config.json", "README.md", "x.bin"]
    assert touched_classes(paths) == ("weights", "configuration", "documentation")
    assert touched_classes([]) == ()
    assert set(touched_classes(["a.png"])) <= set(FILE_CLASSES)
