#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Peer benchmark for the GPU: the fused Langevin update of `langevin` in PyTorch, eager and
torch.compile, with torch's RNG (torch.randn on the device, one torch.Generator per run).

One step, float32, x[chains, d] on the device:
    x <- x + h * (grad log p_{a,b}(x) + c * A^T (y - A x)) + sqrt(2h) * xi,   xi = torch.randn
(the same update, families and sizes as scripts/bench_numpy.py, which documents the math).

  python3 scripts/bench_torch.py --cases JSON [--reps N] [--max-seconds S] [--device cuda]
  python3 scripts/bench_torch.py --check < problem.json    # drift of one explicit problem (as bench_numpy.py)

Prints one JSON object: {"peer": "torch", "version", "details", "bandwidth": {bytesPerSecond, method},
"results": {"eager": [...], "compile": [...]}, "errors": {...}}. `langevin bench --device cuda`
runs it (scripts/gpu-run.sh bench on the GPU host).

STATUS: written on a machine without torch or a GPU; not run yet. Run `--check` against
bench_numpy.py's `--check` on the GPU host before trusting its numbers.
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_numpy  # noqa: E402  (problem construction and the default case list)

STEP = bench_numpy.STEP


def to_torch(p, device):
    out = {}
    for k, v in p.items():
        if k == "op":
            out["op"] = {kk: (torch.as_tensor(vv, device=device) if kk != "type" else vv) for kk, vv in v.items()}
        elif hasattr(v, "dtype"):
            out[k] = torch.as_tensor(v, device=device)
        else:
            out[k] = v
    return out


def make_drift(p, a, b2, c):
    """Returns drift(x) for a problem dict of tensors (see bench_numpy.make_drift for the math)."""
    kind, K, d = p["kind"], p["K"], p["d"]
    means, logw = p["means"], p["logw"]
    am = a * means  # [K, d]
    if kind == "isotropic":
        v = a * a * p["var"] + b2  # [K]
        inv = 1.0 / v
        logdet = d * torch.log(v)
        const = logw - 0.5 * (logdet + inv * (am * am).sum(1))
        am_inv = am * inv[:, None]
    elif kind == "diagonal":
        v = a * a * p["var"] + b2  # [K, d]
        inv = 1.0 / v
        logdet = torch.log(v).sum(1)
        am_inv = am * inv
        const = logw - 0.5 * (logdet + (am * am_inv).sum(1))
        inv_t = inv.T.contiguous()
        am_inv_t = am_inv.T.contiguous()
    else:
        U = p["eigvec"]  # [K, d, d], eigenvectors in columns
        v = a * a * p["var"] + b2
        inv = 1.0 / v
        logdet = torch.log(v).sum(1)
        U_all = U.permute(1, 0, 2).reshape(d, K * d).contiguous()
        U_all_t = U_all.T.contiguous()
        amU = torch.einsum("kd,kde->ke", am, U).reshape(1, K * d)
        inv_flat = inv.reshape(1, K * d)
    op = p["op"]
    y = p["y"]
    if op["type"] == "dense":
        A = op["matrix"]
        A_t = A.T.contiguous()
    elif op["type"] == "mask":
        idx = op["indices"].long()

    def prior_score(x):
        n = x.shape[0]
        if kind == "isotropic" and K == 1:
            return am_inv[0] - x * inv[0]
        if kind == "isotropic":
            xx = (x * x).sum(1, keepdim=True)
            logr = const - 0.5 * inv * xx + x @ am_inv.T
        elif kind == "diagonal":
            logr = const - 0.5 * ((x * x) @ inv_t) + x @ am_inv_t
        else:
            z = x @ U_all - amU
            wz = z * inv_flat
            quad = (z * wz).reshape(n, K, d).sum(2)
            logr = logw - 0.5 * (logdet + quad)
        r = torch.softmax(logr, dim=1)  # log-sum-exp normalisation
        if kind == "isotropic":
            return r @ am_inv - x * (r @ inv)[:, None]
        if kind == "diagonal":
            return r @ am_inv - x * (r @ inv)
        return -((wz.reshape(n, K, d) * r[:, :, None]).reshape(n, K * d) @ U_all_t)

    def drift(x):
        s = prior_score(x)
        t = op["type"]
        if t == "identity":
            return s + c * (y - x)
        if t == "mask":
            return s.index_add(1, idx, c * (y - x[:, idx]))
        return s + (c * (y - x @ A_t)) @ A

    return drift


def make_step(p, st):
    h = st["h"]
    noise = math.sqrt(2 * h)
    drift = make_drift(p, st["a"], st["b2"], st["c"])

    def step(x, xi):
        return x + h * drift(x) + noise * xi

    return step


def device_bandwidth(device, nbytes=1 << 30, reps=20):
    """Device-to-device copy bandwidth (bytes read + written per second), best of reps."""
    src = torch.empty(nbytes // 4, dtype=torch.float32, device=device).uniform_()
    dst = torch.empty_like(src)
    dst.copy_(src)
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(reps):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record()
        dst.copy_(src)
        e1.record()
        torch.cuda.synchronize()
        best = min(best, e0.elapsed_time(e1) / 1e3)
    del src, dst
    return {"bytesPerSecond": 2 * nbytes / best,
            "method": f"best of {reps} torch device-to-device copies of {nbytes >> 20} MiB (Tensor.copy_, CUDA events), bytes read + written"}


def time_case(case, mode, reps, max_seconds, device, seed=0):
    fam, chains, d = case["family"], case["chains"], case["d"]
    p = to_torch(bench_numpy.make_problem(fam, d, case.get("m"), seed=seed + d), device)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    step = make_step(p, STEP)
    if mode == "compile":
        step = torch.compile(step, fullgraph=True, dynamic=False)

    def run(x, n):
        for _ in range(n):
            xi = torch.randn(x.shape, generator=gen, device=device, dtype=torch.float32)
            x = step(x, xi)
        return x

    x = torch.randn((chains, d), generator=gen, device=device, dtype=torch.float32)
    t0 = time.perf_counter()
    x = run(x, 3)  # warm-up (and compilation)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    x = run(x, 3)
    torch.cuda.synchronize()
    one = max((time.perf_counter() - t0) / 3, 1e-7)
    steps = int(case["steps"])
    if max_seconds > 0 and steps * one > max_seconds:
        steps = max(2, int(max_seconds / one))
    times = []
    for _ in range(reps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        x = run(x, steps)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    if not bool(torch.isfinite(x).all()):
        raise RuntimeError(f"{fam}/{case['size']}: the torch chains diverged")
    times.sort()
    med = times[len(times) // 2] if len(times) % 2 else 0.5 * (times[len(times) // 2 - 1] + times[len(times) // 2])
    return {"family": fam, "size": case["size"], "chains": chains, "d": d, "steps": steps,
            "seconds": times[0], "secondsMedian": med, "elementStepsPerSec": chains * d * steps / times[0],
            "elementStepsPerSecMedian": chains * d * steps / med}


def check(problem, device):
    import numpy as np
    d = int(problem["d"])
    p = {"kind": problem["kind"], "K": int(problem["K"]), "d": d,
         "logw": torch.tensor(problem["logw"], dtype=torch.float32, device=device),
         "means": torch.tensor(problem["means"], dtype=torch.float32, device=device).reshape(-1, d),
         "y": torch.tensor(problem["y"], dtype=torch.float32, device=device)}
    var = torch.tensor(problem["var"], dtype=torch.float32, device=device)
    p["var"] = var if p["kind"] == "isotropic" else var.reshape(-1, d)
    if p["kind"] == "full":
        p["eigvec"] = torch.tensor(problem["eigvec"], dtype=torch.float32, device=device).reshape(p["K"], d, d)
    op = problem["op"]
    if op["type"] == "mask":
        p["op"] = {"type": "mask", "indices": torch.tensor(op["indices"], device=device)}
    elif op["type"] == "dense":
        p["op"] = {"type": "dense", "matrix": torch.tensor(op["matrix"], dtype=torch.float32, device=device).reshape(-1, d)}
    else:
        p["op"] = {"type": "identity"}
    x = torch.tensor(problem["x"], dtype=torch.float32, device=device).reshape(-1, d)
    out = make_drift(p, problem["a"], problem["b2"], problem["c"])(x)
    return {"drift": np.asarray(out.double().cpu()).ravel().tolist()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", help="JSON list of {family,size,chains,d,m?,steps} (from langevin bench)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=2.0)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--modes", default="eager,compile")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.check:
        print(json.dumps(check(json.load(sys.stdin), args.device)))
        return
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("bench_torch.py: torch sees no CUDA device", file=sys.stderr)
        sys.exit(3)
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 matmuls, as the native kernels compute
    torch.backends.cudnn.allow_tf32 = False
    cases = json.loads(args.cases) if args.cases else bench_numpy.default_cases(args.quick)
    results, errors = {}, {}
    for mode in args.modes.split(","):
        rows = []
        try:
            for case in cases:
                if case["family"] in bench_numpy.FAMILIES:
                    rows.append(time_case(case, mode, args.reps, args.max_seconds, args.device, args.seed))
        except Exception as e:  # report, keep the other mode's rows
            errors[mode] = f"{type(e).__name__}: {e}"[:500]
        results[mode] = rows
    props = torch.cuda.get_device_properties(0)
    print(json.dumps({
        "peer": "torch", "version": torch.__version__,
        "details": {"python": platform.python_version(), "gpu": props.name, "cuda": str(torch.version.cuda),
                    "rng": "torch.randn(generator=torch.Generator(device))", "dtype": "float32", "tf32": "off"},
        "bandwidth": device_bandwidth(args.device),
        "results": results, "errors": errors,
    }))


if __name__ == "__main__":
    main()
