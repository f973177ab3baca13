#!/usr/bin/env python3
"""digits export and digits import against the real runtimes and libraries: onnx's checker, onnxruntime,
safetensors and numpy (scripts/install-python-test-dependencies puts them in .build-venv).

1. ONNX: the shipped convolutional network, the MLP (ReLU, softmax) and the chapter-1 fixture (sigmoid) pass
   onnx.checker; onnxruntime gives the answer of `digits evaluate` on all 10,000 test images and scores within 1e-5
   of digits' own.
2. safetensors: the MLP's tensors equal the weights stored in the model file (read by its documented layout); the
   convolutional network's, run by numpy as PyTorch's Conv2d, MaxPool2d and Linear define them, give digits' scores.
   A small network with batch normalisation, trained here for one epoch, passes 1 and 2 too.
3. network2.py's JSON: an exported network loads as network2.py's load() reads it and scores in numpy what digits
   evaluate counts; a network made and trained in numpy and saved as network2.py's save() writes it imports and
   evaluates in digits to the accuracy numpy measured.
4. The small fixtures that the Swift tests compare byte for byte are valid for the runtimes too.
5. The README's onnxruntime example runs as printed.

Usage: .build-venv/bin/python Tests/Export/export_test.py .build/release/digits
"""
import gzip
import json
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from safetensors import safe_open
from safetensors.numpy import load_file

repo = Path(__file__).resolve().parents[2]
digits = str(Path(sys.argv[1]).resolve())
work = Path(tempfile.mkdtemp(prefix="digits-export-"))
fixtures = repo / "Tests/DigitsCoreTests/Fixtures"
nielsen = fixtures / "nielsen-seed1-v1.model"
shipped = repo / "models/best.model"
mlp = repo / "models/mlp.model"


def run(*args):
    return subprocess.run([digits, *map(str, args)], check=True, capture_output=True, text=True, cwd=repo).stdout


def idx(path):
    with gzip.open(path) as f:
        magic, count = struct.unpack(">II", f.read(8))
        if magic == 0x803:
            rows, columns = struct.unpack(">II", f.read(8))
            return np.frombuffer(f.read(), np.uint8).reshape(count, rows, columns)
        return np.frombuffer(f.read(), np.uint8)


images = idx(repo / "data/mnist/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
labels = idx(repo / "data/mnist/t10k-labels-idx1-ubyte.gz").astype(np.int64)
training_images = idx(repo / "data/mnist/train-images-idx3-ubyte.gz")
training_labels = idx(repo / "data/mnist/train-labels-idx1-ubyte.gz")


def model_tensors(path, sizes):
    """The weights and biases of a digits model file: they end it, before its CRC-32, as
    W (outputs × inputs) then b for each layer, float32 little-endian (see ModelFile.swift)."""
    raw = Path(path).read_bytes()
    assert zlib.crc32(raw[:-4]) == struct.unpack("<I", raw[-4:])[0], f"{path}: checksum"
    count = sum(o * i + o for i, o in zip(sizes, sizes[1:]))
    values = np.frombuffer(raw[-4 - 4 * count:-4], "<f4")
    tensors, at = {}, 0
    for layer, (i, o) in enumerate(zip(sizes, sizes[1:])):
        tensors[f"layers.{layer}.weight"] = values[at:at + o * i].reshape(o, i)
        at += o * i
        tensors[f"layers.{layer}.bias"] = values[at:at + o]
        at += o
    return tensors


def check_onnx(model_path, name, tolerance=1e-5):
    out = work / f"{name}.onnx"
    run("export", "--model", model_path, "--format", "onnx", "--output", out)
    model = onnx.load(out)
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == 7 and [(o.domain, o.version) for o in model.opset_import] == [("", 13)], model.opset_import
    metadata = {p.key: p.value for p in model.metadata_props}
    for key in ["architecture", "preset", "seed", "epochs_run", "test_accuracy"]:
        assert key in metadata, f"{name}: no {key} in {metadata}"
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"] and session.get_inputs()[0].shape[1:] == [1, 28, 28]
    assert [o.name for o in session.get_outputs()] == ["scores"]
    scores = session.run(["scores"], {"input": images.reshape(-1, 1, 28, 28)})[0]
    csv = work / f"{name}.scores.csv"
    report = json.loads(run("evaluate", "--model", model_path, "--json", "--scores", csv))
    reference = np.loadtxt(csv, delimiter=",", skiprows=1)
    answers = reference[:, 2].astype(np.int64)
    assert (reference[:, 1] == labels).all()
    same = int((scores.argmax(1) == answers).sum())
    difference = float(np.abs(scores - reference[:, 3:]).max())
    assert same == 10_000, f"{name}: onnxruntime answers as digits on {same} of 10,000"
    assert difference <= tolerance, f"{name}: scores differ by up to {difference}"
    assert int((answers == labels).sum()) == report["correct"]
    print(f"onnx {name}: checker passes (IR 7, opset 13); onnxruntime answers as digits evaluate on {same:,} of "
          f"10,000 test images ({report['correct']:,} right); largest score difference {difference:.2e}; "
          f"{out.stat().st_size:,} bytes")


check_onnx(shipped, "shipped")
check_onnx(mlp, "mlp")
check_onnx(nielsen, "nielsen")

out = work / "mlp.safetensors"
run("export", "--model", mlp, "--format", "safetensors", "--output", out)
tensors = load_file(str(out))
with safe_open(str(out), "np") as f:
    metadata = f.metadata()
sizes = [int(s) for s in metadata["architecture"].split(",")]
assert sizes == [784, 800, 10] and metadata["activations"] == "relu,softmax", metadata
stored = model_tensors(mlp, sizes)
assert sorted(tensors) == sorted(stored), sorted(tensors)
for key in stored:
    assert tensors[key].dtype == np.float32 and np.array_equal(tensors[key], stored[key]), key
print(f"safetensors mlp: {len(tensors)} tensors equal to the model file's, bit for bit; metadata {sorted(metadata)}; "
      f"{out.stat().st_size:,} bytes")


def convnet_scores(tensors, architecture, x):
    """A network of the notation (1x28x28-20C5-MP2-…-10N, ReLU hidden, softmax output) run in float64 numpy as
    PyTorch defines its layers: Conv2d (cross-correlation, weight [out, in, k, k]), MaxPool2d (floor), Linear
    (weight [out, in] on the flattened C×H×W), BatchNorm2d or BatchNorm1d in eval mode (running statistics, eps
    1e-5), dropout doing nothing. Tensors are numbered by the stack's layers, activations and dropout included."""
    a, layer = x.astype(np.float64), 0
    tokens = architecture.split("-")[1:]
    for t, token in enumerate(tokens):
        if token.startswith("MP"):
            p = int(token[2:])
            n, c, h, w = a.shape
            a = a[:, :, :h // p * p, :w // p * p].reshape(n, c, h // p, p, w // p, p).max(axis=(3, 5))
            layer += 1
        elif token.startswith("D"):
            layer += 1
        elif token == "BN":
            shape = (1, -1) + (1,) * (a.ndim - 2)
            mean, var = (tensors[f"layers.{layer}.running_{k}"].reshape(shape) for k in ["mean", "var"])
            weight, bias = (tensors[f"layers.{layer}.{k}"].reshape(shape) for k in ["weight", "bias"])
            a = (a - mean) / np.sqrt(var.astype(np.float64) + 1e-5) * weight + bias
            layer += 1
        elif "C" in token:
            weight, bias = tensors[f"layers.{layer}.weight"], tensors[f"layers.{layer}.bias"]
            k = weight.shape[2]
            windows = np.lib.stride_tricks.sliding_window_view(a, (k, k), axis=(2, 3))
            a = np.maximum(np.einsum("nchwij,mcij->nmhw", windows, weight) + bias[None, :, None, None], 0)
            layer += 2
        else:
            weight, bias = tensors[f"layers.{layer}.weight"], tensors[f"layers.{layer}.bias"]
            a = a.reshape(len(a), -1) @ weight.T.astype(np.float64) + bias
            if t == len(tokens) - 1:
                a = np.exp(a - a.max(axis=1, keepdims=True))
                a /= a.sum(axis=1, keepdims=True)
            else:
                a = np.maximum(a, 0)
            layer += 2
    return a


def check_convnet_safetensors(model_path, name, tolerance=1e-5):
    out = work / f"{name}.safetensors"
    run("export", "--format", "safetensors", "--model", model_path, "--output", out)
    tensors = load_file(str(out))
    with safe_open(str(out), "np") as f:
        metadata = f.metadata()
    assert metadata["architecture"].startswith("1x28x28-") and metadata["activations"] == "relu,softmax", metadata
    csv = work / f"{name}.scores.csv"
    run("evaluate", "--model", model_path, "--scores", csv)
    reference = np.loadtxt(csv, delimiter=",", skiprows=1)
    scores = np.concatenate([convnet_scores(tensors, metadata["architecture"], images[i:i + 500].reshape(-1, 1, 28, 28))
                             for i in range(0, 10_000, 500)])
    same = int((scores.argmax(1) == reference[:, 2]).sum())
    difference = float(np.abs(scores - reference[:, 3:]).max())
    assert same == 10_000 and difference <= tolerance, (name, same, difference)
    print(f"safetensors {name}: {len(tensors)} tensors ({metadata['architecture']}), run by numpy as PyTorch's "
          f"layers, answer as digits on {same:,} of 10,000 test images; largest score difference {difference:.2e}; "
          f"{out.stat().st_size:,} bytes")


check_convnet_safetensors(shipped, "shipped")

# Batch normalisation, which no shipped model has: small networks trained for one epoch, through both formats.
# Of maps, within the shipped model's 1e-5. Of a dense level too: there a ReLU neuron that is nearly always 0 has a
# variance near 0, and γ / √(σ² + ε) multiplies the rounding of the layers below (summed in another order by
# onnxruntime and numpy) by up to a few hundred, so the scores are held to 1e-5 times the largest such factor.
for name, layers in [("normalised", "1x28x28-6C5-MP2-BN-12C5-MP2-BN-30N-10N"),
                     ("normalised-dense", "1x28x28-6C5-MP2-BN-12C5-MP2-BN-30N-BN-10N")]:
    model = work / f"{name}.model"
    run("train", "--preset", "network3", "--layers", layers, "--epochs", "1", "--model", model)
    run("export", "--format", "safetensors", "--model", model, "--output", work / f"{name}-factors.safetensors")
    tensors = load_file(str(work / f"{name}-factors.safetensors"))
    factor = max(float(np.max(np.abs(tensors[k]) / np.sqrt(tensors[k.replace("weight", "running_var")] + 1e-5)))
                 for k in tensors if k.replace("weight", "running_var") in tensors and k.endswith(".weight"))
    tolerance = 1e-5 * max(1.0, factor) if "dense" in name else 1e-5
    print(f"{name}: {layers}, largest γ/√(σ²+ε) {factor:.1f}, scores held to {tolerance:.1e}")
    check_onnx(model, name, tolerance)
    check_convnet_safetensors(model, name, tolerance)


def network2_load(path):
    """What network2.py's load() does: the JSON's sizes, weights and biases as numpy arrays, and its cost by name."""
    data = json.loads(Path(path).read_text())
    assert data["cost"] in ("QuadraticCost", "CrossEntropyCost"), data["cost"]
    return data["sizes"], [np.array(w) for w in data["weights"]], [np.array(b) for b in data["biases"]]


def network2_correct(weights, biases):
    """network2.py's feedforward for all test images at once (columns), float64, and the count it gets right."""
    a = images.reshape(-1, 784).T.astype(np.float64)
    for w, b in zip(weights, biases):
        a = 1 / (1 + np.exp(-(w @ a + b)))
    return int((a.argmax(0) == labels).sum())


out = work / "nielsen.json"
run("export", "--model", nielsen, "--format", "network2", "--output", out)
sizes, weights, biases = network2_load(out)
numpy_correct = network2_correct(weights, biases)
digits_correct = json.loads(run("evaluate", "--model", nielsen, "--json"))["correct"]
assert numpy_correct == digits_correct, (numpy_correct, digits_correct)
print(f"network2 export: network2.py's load() reads it; numpy gets {numpy_correct:,} test images right, digits "
      f"evaluate {digits_correct:,}; {out.stat().st_size:,} bytes")

# A network of network2.py's own kind: its default initialisation (weights N(0, 1/n_in), biases N(0, 1)), trained
# in numpy for two epochs of mini-batch SGD on the cross-entropy cost, then saved as its save() does.
rng = np.random.default_rng(2026)
sizes = [784, 30, 10]
weights = [rng.standard_normal((y, x)) / np.sqrt(x) for x, y in zip(sizes[:-1], sizes[1:])]
biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
x_train = training_images[:50_000].reshape(-1, 784).astype(np.float64) / 255
y_train = np.eye(10)[training_labels[:50_000]]
for epoch in range(2):
    order = rng.permutation(len(x_train))
    for start in range(0, len(order), 10):
        batch = order[start:start + 10]
        activations = [x_train[batch].T]
        for w, b in zip(weights, biases):
            activations.append(1 / (1 + np.exp(-(w @ activations[-1] + b))))
        delta = activations[-1] - y_train[batch].T  # cross-entropy with sigmoid outputs
        for layer in range(len(weights) - 1, -1, -1):
            grad_w, grad_b = delta @ activations[layer].T, delta.sum(1, keepdims=True)
            if layer > 0:
                delta = (weights[layer].T @ delta) * activations[layer] * (1 - activations[layer])
            weights[layer] -= 0.5 / len(batch) * grad_w
            biases[layer] -= 0.5 / len(batch) * grad_b
numpy_correct = network2_correct(weights, biases)
made = work / "made-in-numpy.json"
with open(made, "w") as f:
    json.dump({"sizes": sizes, "weights": [w.tolist() for w in weights], "biases": [b.tolist() for b in biases],
               "cost": "CrossEntropyCost"}, f)
imported = work / "made-in-numpy.model"
run("import", made, "--model", imported)
digits_correct = json.loads(run("evaluate", "--model", imported, "--json"))["correct"]
assert numpy_correct == digits_correct, (numpy_correct, digits_correct)
print(f"network2 import: a network trained in numpy and saved as network2.py saves reads {numpy_correct:,} test "
      f"images right in numpy and {digits_correct:,} in digits")

# The fixtures of the Swift tests.
onnx.checker.check_model(onnx.load(fixtures / "export/tiny.onnx"), full_check=True)
tiny = load_file(str(fixtures / "export/tiny.safetensors"))
assert all(np.array_equal(tiny[k], v) for k, v in model_tensors(fixtures / "export/tiny.model", [784, 3, 10]).items())
_, weights, biases = network2_load(fixtures / "export/tiny.json")
a = images[:100].reshape(-1, 784).T.astype(np.float64)
for w, b in zip(weights, biases):
    a = 1 / (1 + np.exp(-(w @ a + b)))
session = ort.InferenceSession(str(fixtures / "export/tiny.onnx"), providers=["CPUExecutionProvider"])
scores = session.run(["scores"], {"input": images[:100].reshape(-1, 1, 28, 28)})[0]
assert np.abs(scores - a.T).max() <= 1e-5, np.abs(scores - a.T).max()
print("fixtures: tiny.onnx passes the checker and runs as tiny.json computes in numpy; tiny.safetensors holds "
      "tiny.model's weights")

# The README's example, as printed, on a photo of a 7 prepared by digits predict --save-preprocessed.
readme = (repo / "README.md").read_text()
section = readme[readme.index("### Use your model elsewhere"):]
example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
run("export", "--format", "onnx", "--output", work / "digits.onnx")
run("predict", "--save-preprocessed", work, fixtures / "jpeg/seven-exif8.jpg")
(work / "seven-exif8.28x28.png").rename(work / "seven.28x28.png")
printed = subprocess.run([sys.executable, "-c", example], check=True, capture_output=True, text=True, cwd=work).stdout
assert printed.split()[0] == "7", printed
print(f"README example: prints {printed.strip()}")
print("export test: passed")
