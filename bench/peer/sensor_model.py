"""The PyTorch peer of adaptd's SensorModel (src/model/sensorModel.ts): the same layers and
sizes, written as a PyTorch user would write them (nn.Linear, nn.LayerNorm, nn.GRU), and
loaded with the weights a TensorFlow.js artifact exports (bench/peer/exportForPeer.ts).
Also the adaptation round of bench:adapt: adapters and the task head trainable, source
cross-entropy plus the unbiased multi-kernel MMD^2 and the DANN domain loss behind a gradient
reversal, both ramped by 2/(1+exp(-10p))-1, as src/strategies/alignment does it.
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

KERNEL_MULTIPLIERS = (0.25, 0.5, 1.0, 2.0, 4.0)
STANDARDISE_EPSILON = 1e-6


class Adapter(nn.Module):
    """x + up(relu(down(x))); up starts at zero in adaptd, here it comes from the weights."""

    def __init__(self, width, bottleneck):
        super().__init__()
        self.down = nn.Linear(width, bottleneck)
        self.up = nn.Linear(bottleneck, width)

    def forward(self, x):
        return x + self.up(F.relu(self.down(x)))


class SelfAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)
        self.output = nn.Linear(width, width)

    def forward(self, x):
        batch, tokens, width = x.shape
        head_dim = width // self.heads

        def split(t):
            return t.view(batch, tokens, self.heads, head_dim).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim)
        mixed = torch.matmul(torch.softmax(scores, -1), v)
        return self.output(mixed.transpose(1, 2).reshape(batch, tokens, width))


class Block(nn.Module):
    """Pre-norm transformer block with adapters after attention and feed-forward."""

    def __init__(self, config):
        super().__init__()
        width = config["width"]
        self.norm1 = nn.LayerNorm(width, eps=1e-5)
        self.attention = SelfAttention(width, config["attentionHeads"])
        self.adapter_attention = Adapter(width, config["adapterWidth"])
        self.norm2 = nn.LayerNorm(width, eps=1e-5)
        self.ff1 = nn.Linear(width, config["feedForward"])
        self.ff2 = nn.Linear(config["feedForward"], width)
        self.adapter_feed_forward = Adapter(width, config["adapterWidth"])

    def forward(self, x):
        x = x + self.adapter_attention(self.attention(self.norm1(x)))
        return x + self.adapter_feed_forward(self.ff2(F.relu(self.ff1(self.norm2(x)))))


class SensorModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        width, units, patch = config["width"], config["recurrentUnits"], config["patch"]
        self.patch = patch
        self.tokens = config["windowLength"] // patch
        self.modalities = [m["name"] for m in config["modalities"]]
        self.channel_index = []
        for m in config["modalities"]:
            channels = m["channels"]
            contiguous = channels == list(range(channels[0], channels[0] + len(channels)))
            self.channel_index.append(
                slice(channels[0], channels[0] + len(channels))
                if contiguous
                else torch.tensor(channels, dtype=torch.long)
            )
        self.inputs = nn.ModuleDict(
            {m["name"]: nn.Linear(patch * len(m["channels"]), width) for m in config["modalities"]}
        )
        self.fusion = nn.ModuleDict({name: nn.Linear(width, 1) for name in self.modalities})
        self.context = nn.Linear(config["contextSize"], width)
        self.position = nn.Parameter(torch.zeros(self.tokens, width))
        self.blocks = nn.ModuleList([Block(config) for _ in range(config["blocks"])])
        self.gru = nn.GRU(width, units, batch_first=True)
        self.pool_hidden = nn.Linear(units, units)
        self.pool_score = nn.Linear(units, 1, bias=False)
        self.head_reads = {h["name"]: h["reads"] for h in config["heads"]}
        heads = {}
        for h in config["heads"]:
            classes = len(h["classes"])
            if h["reads"] == "window":
                heads[h["name"]] = nn.Linear(units, classes)
            elif h["reads"] == "end":
                heads[h["name"]] = nn.Linear(2 * units, classes)
            else:
                heads[h["name"]] = nn.Linear(width + units, patch * classes)
        self.heads = nn.ModuleDict(heads)

    def encode_tokens(self, x, mask, context):
        batch = x.shape[0]
        projected, gates = [], []
        for name, index in zip(self.modalities, self.channel_index):
            values = x[:, :, index]
            size = values.shape[2]
            values = values.reshape(batch, self.tokens, self.patch * size)
            present = mask[:, index].sum(1, keepdim=True)
            # Rescale by the share of channels present so a masked channel does not shrink the sum.
            scale = size / present.clamp(min=1)
            scaled = self.inputs[name](values) * scale.view(batch, 1, 1)
            projected.append(F.relu(scaled))
            gate = self.fusion[name](torch.tanh(scaled))
            gates.append(gate.masked_fill((present == 0).view(batch, 1, 1), -1e9))
        weights = torch.softmax(torch.cat(gates, -1), -1)
        fused = torch.matmul(weights.unsqueeze(-2), torch.stack(projected, -2)).squeeze(-2)
        return fused + self.context(context).unsqueeze(1) + self.position

    def forward(self, x, mask, context, heads=None):
        """Embedding [b, units], last state [b, units] and logits of `heads` (all if None)."""
        tokens = self.encode_tokens(x, mask, context)
        for block in self.blocks:
            tokens = block(tokens)
        states, _ = self.gru(tokens)
        scores = self.pool_score(torch.tanh(self.pool_hidden(states))).squeeze(-1)
        embedding = torch.matmul(torch.softmax(scores, -1).unsqueeze(1), states).squeeze(1)
        last = states[:, -1]
        logits = {}
        names = self.heads.keys() if heads is None else heads
        for name in names:
            reads = self.head_reads[name]
            if reads == "window":
                logits[name] = self.heads[name](embedding)
            elif reads == "end":
                logits[name] = self.heads[name](torch.cat([embedding, last], 1))
            else:
                per_token = self.heads[name](torch.cat([tokens, states], -1))
                logits[name] = per_token.reshape(x.shape[0] * self.tokens * self.patch, -1)
        return embedding, last, logits

    def adapter_parameters(self):
        return [p for b in self.blocks for a in (b.adapter_attention, b.adapter_feed_forward)
                for p in a.parameters()]

    # --- weights exported from the TensorFlow.js artifact -------------------------------------

    def linear_modules(self):
        """adaptd's dense-layer names and the nn.Linear holding each."""
        out = {}
        for name in self.modalities:
            out[f"input.{name}"] = self.inputs[name]
            out[f"fusion.{name}"] = self.fusion[name]
        out["input.context"] = self.context
        for i, b in enumerate(self.blocks):
            for part in ("query", "key", "value", "output"):
                out[f"block{i}.attention.{part}"] = getattr(b.attention, part)
            out[f"block{i}.ff1"] = b.ff1
            out[f"block{i}.ff2"] = b.ff2
            for slot, a in (("attention", b.adapter_attention),
                            ("feedForward", b.adapter_feed_forward)):
                out[f"adapter.block{i}.{slot}.down"] = a.down
                out[f"adapter.block{i}.{slot}.up"] = a.up
        out["pool.hidden"] = self.pool_hidden
        out["pool.score"] = self.pool_score
        for name, head in self.heads.items():
            out[f"head.{name}"] = head
        return out

    @torch.no_grad()
    def load_exported(self, folder, weights):
        """Copies adaptd weights (name -> [in, out] kernels, biases) into this module."""
        linears = self.linear_modules()
        norms = {f"block{i}.{n}": getattr(b, n) for i, b in enumerate(self.blocks)
                 for n in ("norm1", "norm2")}
        units = self.config["recurrentUnits"]

        def gates(t):
            # adaptd orders GRU gates update, reset, candidate; PyTorch reset, update, new.
            z, r, n = t[..., :units], t[..., units:2 * units], t[..., 2 * units:]
            return torch.cat([r, z, n], -1)

        loaded = set()
        for spec in weights:
            name = spec["name"]
            value = torch.from_numpy(np.load(os.path.join(folder, "weights", f"{name}.npy")))
            prefix, _, leaf = name.rpartition(".")
            if prefix in linears and leaf in ("kernel", "bias"):
                target = linears[prefix]
                (target.weight if leaf == "kernel" else target.bias).copy_(
                    value.T if leaf == "kernel" else value)
            elif prefix in norms:
                (norms[prefix].weight if leaf == "gamma" else norms[prefix].bias).copy_(value)
            elif name == "input.position":
                self.position.copy_(value)
            elif name == "recurrent.input.kernel":
                self.gru.weight_ih_l0.copy_(gates(value).T)
            elif name == "recurrent.input.bias":
                self.gru.bias_ih_l0.copy_(gates(value))
            elif name == "recurrent.recurrent.kernel":
                self.gru.weight_hh_l0.copy_(gates(value).T)
            elif name == "recurrent.recurrent.bias":
                self.gru.bias_hh_l0.copy_(gates(value))
            elif name == "input.maskToken" or name.startswith("reconstruct."):
                continue  # pretraining only
            else:
                raise ValueError(f"exported weight {name} has no place in the peer")
            loaded.add(name)
        return len(loaded)


class DomainClassifier(nn.Module):
    """Source (0) versus target (1) from embeddings, as src/strategies/alignment/domainClassifier."""

    def __init__(self, features, hidden):
        super().__init__()
        self.hidden = nn.Linear(features, hidden)
        self.output = nn.Linear(hidden, 1)

    def loss(self, source, target):
        s = self.output(F.relu(self.hidden(source)))
        t = self.output(F.relu(self.hidden(target)))
        return (F.binary_cross_entropy_with_logits(s, torch.zeros_like(s))
                + F.binary_cross_entropy_with_logits(t, torch.ones_like(t))) / 2


class GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.lam * grad, None


def dann_lambda(progress):
    return 2 / (1 + math.exp(-10 * progress)) - 1


def mmd_loss(x, y, multipliers=KERNEL_MULTIPLIERS):
    """Unbiased multi-kernel MMD^2 on pooled standardised rows; median bandwidth, no gradient."""
    n, m = x.shape[0], y.shape[0]
    pooled = torch.cat([x, y], 0)
    mean = pooled.mean(0, keepdim=True)
    variance = pooled.var(0, unbiased=False, keepdim=True)
    z = (pooled - mean) / torch.sqrt(variance + STANDARDISE_EPSILON)
    norms = (z * z).sum(1, keepdim=True)
    squared = F.relu(norms + norms.T - 2 * z @ z.T)
    rows = n + m
    upper = squared.detach()[torch.triu_indices(rows, rows, 1).unbind()]
    bandwidth = float(upper.sort().values[(upper.numel() - 1) // 2])
    bandwidth = bandwidth if bandwidth > 0 else 1.0
    kernel = sum(torch.exp(squared * (-1 / (2 * c * c * bandwidth))) for c in multipliers)
    weights = torch.empty(rows, rows)
    weights[:n, :n] = 1 / (n * (n - 1))
    weights[n:, n:] = 1 / (m * (m - 1))
    weights[:n, n:] = -1 / (n * m)
    weights[n:, :n] = -1 / (n * m)
    weights.fill_diagonal_(0)
    return (kernel * weights).sum()


def balanced_class_weights(labels, classes):
    counts = np.bincount(labels[(labels >= 0) & (labels < classes)], minlength=classes)
    seen = int((counts > 0).sum())
    total = counts.sum()
    return torch.tensor(
        [total / (seen * c) if c > 0 else 0.0 for c in counts], dtype=torch.float32)


def load_peer(folder):
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    model = SensorModel(manifest["config"])
    model.load_exported(folder, manifest["weights"])
    model.eval()
    return model, manifest


def load_windows(folder, name, labels=()):
    def load(part):
        return torch.from_numpy(np.load(os.path.join(folder, f"{name}.{part}.npy")))

    out = {"x": load("x"), "mask": load("mask"), "context": load("context")}
    for head in labels:
        out[f"labels.{head}"] = np.load(os.path.join(folder, f"{name}.labels.{head}.npy"))
    return out
