#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Peer benchmark: the fused Langevin update of `langevin` written in vectorised NumPy.

One step, on float32 arrays x[chains, d]:
    x <- x + h * (grad log p_{a,b}(x) + c * A^T (y - A x)) + sqrt(2h) * xi,   xi ~ N(0, I)
where p_{a,b} = sum_k w_k N(a mu_k, a^2 Sigma_k + b^2 I) is the noised GMM prior (native/core/gmm.h),
responsibilities by log-sum-exp over components with broadcasting, and A is the identity, a
coordinate mask, a dense matrix or a circular blur of each chain's image (np.fft, float32:
c * A^T (y - A x) = c * irfft2(conj(K) Y - |K|^2 X), one forward and one inverse real 2-D FFT per
step). xi = rng.standard_normal(size, dtype=float32) with rng = np.random.default_rng(seed).

  python3 scripts/bench_numpy.py --cases JSON [--reps N] [--max-seconds S]   # what `langevin bench` runs
  python3 scripts/bench_numpy.py [--quick]                                  # the default case list
  python3 scripts/bench_numpy.py --list                                     # print the default case list
  python3 scripts/bench_numpy.py --check < problem.json                     # drift of one explicit problem

Prints one JSON object. The default case list mirrors lib/bench/cases.ts (test/bench.test.ts
checks that they agree); `langevin bench` always passes its own list with --cases.
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

F32 = np.float32

# family -> (covariance kind, K, operator); with ALL_FAMILIES, mirrors FAMILIES in lib/bench/cases.ts.
# FAMILIES are the ones scripts/bench_torch.py implements too (it filters cases by this dict).
FAMILIES = {
    "gaussian": ("isotropic", 1, "identity"),
    "gmm-diag": ("diagonal", 8, "mask"),
    "gmm-full": ("full", 4, "dense"),
    "mask": ("isotropic", 1, "mask"),
    "dense": ("isotropic", 1, "dense"),
}
ALL_FAMILIES = {**FAMILIES, "blur": ("isotropic", 1, "blur")}  # blur: NumPy peer only
# family -> size -> (chains, d, steps); mirrors SIZES in lib/bench/cases.ts
SIZES = {
    "gaussian": {"small": (64, 64, 4000), "medium": (1024, 256, 200), "large": (4096, 1024, 15)},
    "gmm-diag": {"small": (64, 64, 1500), "medium": (1024, 256, 60), "large": (4096, 1024, 5)},
    "gmm-full": {"small": (64, 32, 1500), "medium": (1024, 32, 100), "large": (8192, 32, 12)},
    "mask": {"small": (64, 64, 4000), "medium": (1024, 256, 200), "large": (4096, 1024, 15)},
    "dense": {"small": (64, 64, 1500), "medium": (1024, 256, 20), "large": (4096, 256, 5)},
    "blur": {"small": (64, 64, 4000), "medium": (1024, 256, 120), "large": (4096, 1024, 10)},
}
BLUR_SIGMA = 1.0  # BLUR_SIGMA in lib/bench/cases.ts: a 7x7 Gaussian kernel on a sqrt(d) x sqrt(d) image
STEP = {"h": 0.01, "a": 1.0, "b2": 0.05, "c": 4.0}  # BENCH_STEP in lib/bench/cases.ts


def default_cases(quick=False):
    out = []
    for fam, sizes in SIZES.items():
        for size, (chains, d, steps) in sizes.items():
            if quick and size != "small":
                continue
            K = ALL_FAMILIES[fam][1]
            out.append({"family": fam, "size": size, "chains": chains, "d": d, "K": K,
                        "steps": max(2, round(steps / 10)) if quick else steps})
    return out


# ------------------------------------------------------------------------------------------------
# Problems: the same structure as lib/bench/cases.ts (parameters drawn from NumPy's generator; the
# cost of a step does not depend on their values).

def gaussian_kernel(sigma):
    """lib/imaging/kernels.ts gaussianKernel(sigma): (2 ceil(3 sigma) + 1)^2 taps, normalised to sum 1."""
    n = 2 * math.ceil(3 * sigma) + 1
    c = (n - 1) / 2
    i = np.arange(n)
    k = np.exp(-((i[:, None] - c) ** 2 + (i[None, :] - c) ** 2) / (2 * sigma * sigma))
    return k / k.sum()


def make_problem(family, d, m=None, seed=0):
    cov_kind, K, op = ALL_FAMILIES[family]
    r = np.random.default_rng(seed)
    w = 0.2 + r.random(K)
    w /= w.sum()
    p = {"kind": cov_kind, "K": K, "d": d, "logw": np.log(w).astype(F32),
         "means": (2 * r.random((K, d)) - 1).astype(F32)}
    if cov_kind == "isotropic":
        p["var"] = (0.5 + r.random(K)).astype(F32)
    elif cov_kind == "diagonal":
        p["var"] = (0.4 + r.random((K, d))).astype(F32)
    else:  # full: eigendecomposition, as the native tables store it
        U = np.empty((K, d, d), F32)
        for k in range(K):
            q, _ = np.linalg.qr(r.standard_normal((d, d)))
            U[k] = q
        p["var"] = np.tile(np.linspace(0.4, 1.5, d), (K, 1)).astype(F32)
        p["eigvec"] = U
    if op == "identity":
        p["op"] = {"type": "identity"}
        m = d
    elif op == "blur":
        n = math.isqrt(d)
        if n * n != d:
            raise ValueError(f"blur: d = {d} is not a square image")
        p["op"] = {"type": "blur", "C": 1, "H": n, "W": n, "kernel": gaussian_kernel(BLUR_SIGMA)}
        m = d
    elif op == "mask":
        idx = np.flatnonzero(r.random(d) < 0.5)
        if idx.size == 0:
            idx = np.array([0])
        p["op"] = {"type": "mask", "indices": idx.astype(np.int64)}
        m = idx.size
    else:
        if m is None:
            m = 16 if family == "gmm-full" else max(1, d // 2)
        p["op"] = {"type": "dense", "matrix": ((2 * r.random((m, d)) - 1) / math.sqrt(d)).astype(F32)}
    p["y"] = (2 * r.random(m) - 1).astype(F32)
    return p


def make_drift(p, a, b2, c):
    """drift(x) = grad log p_{a,b}(x) + c A^T (y - A x), float32, x: [n, d]. Level tables (noised
    variances and log-determinants) are prepared once, as the native code does per step."""
    kind, K, d = p["kind"], p["K"], p["d"]
    a, b2, c = F32(a), F32(b2), F32(c)
    am = (a * p["means"]).astype(F32)  # [K, d]
    logw = p["logw"]
    if kind == "isotropic":
        v = (a * a * p["var"] + b2).astype(F32)  # [K]
        inv = (1 / v).astype(F32)
        logdet = (d * np.log(v)).astype(F32)
        am_sq = (am * am).sum(1)  # [K]
        const = (logw - F32(0.5) * (logdet + inv * am_sq)).astype(F32)
        am_inv = (am * inv[:, None]).astype(F32)  # [K, d]
    elif kind == "diagonal":
        v = (a * a * p["var"] + b2).astype(F32)  # [K, d]
        inv = (1 / v).astype(F32)
        logdet = np.log(v).sum(1).astype(F32)
        am_inv = (am * inv).astype(F32)  # [K, d]
        const = (logw - F32(0.5) * (logdet + (am * am_inv).sum(1))).astype(F32)
        inv_t = np.ascontiguousarray(inv.T)  # [d, K]
        am_inv_t = np.ascontiguousarray(am_inv.T)
    else:
        U = p["eigvec"]  # [K, d, d], eigenvectors in columns
        v = (a * a * p["var"] + b2).astype(F32)  # [K, d] eigenvalues of a^2 Sigma_k + b^2 I
        inv = (1 / v).astype(F32)
        logdet = np.log(v).sum(1).astype(F32)
        U_all = np.ascontiguousarray(U.transpose(1, 0, 2).reshape(d, K * d))  # x @ U_all = [x U_k]_k
        U_all_t = np.ascontiguousarray(U_all.T)
        amU = np.einsum("kd,kde->ke", am, U).reshape(1, K * d).astype(F32)  # (a mu_k)^T U_k
        inv_flat = inv.reshape(1, K * d)

    op = p["op"]
    y = p["y"]
    if op["type"] == "dense":
        A = op["matrix"]
        A_t = np.ascontiguousarray(A.T)
    elif op["type"] == "mask":
        idx = op["indices"]
    elif op["type"] == "blur":
        # A x = x circularly convolved with the kernel centred at (kh // 2, kw // 2): the kernel's
        # spectrum from its circular embedding (wrapped taps add up), as native/core/operator_build.h.
        C, H, W, ker = op["C"], op["H"], op["W"], np.asarray(op["kernel"], np.float64)
        kh, kw = ker.shape
        emb = np.zeros((H, W))
        for a_ in range(kh):
            for b_ in range(kw):
                emb[(a_ - kh // 2) % H, (b_ - kw // 2) % W] += ker[a_, b_]
        K_hat = np.fft.rfft2(emb)
        K2 = (np.abs(K_hat) ** 2).astype(F32)  # |K|^2
        KY = (c * np.conj(K_hat) * np.fft.rfft2(y.astype(np.float64).reshape(C, H, W))).astype(np.complex64)  # c conj(K) Y
        cK2 = (c * K2).astype(F32)

    def prior_score(x):
        n = x.shape[0]
        if kind == "isotropic" and K == 1:  # a plain Gaussian: no responsibilities needed
            return (am_inv[0] - x * inv[0]).astype(F32, copy=False)
        if kind == "isotropic":
            xx = np.einsum("nd,nd->n", x, x)[:, None]
            logr = const - F32(0.5) * inv * xx + x @ am_inv.T  # [n, K]
        elif kind == "diagonal":
            # quad_k = sum_i (x_i - a mu_ki)^2 / v_ki, expanded into two matrix products
            logr = const - F32(0.5) * ((x * x) @ inv_t) + x @ am_inv_t
        else:
            z = x @ U_all
            z -= amU  # [n, K*d]: U_k^T (x - a mu_k)
            wz = z * inv_flat
            quad = (z * wz).reshape(n, K, d).sum(2)
            logr = logw - F32(0.5) * (logdet + quad)
        # log-sum-exp over components
        logr -= logr.max(1, keepdims=True)
        np.exp(logr, out=logr)
        logr /= logr.sum(1, keepdims=True)
        r = logr.astype(F32, copy=False)
        if kind == "isotropic":
            return r @ am_inv - x * (r @ inv)[:, None]
        if kind == "diagonal":
            return r @ am_inv - x * (r @ inv)
        wz = wz.reshape(n, K, d)
        wz *= r[:, :, None]
        return -(wz.reshape(n, K * d) @ U_all_t)

    def drift(x):
        s = prior_score(x)
        t = op["type"]
        if t == "identity":
            s += c * (y - x)
        elif t == "mask":
            s[:, idx] += c * (y - x[:, idx])
        elif t == "blur":
            X = np.fft.rfft2(x.reshape(-1, C, H, W))  # float32 in, complex64 out (NumPy >= 2)
            X *= cK2
            np.subtract(KY, X, out=X)
            s += np.fft.irfft2(X, s=(H, W)).reshape(x.shape[0], -1)
        else:
            rr = y - x @ A_t  # [n, m]
            rr *= c
            s += rr @ A
        return s

    return drift


def make_step(p, st, rng):
    h = F32(st["h"])
    noise = F32(math.sqrt(2 * st["h"]))
    drift = make_drift(p, st["a"], st["b2"], st["c"])

    def step(x):
        g = drift(x)
        g *= h
        x += g
        xi = rng.standard_normal(x.shape, dtype=F32)
        xi *= noise
        x += xi
        return x

    return step


def cpu_snapshot():
    """(wall, busy ticks of all CPUs, own ticks) on Linux, else None; USER_HZ = 100."""
    try:
        with open("/proc/stat") as f:
            v = [int(t) for t in f.readline().split()[1:]]
        busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
        t = os.times()
        return time.perf_counter(), busy, 100 * (t.user + t.system + t.children_user + t.children_system)
    except (OSError, ValueError, IndexError):
        return None


def other_cpus(a, b):
    """Average CPUs other processes kept busy between two snapshots."""
    if a is None or b is None or b[0] <= a[0]:
        return None
    return round(max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / 100 / (b[0] - a[0])), 2)


def time_case(case, reps, max_seconds, seed=0):
    fam, chains, d = case["family"], case["chains"], case["d"]
    p = make_problem(fam, d, case.get("m"), seed=seed + d)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((chains, d), dtype=F32)
    step = make_step(p, STEP, rng)
    # warm-up: one step, then the requested steps (fewer if one step is slow, to stay near max_seconds)
    t0 = time.perf_counter()
    x = step(x)
    one = max(time.perf_counter() - t0, 1e-7)
    steps = int(case["steps"])
    if max_seconds > 0 and steps * one > max_seconds:
        steps = max(2, int(max_seconds / one))
    for _ in range(min(steps, 3)):
        x = step(x)
    times = []
    snap = cpu_snapshot()
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            x = step(x)
        times.append(time.perf_counter() - t0)
    busy = other_cpus(snap, cpu_snapshot())
    if not np.isfinite(x).all():
        raise RuntimeError(f"{fam}/{case['size']}: the NumPy chains diverged")
    times.sort()
    med = times[len(times) // 2] if len(times) % 2 else 0.5 * (times[len(times) // 2 - 1] + times[len(times) // 2])
    # best of reps (as langevin bench reports), median too
    return {"family": fam, "size": case["size"], "chains": chains, "d": d, "steps": steps,
            "seconds": times[0], "secondsMedian": med, "elementStepsPerSec": chains * d * steps / times[0],
            "elementStepsPerSecMedian": chains * d * steps / med, "otherCpus": busy}


def check(problem):
    """Drift for an explicit problem: {kind, K, d, logw, means, var, eigvec?, op, y, a, b2, c, x}."""
    d = int(problem["d"])
    p = {"kind": problem["kind"], "K": int(problem["K"]), "d": d,
         "logw": np.asarray(problem["logw"], F32),
         "means": np.asarray(problem["means"], F32).reshape(-1, d),
         "y": np.asarray(problem["y"], F32)}
    var = np.asarray(problem["var"], F32)
    p["var"] = var if p["kind"] == "isotropic" else var.reshape(-1, d)
    if p["kind"] == "full":
        p["eigvec"] = np.asarray(problem["eigvec"], F32).reshape(p["K"], d, d)
    op = problem["op"]
    if op["type"] == "mask":
        p["op"] = {"type": "mask", "indices": np.asarray(op["indices"], np.int64)}
    elif op["type"] == "blur":
        kh, kw = int(op["kernelHeight"]), int(op["kernelWidth"])
        p["op"] = {"type": "blur", "C": int(op["channels"]), "H": int(op["height"]), "W": int(op["width"]),
                   "kernel": np.asarray(op["kernel"], np.float64).reshape(kh, kw)}
    elif op["type"] == "dense":
        p["op"] = {"type": "dense", "matrix": np.asarray(op["matrix"], F32).reshape(-1, d)}
    else:
        p["op"] = {"type": "identity"}
    x = np.asarray(problem["x"], F32).reshape(-1, d)
    drift = make_drift(p, problem["a"], problem["b2"], problem["c"])
    return {"drift": drift(x.copy()).astype(np.float64).ravel().tolist()}


def blas_info():
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", help="JSON list of {family,size,chains,d,m?,steps} (from langevin bench)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=2.0, help="per case: fewer steps if the requested ones would take longer")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--list", action="store_true", help="print the default case list and exit")
    ap.add_argument("--check", action="store_true", help="read a problem from stdin and print its drift")
    args = ap.parse_args()
    if args.list:
        print(json.dumps(default_cases(args.quick)))
        return
    if args.check:
        print(json.dumps(check(json.load(sys.stdin))))
        return
    cases = json.loads(args.cases) if args.cases else default_cases(args.quick)
    results = []
    for case in cases:
        if case["family"] not in ALL_FAMILIES:
            continue
        results.append(time_case(case, args.reps, args.max_seconds, args.seed))
    print(json.dumps({
        "peer": "numpy", "version": np.__version__,
        "details": {"python": platform.python_version(), "blas": blas_info(),
                    "threads_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ},
                    "rng": "np.random.default_rng(seed).standard_normal(dtype=float32)", "dtype": "float32"},
        "results": results,
    }))


if __name__ == "__main__":
    main()
