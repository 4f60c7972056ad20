#!/usr/bin/env python3
"""The report's tables, from the runs of scripts/reproduce-report.sh (standard library only, so that
nnctl's columns can be written without the peers' venv).

  report.py check --runs DIR      the agreement check: the first 10 batch losses of nnctl, Keras
                                  and PyTorch from identical weights, shuffling off, must agree to
                                  1e-4 relative; prints PASS/FAIL, exit status 1 on FAIL, writes
                                  DIR/agreement.json
  report.py assemble --runs DIR --out REPORT [...]
                                  REPORT/tables.md, REPORT/results.json, REPORT/ae_loss_curves.png
"""
import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys

TOL = 1e-4
QUALITY_MSE = 0.0099
FRAMEWORKS = ("nnctl", "keras", "torch")
NAMES = {"nnctl": "nnctl", "keras": "Keras", "torch": "PyTorch"}
# The study's table (its library's losses were half the MSE; Keras's were plain MSE).
STUDY = {
    "nnctl_xor": {"loss_reported": 0.00103, "half_mse": True, "seconds": 10.0},
    "nnctl_ae": {"loss_reported": 0.004957, "half_mse": True, "seconds": 3121.76},
    "keras_xor": {"loss_reported": 0.000111, "half_mse": False, "seconds": 216.33},
    "keras_ae": {"loss_reported": 0.007425, "half_mse": False, "seconds": 822.90},
}
# (name, title, run prefix, frameworks): the training controls are checked against PyTorch only
# (the formulas are PyTorch's: SGD's weight decay added to the gradient, AdamW's decoupled one,
# a per-epoch LambdaLR of nnctl's cosine).
CHECKS = [
    ("xor_sgd", "XOR 2-4-1, SGD 0.5, full batch (10 epochs of one batch)", "agree_xor",
     FRAMEWORKS),
    ("ae_sgd", "autoencoder 784-256-64-256-784, SGD 0.2, batch 128", "agree_ae_sgd", FRAMEWORKS),
    ("ae_adam", "autoencoder 784-256-64-256-784, Adam 0.005 (eps 1e-8 on sqrt(v_hat)), batch 128",
     "agree_ae_adam", FRAMEWORKS),
    ("xor_sgd_wd_cosine", "XOR 2-4-1, SGD 0.5 momentum 0.9, weight decay 0.01, cosine schedule "
     "(2 warmup epochs, min_lr 0.05), 10 epochs of one batch (nnctl and PyTorch)",
     "agree_xor_wd_cos", ("nnctl", "torch")),
    ("xor_adamw_cosine", "XOR 2-4-1, AdamW 0.05 weight decay 0.1, cosine schedule (3 warmup "
     "epochs, min_lr 0.005), 10 epochs of one batch (nnctl and PyTorch)", "agree_xor_adamw_cos",
     ("nnctl", "torch")),
    ("ae_adamw", "autoencoder 784-256-64-256-784, AdamW 0.005 weight decay 0.05, batch 128 "
     "(nnctl and PyTorch)", "agree_ae_adamw", ("nnctl", "torch")),
    ("cnn_adamw", "LeNet-style CNN (configs/mnist_lenet.yaml, dropout off): conv 5x5 same, max "
     "pool, conv 5x5, max pool, dense; cross-entropy, AdamW 0.002 weight decay 0.01, batch 128 "
     "(nnctl and PyTorch)", "agree_cnn", ("nnctl", "torch")),
    ("cnn_sgd", "the same CNN with a stride-2 'same' first conv (asymmetric padding) and average "
     "pooling; SGD 0.05 momentum 0.9 weight decay 0.001 (nnctl and PyTorch)", "agree_cnn_sgd",
     ("nnctl", "torch")),
    ("cnn_batchnorm", "configs/examples/mnist_cnn_bn.yaml: conv, batchnorm (batch statistics), "
     "relu, max pool, strided conv, dense; Adam 0.005, batch 64 (nnctl and PyTorch)",
     "agree_cnn_bn", ("nnctl", "torch")),
]


# ---------------------------------------------------------------------------------------------
# Reading runs: nnctl's run directory and the peers' JSON, into one shape.

def _num(s):
    return float(s) if s not in ("", None) else None


def time_to_quality(epochs):
    acc = 0.0
    for e in epochs:
        acc += e["seconds"]
        if e.get("test_loss") is not None and e["test_loss"] <= QUALITY_MSE:
            return {"seconds": acc, "epoch": e["epoch"]}
    return None


def load_nnctl(path):
    with open(os.path.join(path, "metrics.json")) as f:
        m = json.load(f)
    epochs = []
    with open(os.path.join(path, "history.csv")) as f:
        for r in csv.DictReader(f):
            epochs.append({"epoch": int(r["epoch"]), "train_loss": _num(r["train_loss"]),
                           "test_loss": _num(r["test_loss"]), "seconds": _num(r["seconds"])})
    bl = []
    blp = os.path.join(path, "batch_losses.txt")
    if os.path.exists(blp):
        with open(blp) as f:
            bl = [float(x) for x in f.read().split()]
    return {"framework": "nnctl", "version": m.get("nnctl_version"), "blas": m.get("blas"),
            "threads": m.get("threads"), "epochs": epochs, "batch_losses": bl,
            "train_seconds": m.get("train_seconds"),
            "seconds_per_epoch": m.get("seconds_per_epoch"),
            "final_train_loss": m.get("final_train_loss"),
            "eval_train_loss": m.get("eval_train_loss"),
            "final_test_loss": m.get("final_test_loss"),
            "time_to_quality": time_to_quality(epochs), "path": path}


def load_peer(path):
    with open(path) as f:
        r = json.load(f)
    r["path"] = path
    return r


def load(runs, name):
    """The run NAME of DIR: nnctl's directory or a peer's NAME.json; None if it was not run."""
    p = os.path.join(runs, name)
    if os.path.isdir(p) and os.path.exists(os.path.join(p, "metrics.json")):
        return load_nnctl(p)
    if os.path.exists(p + ".json"):
        return load_peer(p + ".json")
    return None


def summary(r):
    if r is None:
        return None
    keys = ("framework", "version", "threads", "train_seconds", "seconds_per_epoch",
            "final_train_loss", "eval_train_loss", "final_test_loss", "time_to_quality",
            "batch_size", "optimizer", "init", "notes")
    s = {k: r.get(k) for k in keys if k in r}
    s["epochs"] = len(r["epochs"])
    s["path"] = r["path"]
    return s


# ---------------------------------------------------------------------------------------------
# The agreement check.

def rel(a, b):
    d = max(abs(a), abs(b))
    return abs(a - b) / d if d > 0 else 0.0


def first_losses(r, xor):
    if r is None:
        return None
    if r["framework"] == "nnctl" and xor:  # one batch per epoch: the epoch's loss is the batch's
        return [e["train_loss"] for e in r["epochs"]][:10]
    return r["batch_losses"][:10]


def check(runs):
    out = {"tolerance": TOL, "checks": [], "pass": True}
    for key, title, prefix, fws in CHECKS:
        series = {fw: first_losses(load(runs, f"{prefix}_{fw}"), key.startswith("xor"))
                  for fw in fws}
        c = {"name": key, "title": title, "losses": series, "pass": True, "problem": None}
        missing = [fw for fw, s in series.items() if not s or len(s) < 10]
        if missing:
            c["pass"] = False
            c["problem"] = "fewer than 10 batch losses from " + ", ".join(missing)
            c["max_rel_diff"] = None
        else:
            worst = 0.0
            for i in range(10):
                v = [series[fw][i] for fw in fws]
                for p in range(len(v)):
                    for q in range(p + 1, len(v)):
                        worst = max(worst, rel(v[p], v[q]))
            c["max_rel_diff"] = worst
            c["pass"] = worst <= TOL
        out["checks"].append(c)
        out["pass"] = out["pass"] and c["pass"]
    native = load(runs, "agree_ae_adam_keras_native")
    ref = first_losses(load(runs, "agree_ae_adam_nnctl"), False)
    if native and ref and len(native["batch_losses"]) >= 10 and len(ref) >= 10:
        out["keras_native_adam"] = {
            "losses": native["batch_losses"][:10],
            "max_rel_diff_vs_nnctl": max(rel(a, b) for a, b in zip(ref, native["batch_losses"])),
            "note": "keras.optimizers.Adam as shipped adds epsilon to sqrt(v), not to "
                    "sqrt(v_hat); not part of the check (the fair runs use the PyTorch placement)"}
    with open(os.path.join(runs, "agreement.json"), "w") as f:
        json.dump(out, f, indent=1)
    for c in out["checks"]:
        print(f"agreement {c['name']:8s} {'PASS' if c['pass'] else 'FAIL'}  "
              + (f"max relative difference {c['max_rel_diff']:.2e} (tolerance {TOL:g})"
                 if c["max_rel_diff"] is not None else c["problem"]))
        if c["max_rel_diff"] is not None:
            print("   batch  " + "  ".join(f"{NAMES[fw]:>12s}" for fw in c["losses"]))
            for i in range(10):
                print(f"   {i + 1:5d}  " + "  ".join(f"{c['losses'][fw][i]:12.9f}"
                                                    for fw in c["losses"]))
    if "keras_native_adam" in out:
        print(f"(for the record, Keras's own Adam epsilon placement: max relative difference "
              f"{out['keras_native_adam']['max_rel_diff_vs_nnctl']:.2e} from nnctl; not checked)")
    print(f"agreement check: {'PASS' if out['pass'] else 'FAIL'}")
    return out


# ---------------------------------------------------------------------------------------------
# Formatting.

def fs(x):
    """Seconds."""
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:,.0f} s"
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 0.001:
        return f"{x * 1e3:.3g} ms"
    return f"{x * 1e6:.3g} µs"


def fl(x):
    return "—" if x is None else f"{x:.4g}"


def fr(a, b):
    if a is None or b in (None, 0):
        return "—"
    r = a / b
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def fint(n):
    return f"{n:,}"


def eps_(n):
    return f"{n:,} epoch" + ("" if n == 1 else "s")


def machine():
    cpu = "unknown"
    try:
        txt = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in txt.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "os": platform.platform()}


def cpu_busy():
    """Percent of CPU time not idle over one second, from /proc/stat."""
    import time

    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return sum(v), v[3] + v[4]
    t0, i0 = sample()
    time.sleep(1)
    t1, i1 = sample()
    return 100 * ((t1 - t0) - (i1 - i0)) // max(1, t1 - t0)


def plot(out, runs, curves_sgd, curves_adam):
    """ae_loss_curves.png with gnuplot: test MSE against epoch, two panels."""
    import shutil
    if not shutil.which("gnuplot"):
        print("report: gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox); "
              "no ae_loss_curves.png", file=sys.stderr)
        return None
    files = []
    for tag, curves in (("sgd", curves_sgd), ("adam", curves_adam)):
        p = os.path.join(runs, f"curve_{tag}.dat")
        with open(p, "w") as f:
            f.write("# epoch " + " ".join(fw for fw in FRAMEWORKS) + "\n")
            n = max((len(v) for v in curves.values() if v), default=0)
            for i in range(n):
                vals = []
                for fw in FRAMEWORKS:
                    v = curves.get(fw)
                    vals.append(f"{v[i]:.9g}" if v and i < len(v) and v[i] is not None else "NaN")
                f.write(f"{i + 1} " + " ".join(vals) + "\n")
        files.append((p, curves))
    png = os.path.join(out, "ae_loss_curves.png")
    tmp = png + ".tmp.png"
    style = {"nnctl": "lc rgb '#d62728' lw 2", "keras": "lc rgb '#1f77b4' lw 2 dt 2",
             "torch": "lc rgb '#2ca02c' lw 2 dt 4"}
    titles = ["SGD 0.2, batch 128 (table 2)", "Adam 0.005, batch 128 (time to quality)"]
    gp = ['set terminal pngcairo size 1400,560 font "sans,11"', f'set output "{tmp}"',
          "set multiplot layout 1,2", "set logscale y", "set grid", 'set xlabel "epoch"',
          'set ylabel "test MSE (mean over every element)"', "set key top right",
          "set datafile missing 'NaN'"]
    if max((len(v) for c in (curves_sgd, curves_adam) for v in c.values() if v), default=0) <= 20:
        gp.append("set xtics 1")
    for (p, curves), title in zip(files, titles):
        series = [f"'{p}' using 1:{2 + i} with lines {style[fw]} title '{NAMES[fw]}'"
                  for i, fw in enumerate(FRAMEWORKS) if curves.get(fw)]
        if not series:
            continue
        series.append(f"{QUALITY_MSE} with lines lc rgb '#888888' dt 3 title 'MSE {QUALITY_MSE}'")
        gp += [f'set title "{title}"', "plot " + ", ".join(series)]
    gp.append("unset multiplot")
    r = subprocess.run(["gnuplot"], input="\n".join(gp) + "\n", text=True, capture_output=True)
    if r.returncode != 0 or not os.path.exists(tmp):
        print("report: gnuplot failed: " + r.stderr, file=sys.stderr)
        return None
    os.replace(tmp, png)
    return png


def assemble(a):
    runs = a.runs
    R = {n: load(runs, n) for n in (
        "t1_xor_nnctl", "t1_xor_keras", "t1_ae_nnctl", "t1_ae_keras",
        "t2_xor_nnctl", "t2_xor_keras", "t2_xor_torch", "t2_ae_keras", "t2_ae_torch",
        "ttq_ae_adam_nnctl", "ttq_ae_adam_keras", "ttq_ae_adam_torch")}
    R["t2_ae_nnctl"] = R["t1_ae_nnctl"]  # the same configuration: table 1's run
    agreement = None
    ap = os.path.join(runs, "agreement.json")
    if os.path.exists(ap):
        with open(ap) as f:
            agreement = json.load(f)

    nn_version = subprocess.run([a.nnctl, "--version"], capture_output=True,
                                text=True).stdout.strip()
    versions = {"nnctl": nn_version, "openblas": (R["t1_xor_nnctl"] or {}).get("blas")}
    for r in R.values():
        if r and r["framework"] != "nnctl":
            versions.update({k: v for k, v in r.get("versions", {}).items()
                             if k in ("tensorflow", "keras", "torch", "numpy", "python",
                                      "torch_blas")})
    mach = dict(machine(), threads=a.threads)
    try:
        with open(os.path.join(runs, "cpu_busy_start")) as f:
            mach["cpu_busy_percent_at_start"] = int(f.read())
        mach["cpu_busy_percent_at_end"] = cpu_busy()
    except (OSError, ValueError):
        pass
    now = datetime.datetime.now().astimezone()
    smoke = a.train_limit > 0 or a.test_limit > 0

    # ---- table 1
    def t1_loss(r, xor):
        if r is None:
            return None
        return r["eval_train_loss"] if xor else r["final_test_loss"]

    t1 = {}
    for key, name, xor, net, opt in (
            ("nnctl_xor", "t1_xor_nnctl", True, "2-4-1 tanh/sigmoid",
             f"SGD 0.5, batch 4 (full), {eps_(a.xor_epochs)}"),
            ("nnctl_ae", "t1_ae_nnctl", False, "784-256-64-256-784",
             f"SGD 0.2, batch 128, {eps_(a.epochs)}"),
            ("keras_xor", "t1_xor_keras", True, "2-4-1 tanh/sigmoid",
             f"SGD 0.3, batch 1, {eps_(a.xor_keras_epochs)}"),
            ("keras_ae", "t1_ae_keras", False, "784-64-784 relu/sigmoid",
             f"SGD 0.2, batch 128, {eps_(a.epochs)}")):
        r = R[name]
        st = STUDY[key]
        t1[key] = {"network": net, "training": opt, "run": summary(r),
                   "loss_mse": t1_loss(r, xor),
                   "loss_kind": "MSE over the four points after training" if xor
                   else "test MSE after training",
                   "final_train_loss": r and r["final_train_loss"],
                   "train_seconds": r and r["train_seconds"],
                   "study": dict(st, loss_plain_mse=st["loss_reported"] * (2 if st["half_mse"]
                                                                          else 1))}

    # ---- table 2
    t2 = {}
    for exp in ("xor", "ae"):
        rows = {}
        for fw in FRAMEWORKS:
            r = R[f"t2_{exp}_{fw}"]
            rows[fw] = None if r is None else {
                "seconds_per_epoch": r["seconds_per_epoch"], "train_seconds": r["train_seconds"],
                "final_mse": r["eval_train_loss"] if exp == "xor" else r["final_test_loss"],
                "epochs": len(r["epochs"]), "run": summary(r)}
        for fw in ("keras", "torch"):
            if rows[fw] and rows["nnctl"]:
                rows[fw]["ratio_nnctl_per_peer_seconds_per_epoch"] = (
                    rows["nnctl"]["seconds_per_epoch"] / rows[fw]["seconds_per_epoch"])
                rows[fw]["ratio_nnctl_per_peer_total"] = (
                    rows["nnctl"]["train_seconds"] / rows[fw]["train_seconds"])
        t2[exp] = rows
    ttq = {}
    for fw in FRAMEWORKS:
        r = R[f"ttq_ae_adam_{fw}"]
        ttq[fw] = None if r is None else {
            "time_to_quality": r["time_to_quality"], "final_test_loss": r["final_test_loss"],
            "seconds_per_epoch": r["seconds_per_epoch"], "epochs": len(r["epochs"]),
            "run": summary(r)}

    results = {
        "date": now.isoformat(timespec="seconds"), "command": a.command, "machine": mach,
        "versions": versions, "smoke_test_limits": {"train": a.train_limit,
                                                    "test": a.test_limit} if smoke else None,
        "options": {"epochs": a.epochs, "xor_epochs": a.xor_epochs,
                    "xor_keras_study_epochs": a.xor_keras_epochs,
                    "quality_epochs": a.quality_epochs, "threads": a.threads,
                    "peers": bool(a.peers)},
        "quality_mse": QUALITY_MSE, "agreement": agreement, "table1": t1, "table2": t2,
        "time_to_quality": ttq}

    # ---- tables.md
    L = []
    L.append("# nnctl against Keras and PyTorch\n")
    L.append(f"Measured {now:%Y-%m-%d %H:%M %Z} on {mach['cpu']} ({mach['cores']} cores), "
             f"{a.threads} thread(s) for every system, with `{a.command}`.\n")
    L.append("Versions: " + "; ".join(v if k == "nnctl" else f"{k} {v}"
                                      for k, v in versions.items() if v) + ".\n")
    busy = max(mach.get("cpu_busy_percent_at_start", 0), mach.get("cpu_busy_percent_at_end", 0))
    if busy > 20:
        L.append(f"**The machine was not idle** (CPUs {mach['cpu_busy_percent_at_start']}% busy "
                 f"before the runs, {mach['cpu_busy_percent_at_end']}% after them, over one "
                 f"second): other work disturbs the timings, PyTorch's OpenMP threads most of "
                 f"all. Rerun on an idle machine.\n")
    if smoke:
        L.append(f"**Smoke test:** MNIST limited to the first {a.train_limit or 'all'} training "
                 f"and {a.test_limit or 'all'} test images; these numbers are not the report's.\n")
    if not a.peers:
        L.append("**Keras and PyTorch were not run** (`scripts/peers/setup.sh` installs them); "
                 "their columns are empty.\n")
    L.append("## Table 1: as in the study\n")
    L.append("Each side with its own configuration, as the study ran them. Losses are plain MSE "
             "(the mean over every element); the study's own library reported half of that, so "
             "its figures are doubled in the study rows (the reported value in brackets).\n")
    L.append("| | nnctl XOR | nnctl autoencoder | Keras XOR | Keras autoencoder |")
    L.append("|---|---|---|---|---|")
    order = ("nnctl_xor", "nnctl_ae", "keras_xor", "keras_ae")
    L.append("| network | " + " | ".join(t1[k]["network"] for k in order) + " |")
    L.append("| training | " + " | ".join(t1[k]["training"] for k in order) + " |")
    L.append("| loss (MSE)¹ | " + " | ".join(fl(t1[k]["loss_mse"]) for k in order) + " |")
    L.append("| last epoch's training loss | " + " | ".join(fl(t1[k]["final_train_loss"])
                                                         for k in order) + " |")
    L.append("| training time | " + " | ".join(fs(t1[k]["train_seconds"]) for k in order) + " |")
    L.append("| the study: loss (MSE) | " + " | ".join(
        f"{t1[k]['study']['loss_plain_mse']:.4g}"
        + (f" ({t1[k]['study']['loss_reported']:g} half-MSE)" if t1[k]["study"]["half_mse"]
           else "") for k in order) + " |")
    L.append("| the study: training time | " + " | ".join(
        fs(t1[k]["study"]["seconds"]) for k in order) + " |")
    L.append("")
    L.append("¹ XOR: MSE over the four points after training; autoencoder: test-set MSE after "
             "training (the study's quality bar, 0.004957 half-MSE, is a test MSE of about "
             f"{QUALITY_MSE}).\n")

    L.append("## Table 2: fair\n")
    L.append("The same network, loss (plain MSE), optimizer, batch size, epochs and thread count "
             "in all three, started from identical initial weights (`nnctl export --init`); every "
             "hyperparameter set explicitly. Keras runs `model.fit`; PyTorch a manual loop over "
             "preloaded tensors; the last partial batch is trained everywhere. Adam uses "
             "PyTorch's formula (ε added to √v̂) on all three sides: Keras's own Adam adds ε to "
             "√v instead, so the Keras runs use a subclass of `keras.optimizers.Adam` with "
             "PyTorch's placement.\n")
    L.append("### Agreement check\n")
    if agreement is None:
        L.append("Not run (the peers are not installed).\n")
    else:
        L.append(f"Shuffling off, the first 10 batch losses (each computed before its batch's "
                 f"update) of nnctl, Keras and PyTorch; tolerance {TOL:g} relative.\n")
        L.append("| check | largest relative difference | result |")
        L.append("|---|---|---|")
        for c in agreement["checks"]:
            L.append(f"| {c['title']} | "
                     + (f"{c['max_rel_diff']:.1e}" if c["max_rel_diff"] is not None
                        else c["problem"]) + f" | {'PASS' if c['pass'] else 'FAIL'} |")
        kn = agreement.get("keras_native_adam")
        if kn:
            L.append("")
            L.append(f"For the record, Keras's own Adam (ε added to √v) differs from nnctl by up "
                     f"to {kn['max_rel_diff_vs_nnctl']:.1e} relative in the same 10 batches.")
        L.append("")
    L.append("### Timings (shuffling on)\n")
    L.append("Seconds per epoch: the median of the epochs after the first. Ratio: nnctl's time "
             "divided by the peer's (below 1: nnctl is faster). Final MSE: XOR over the four "
             "points, the autoencoder on the test set.\n")
    L.append("| experiment | system | seconds per epoch | total | final MSE | "
             "ratio per epoch | ratio total |")
    L.append("|---|---|---|---|---|---|---|")
    exp_title = {"xor": f"XOR 2-4-1, SGD 0.5, batch 4, {eps_(a.xor_epochs)}",
                 "ae": f"autoencoder 784-256-64-256-784, SGD 0.2, batch 128, "
                       f"{eps_(a.epochs)}"}
    for exp in ("xor", "ae"):
        for fw in FRAMEWORKS:
            row = t2[exp][fw]
            if row is None:
                L.append(f"| {exp_title[exp]} | {NAMES[fw]} | not run | | | | |")
                continue
            L.append(f"| {exp_title[exp]} | {NAMES[fw]} | {fs(row['seconds_per_epoch'])} | "
                     f"{fs(row['train_seconds'])} | {fl(row['final_mse'])} | "
                     f"{fr(t2[exp]['nnctl'] and t2[exp]['nnctl']['seconds_per_epoch'], row['seconds_per_epoch']) if fw != 'nnctl' else ''} | "
                     f"{fr(t2[exp]['nnctl'] and t2[exp]['nnctl']['train_seconds'], row['train_seconds']) if fw != 'nnctl' else ''} |")
    L.append("")
    L.append("### Time to quality\n")
    L.append(f"Autoencoder 784-256-64-256-784, Adam lr 0.005 (β 0.9/0.999, ε 1e-8), batch 128, "
             f"shuffling on, identical initial weights, at most {eps_(a.quality_epochs)}: "
             f"seconds of training until the test MSE first reaches {QUALITY_MSE} (the study's "
             f"result), and the epoch where it does.\n")
    L.append("| system | time to test MSE ≤ 0.0099 | at epoch | seconds per epoch | "
             f"test MSE after {eps_(a.quality_epochs)} | ratio nnctl/peer |")
    L.append("|---|---|---|---|---|---|")
    for fw in FRAMEWORKS:
        row = ttq[fw]
        if row is None:
            L.append(f"| {NAMES[fw]} | not run | | | | |")
            continue
        q = row["time_to_quality"]
        nq = ttq["nnctl"] and ttq["nnctl"]["time_to_quality"]
        ratio = fr(nq["seconds"], q["seconds"]) if (fw != "nnctl" and q and nq) else ""
        L.append(f"| {NAMES[fw]} | {fs(q['seconds']) if q else 'not reached'} | "
                 f"{q['epoch'] if q else '—'} | {fs(row['seconds_per_epoch'])} | "
                 f"{fl(row['final_test_loss'])} | {ratio} |")
    L.append("")
    L.append("![test MSE against epoch](ae_loss_curves.png)\n")
    L.append("## Machine and versions\n")
    L.append(f"- CPU: {mach['cpu']}, {mach['cores']} cores; threads used: {a.threads}")
    L.append(f"- OS: {mach['os']}")
    for k, v in versions.items():
        if v:
            L.append(f"- {k}: {v}")
    L.append(f"- raw runs: `{runs}/` (each run's JSON or metrics.json/history.csv, and its log)")
    L.append("")

    os.makedirs(a.out, exist_ok=True)
    curves_sgd = {fw: [e["test_loss"] for e in R[f"t2_ae_{fw}"]["epochs"]]
                  if R[f"t2_ae_{fw}"] else None for fw in FRAMEWORKS}
    curves_adam = {fw: [e["test_loss"] for e in R[f"ttq_ae_adam_{fw}"]["epochs"]]
                   if R[f"ttq_ae_adam_{fw}"] else None for fw in FRAMEWORKS}
    png = plot(a.out, runs, curves_sgd, curves_adam)
    results["plot"] = png and os.path.basename(png)
    results["curves"] = {"sgd": curves_sgd, "adam": curves_adam}
    for name, text in (("tables.md", "\n".join(L)),
                       ("results.json", json.dumps(results, indent=1) + "\n")):
        p = os.path.join(a.out, name)
        with open(p + ".tmp", "w") as f:
            f.write(text)
        os.replace(p + ".tmp", p)
    print(f"wrote {a.out}/tables.md, {a.out}/results.json" + (f", {png}" if png else ""))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--runs", required=True)
    s = sub.add_parser("assemble")
    s.add_argument("--runs", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--nnctl", default="build/rel/nnctl")
    s.add_argument("--command", default="scripts/reproduce-report.sh")
    for k in ("threads", "epochs", "xor-epochs", "xor-keras-epochs", "quality-epochs",
              "train-limit", "test-limit", "peers"):
        s.add_argument("--" + k, type=int, default=0)
    a = p.parse_args()
    if a.cmd == "check":
        sys.exit(0 if check(a.runs)["pass"] else 1)
    assemble(a)


if __name__ == "__main__":
    main()
