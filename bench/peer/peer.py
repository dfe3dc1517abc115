"""The PyTorch peer of the benchmarks, driven over stdin/stdout one JSON object a line, so that
a TypeScript bench can interleave its own measurements with the peer's in one run.

Run: /usr/bin/python3 bench/peer/peer.py FOLDER   (FOLDER written by exportForPeer.ts)
Requests: {"cmd": "check"} | {"cmd": "embed", "set", "batch", "windows", "heads"} |
{"cmd": "adapt", "source", "target", "head", "steps", "batch", "learningRate", "seed"} |
{"cmd": "matmul", "m", "k", "n", "repeats"} | {"cmd": "profile", "set", "batch"} |
{"cmd": "quit"}.
Every reply holds wall and process-CPU seconds where it times something. One thread.
"""

import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sensor_model import (  # noqa: E402
    DomainClassifier, GradientReversal, balanced_class_weights, dann_lambda, load_peer,
    load_windows, mmd_loss)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def timed(run):
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


class Peer:
    def __init__(self, folder):
        self.folder = folder
        self.model, self.manifest = load_peer(folder)
        self.sets = {}

    def windows(self, name):
        if name not in self.sets:
            labels = self.manifest["windowSets"][name]["labels"]
            self.sets[name] = load_windows(self.folder, name, labels)
        return self.sets[name]

    def check(self, _):
        data = self.windows("check")
        with torch.no_grad():
            embedding, last, logits = self.model(data["x"], data["mask"], data["context"])
        ours = {"embedding": embedding, "last": last}
        ours.update({f"logits.{k}": v for k, v in logits.items()})
        half = embedding.shape[0] // 2
        if half >= 2:
            ours["mmd"] = mmd_loss(embedding[:half], embedding[half:2 * half]).reshape(1)
        diffs = {}
        for name in self.manifest["outputs"]:
            theirs = torch.from_numpy(
                np.load(os.path.join(self.folder, f"check.out.{name}.npy"))).reshape(-1)
            mine = ours[name].reshape(-1)
            diffs[name] = {
                "maxAbs": float((mine - theirs).abs().max()),
                "scale": float(theirs.abs().max()),
            }
        return {"windows": int(embedding.shape[0]), "diffs": diffs}

    def embed(self, req):
        data = self.windows(req["set"])
        batch, count = req["batch"], min(req["windows"], data["x"].shape[0])
        heads = None if req.get("heads", False) else []

        def run():
            with torch.inference_mode():
                for start in range(0, count, batch):
                    end = min(start + batch, count)
                    embedding, _, logits = self.model(
                        data["x"][start:end], data["mask"][start:end],
                        data["context"][start:end], heads=heads)
                    embedding.numpy()
                    for v in logits.values():
                        v.numpy()

        wall, cpu, _ = timed(run)
        return {"windows": count, "wall": wall, "cpu": cpu}

    def adapt(self, req):
        source, target = self.windows(req["source"]), self.windows(req["target"])
        head, steps, batch = req["head"], req["steps"], req["batch"]
        seed = req.get("seed", 1)
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        # Each round starts from the exported weights, as each adaptd strategy starts from a copy.
        model, _ = load_peer(self.folder)
        model.train()
        for p in model.parameters():
            p.requires_grad_(False)
        trainable = model.adapter_parameters() + list(model.heads[head].parameters())
        for p in trainable:
            p.requires_grad_(True)
        units = model.config["recurrentUnits"]
        classifier = DomainClassifier(units, max(32, units))
        rate = req.get("learningRate", 1e-3)
        optimizer = torch.optim.Adam(trainable, lr=rate, eps=1e-7)
        classifier_optimizer = torch.optim.Adam(classifier.parameters(), lr=rate * 10, eps=1e-7)
        labels = source[f"labels.{head}"]
        labelled = np.flatnonzero(labels >= 0)
        classes = len(next(h for h in model.config["heads"] if h["name"] == head)["classes"])
        class_weights = balanced_class_weights(labels, classes)
        per_domain = min(batch, len(labelled), target["x"].shape[0])

        def run():
            losses = []
            for s in range(steps):
                si = rng.choice(labelled, per_domain, replace=False)
                ti = rng.choice(target["x"].shape[0], per_domain, replace=False)
                x = torch.cat([source["x"][si], target["x"][ti]])
                mask = torch.cat([source["mask"][si], target["mask"][ti]])
                context = torch.cat([source["context"][si], target["context"][ti]])
                # All heads, as adaptd's forward computes them; only the task's trains.
                embedding, _, logits = model(x, mask, context)
                y = torch.from_numpy(labels[si]).long()
                w = class_weights[y]
                per_row = torch.nn.functional.cross_entropy(
                    logits[head][:per_domain], y, reduction="none")
                loss = (per_row * w).sum() / w.sum()
                lam = dann_lambda(s / steps)
                src, tgt = embedding[:per_domain], embedding[per_domain:]
                loss = loss + lam * mmd_loss(src, tgt)
                loss = loss + classifier.loss(
                    GradientReversal.apply(src, lam), GradientReversal.apply(tgt, lam))
                optimizer.zero_grad()
                classifier_optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                classifier_optimizer.step()
                losses.append(loss.item())
            return losses

        wall, cpu, losses = timed(run)
        return {"steps": steps, "perDomain": per_domain, "wall": wall, "cpu": cpu,
                "firstLoss": losses[0], "lastLoss": losses[-1]}

    def profile(self, req):
        """Ops of a forward pass at `batch` windows (headless): the least self CPU time of each
        op over 5 profiled passes (a loaded machine preempts some), and the top-level op calls."""
        data = self.windows(req["set"])
        batch = req["batch"]
        args = (data["x"][:batch], data["mask"][:batch], data["context"][:batch])
        best, calls, top_level = {}, {}, 0
        with torch.inference_mode():
            self.model(*args, heads=[])
            for _ in range(5):
                with torch.autograd.profiler.profile() as prof:
                    self.model(*args, heads=[])
                top_level = sum(1 for e in prof.function_events if e.cpu_parent is None)
                for e in prof.key_averages():
                    ms = e.self_cpu_time_total / 1000
                    best[e.key] = min(best.get(e.key, ms), ms)
                    calls[e.key] = e.count
        ops = sorted(({"name": k, "calls": calls[k], "ms": v} for k, v in best.items()),
                     key=lambda o: -o["ms"])
        return {"calls": top_level, "ms": sum(o["ms"] for o in ops), "ops": ops[:12]}

    def matmul(self, req):
        m, k, n, repeats = req["m"], req["k"], req["n"], req["repeats"]
        a, b = torch.randn(m, k), torch.randn(k, n)
        torch.matmul(a, b)

        def run():
            for _ in range(repeats):
                torch.matmul(a, b)

        wall, cpu, _ = timed(run)
        return {"wall": wall, "cpu": cpu, "gflops": 2 * m * k * n * repeats / cpu / 1e9}


def blas_library():
    """The libblas this process mapped (torch loads it with its first product)."""
    torch.matmul(torch.ones(2, 2), torch.ones(2, 2))
    with open("/proc/self/maps", encoding="utf-8") as maps:
        paths = {line.split()[-1] for line in maps if "libblas" in line}
    return ",".join(sorted(paths)) or "none"


def main():
    peer = Peer(sys.argv[1])
    print(json.dumps({"ready": True, "torch": torch.__version__, "blas": blas_library(),
                      "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "quit":
            break
        try:
            reply = getattr(peer, req["cmd"])(req)
        except Exception as error:  # reported to the bench, which fails with it
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
