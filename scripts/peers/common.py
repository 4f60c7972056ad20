"""Shared helpers of the peer runners (keras_run.py, torch_run.py).

Nothing here imports a framework. numpy is imported lazily, after the thread-count environment
variables are set (set_thread_env), so that every library reads them at load time.

What the runners share:
  - the command line (parse_args) and the networks (ARCHS),
  - the data: XOR's truth table, and MNIST read from IDX files (raw or .gz) scaled exactly as
    nnctl does (float32(u8) * float32(1/255)),
  - the initial weights exported by `nnctl export` (load_init): one .npy per tensor plus
    manifest.json; dense kernels are (in, out), Keras's layout,
  - the result JSON (finish): per-epoch rows, batch losses, totals, time to quality.
"""

import argparse
import gzip
import json
import math
import os
import platform
import statistics
import struct
import sys

# The study's autoencoder quality: its half-MSE of 0.004957 is a plain MSE of about 0.0099.
QUALITY_MSE = 0.0099

# Each experiment: input width and the dense layers (units, activation), in order.
ARCHS = {
    "xor": (2, [(4, "tanh"), (1, "sigmoid")]),
    "ae": (784, [(256, "relu"), (64, "tanh"), (256, "relu"), (784, "sigmoid")]),
    "ae_keras_seed": (784, [(64, "relu"), (784, "sigmoid")]),
}

XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_Y = [[0], [1], [1], [0]]

# nnctl's data.scale default (1/255), applied as a float32 multiply like nnctl's gather.
PIXEL_SCALE = 0.00392156862745098


def parse_args(framework):
    p = argparse.ArgumentParser(
        description=f"Train one of the report's networks with {framework}, as nnctl does "
        "(same layers, plain MSE, same optimizer formulas, last partial batch trained), and "
        "write the timings and losses as JSON.")
    p.add_argument("--experiment", required=True, choices=sorted(ARCHS))
    p.add_argument("--init", metavar="DIR",
                   help="initial weights written by `nnctl export` (manifest.json + .npy); "
                   "default: the framework's own initializer")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=32,
                   help="batch size (larger than the data = one partial batch)")
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (default 0.01 for sgd, 0.001 for adam, as nnctl)")
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--eps", type=float, default=1e-8)
    p.add_argument("--weight-decay", type=float, default=0.0,
                   help="SGD: added to the gradient; Adam: decoupled (AdamW); PyTorch runner only")
    p.add_argument("--schedule", choices=["constant", "cosine"], default="constant",
                   help="the learning rate per epoch, as nnctl's optimizer.schedule (PyTorch only)")
    p.add_argument("--warmup-epochs", type=int, default=0)
    p.add_argument("--min-lr", type=float, default=0.0)
    p.add_argument("--keras-adam", choices=["native", "pytorch"], default="native",
                   help="Keras only: 'native' is keras.optimizers.Adam (epsilon added to sqrt(v)); "
                   "'pytorch' is the same optimizer with epsilon added to sqrt(v_hat), the "
                   "formula of PyTorch and nnctl (for identical maths in the fair table)")
    p.add_argument("--precision", choices=["float32", "bfloat16"], default="float32",
                   help="float32 (default): everything in fp32. bfloat16: mixed precision as the "
                   "framework's users run it, fp32 master weights and optimizer (PyTorch: forward "
                   "and loss under torch.autocast('cpu', dtype=torch.bfloat16); Keras: the "
                   "'mixed_bfloat16' policy, the output activation and the loss in float32)")
    p.add_argument("--fused-adam", action="store_true",
                   help="PyTorch only: torch.optim.Adam(fused=True), one fused kernel for every "
                   "parameter's update (Keras has none: ignored there, recorded as false)")
    p.add_argument("--flush-denormal", action="store_true",
                   help="PyTorch only: torch.set_flush_denormal(True) before any thread starts "
                   "(FTZ/DAZ, as TensorFlow's threads and nnctl have by default); Adam's first "
                   "moment of a weight whose gradient stays 0 decays into subnormals, which "
                   "otherwise slow every optimizer step (Keras: ignored, recorded as false)")
    p.add_argument("--no-shuffle", action="store_true",
                   help="train the samples in file order every epoch")
    p.add_argument("--threads", type=int, default=0,
                   help="intra- and inter-op threads (0: the framework's default)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR", ""),
                   help="directory of the four MNIST IDX files, raw or .gz (default $MNIST_DIR)")
    p.add_argument("--train-limit", type=int, default=0,
                   help="use only the first N training images (0 = all; smoke tests)")
    p.add_argument("--test-limit", type=int, default=0,
                   help="use only the first N test images (0 = all; smoke tests)")
    p.add_argument("--batch-losses", type=int, default=0, metavar="N",
                   help="record the loss of each of the first N training batches, computed "
                   "on the batch before its update")
    p.add_argument("--out", required=True, metavar="FILE.json")
    a = p.parse_args()
    if a.lr is None:
        a.lr = 0.01 if a.optimizer == "sgd" else 0.001
    if a.epochs < 1 or a.batch < 1 or a.threads < 0 or a.batch_losses < 0:
        p.error("--epochs and --batch must be >= 1, --threads and --batch-losses >= 0")
    if a.fused_adam and a.optimizer != "adam":
        p.error("--fused-adam needs --optimizer adam")
    if a.experiment != "xor" and not a.mnist_dir:
        p.error("--mnist-dir (or $MNIST_DIR) is needed for the autoencoders")
    return a


def set_thread_env(threads):
    """Before any numerical library is imported: pin OpenMP/BLAS pools to `threads`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's start-up banners
    if threads > 0:
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
            os.environ[k] = str(threads)


def _open_idx(directory, name):
    for cand in (name, name + ".gz"):
        path = os.path.join(directory, cand)
        if os.path.exists(path):
            return path
    sys.exit(f"{os.path.join(directory, name)}[.gz]: no such file")


def read_idx(path):
    """An IDX file (raw or gzip) as a numpy array of its stored type."""
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        sys.exit(f"{path}: field 'magic': not an IDX file")
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in types:
        sys.exit(f"{path}: field 'type': unknown IDX type 0x{data[2]:02x}")
    nd = data[3]
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    dt = np.dtype(types[data[2]])
    count = 1
    for d in dims:
        count *= d
    off = 4 + 4 * nd
    if len(data) != off + count * dt.itemsize:
        sys.exit(f"{path}: size {len(data)} does not match dims {list(dims)}")
    return np.frombuffer(data, dtype=dt, count=count, offset=off).reshape(dims)


def load_data(a):
    """(x_train, y_train, x_test, y_test) as float32 C-contiguous arrays, flat per sample."""
    import numpy as np
    if a.experiment == "xor":
        x = np.array(XOR_X, dtype=np.float32)
        y = np.array(XOR_Y, dtype=np.float32)
        return x, y, None, None
    out = []
    for name, limit in (("train-images-idx3-ubyte", a.train_limit),
                        ("t10k-images-idx3-ubyte", a.test_limit)):
        u8 = read_idx(_open_idx(a.mnist_dir, name))
        if limit > 0:
            u8 = u8[:limit]
        x = np.ascontiguousarray(u8.reshape(u8.shape[0], -1).astype(np.float32)
                                 * np.float32(PIXEL_SCALE))
        out.append(x)
    return out[0], out[0], out[1], out[1]  # an autoencoder's target is its input


def load_init(directory, experiment):
    """The dense layers' (kernel (in, out), bias (out,)) in manifest order, checked against the
    experiment's network."""
    import numpy as np
    path = os.path.join(directory, "manifest.json")
    try:
        with open(path) as f:
            man = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: {e}")
    files = {t["name"]: t for t in man.get("tensors", [])}
    dense = [l for l in man.get("layers", []) if l.get("type") == "dense"]
    n_in, layers = ARCHS[experiment]
    if len(dense) != len(layers):
        sys.exit(f"{path}: {len(dense)} dense layers, the '{experiment}' network has "
                 f"{len(layers)}")
    weights = []
    prev = n_in
    for l, (units, act) in zip(dense, layers):
        pair = []
        for suffix, shape in (("weight", (prev, units)), ("bias", (units,))):
            tname = f"{l['name']}.{suffix}"
            if tname not in files:
                sys.exit(f"{path}: tensor '{tname}' is not listed")
            fpath = os.path.join(directory, files[tname].get("file", tname + ".npy"))
            arr = np.load(fpath, allow_pickle=False)
            if arr.dtype != np.float32 or arr.shape != shape:
                sys.exit(f"{fpath}: {arr.dtype} {arr.shape}, expected float32 {shape}")
            pair.append(np.ascontiguousarray(arr))
        if l.get("activation", act) != act:
            sys.exit(f"{path}: layer '{l['name']}' has activation '{l.get('activation')}', "
                     f"the '{experiment}' network has '{act}' there")
        weights.append(tuple(pair))
        prev = units
    return weights


def write_init(directory, experiment, seed=0):
    """Random weights in `nnctl export`'s format (for testing the runners without nnctl)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)
    n_in, layers = ARCHS[experiment]
    man = {"layers": [], "tensors": []}
    prev = n_in
    for i, (units, act) in enumerate(layers):
        name = f"dense_{i}"
        lim = (6.0 / (prev + units)) ** 0.5
        w = rng.uniform(-lim, lim, (prev, units)).astype(np.float32)
        b = np.zeros(units, np.float32)
        man["layers"].append({"name": name, "type": "dense", "units": units,
                              "activation": act, "in": prev})
        for suffix, arr in (("weight", w), ("bias", b)):
            fn = f"{name}.{suffix}.npy"
            np.save(os.path.join(directory, fn), arr)
            man["tensors"].append({"name": f"{name}.{suffix}", "file": fn,
                                   "shape": list(arr.shape)})
        prev = units
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)


def batches(n, batch):
    """(start, stop) of each batch of an epoch; the last partial batch is trained."""
    return [(s, min(s + batch, n)) for s in range(0, n, batch)]


def finish(a, framework, version, versions, n_train, epochs, batch_losses, eval_train_loss,
           notes=(), fused_adam=False, dtypes=None, flush_denormal=False):
    """Write the result JSON. epochs: list of dicts {epoch, train_loss, test_loss, seconds};
    eval_train_loss: MSE over the training set after training (outside the timed loop);
    fused_adam: whether the Adam that ran was a fused one; flush_denormal: whether the runner set
    flush-to-zero itself (torch.set_flush_denormal); dtypes: the dtypes observed in the run
    (the proof that --precision bfloat16 computed in bf16)."""
    import numpy as np
    secs = [e["seconds"] for e in epochs]
    after_first = secs[1:] if len(secs) > 1 else secs
    total = sum(secs)
    ttq, acc = None, 0.0
    for e in epochs:
        acc += e["seconds"]
        if e.get("test_loss") is not None and e["test_loss"] <= QUALITY_MSE:
            ttq = {"seconds": acc, "epoch": e["epoch"]}
            break
    final_test = epochs[-1].get("test_loss")
    res = {
        "framework": framework,
        "version": version,
        "versions": dict(versions, python=platform.python_version(), numpy=np.__version__),
        "experiment": a.experiment,
        "network": [ARCHS[a.experiment][0]] + [u for u, _ in ARCHS[a.experiment][1]],
        "activations": [act for _, act in ARCHS[a.experiment][1]],
        "loss": "mse (mean over every element)",
        "optimizer": {"type": a.optimizer, "learning_rate": a.lr, "momentum": a.momentum,
                      "beta1": a.beta1, "beta2": a.beta2, "epsilon": a.eps,
                      "adam_formula": ("keras native: eps added to sqrt(v)"
                                       if framework == "keras" and a.keras_adam == "native"
                                       else "pytorch: eps added to sqrt(v_hat)")
                      if a.optimizer == "adam" else None},
        "precision": a.precision,
        "fused_adam": bool(fused_adam),
        "flush_denormal": bool(flush_denormal),
        "dtypes": dtypes or {},
        "batch_size": a.batch,
        "shuffle": not a.no_shuffle,
        "seed": a.seed,
        "threads": a.threads,
        "init": os.path.abspath(a.init) if a.init else f"{framework} default",
        "train_samples": n_train,
        "epochs": epochs,
        "batch_losses": batch_losses,
        "train_seconds": total,
        "seconds_per_epoch": statistics.median(after_first),
        "final_train_loss": epochs[-1]["train_loss"],
        "eval_train_loss": eval_train_loss,
        "final_test_loss": final_test,
        "quality_mse": QUALITY_MSE,
        "time_to_quality": ttq,
        "notes": list(notes),
    }
    tmp = a.out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.out)


def log_epoch(framework, e, n_epochs, row):
    every = max(1, n_epochs // 10) if n_epochs > 20 else 1
    if e % every and e != 1 and e != n_epochs:
        return
    test = f"  test {row['test_loss']:.6f}" if row.get("test_loss") is not None else ""
    print(f"{framework} epoch {e}/{n_epochs}  loss {row['train_loss']:.6f}{test}  "
          f"{row['seconds']:.3f}s", flush=True)


def mse(forward, x, y, chunk=10000):
    """Mean over every element of (forward(x) - y)^2, in chunks, accumulated in float64.
    forward maps a float32 numpy chunk to a numpy array of outputs."""
    import numpy as np
    total = 0.0
    for s in range(0, x.shape[0], chunk):
        d = forward(x[s:s + chunk]).astype(np.float64) - y[s:s + chunk]
        total += float(np.square(d).sum())
    return total / y.size


def lr_factor(a, e):
    """nnctl's learning-rate schedule (optimizer.schedule) as a multiplier of --lr for epoch e
    (0-based) of a.epochs: constant 1; cosine a linear warmup over --warmup-epochs, then a half
    cosine down to --min-lr at the end of the last epoch."""
    if a.schedule == "constant":
        return 1.0
    w = a.warmup_epochs
    if e < w:
        return (e + 1) / w
    t = max(a.epochs - w, 1)
    m = a.min_lr / a.lr
    return m + (1 - m) * 0.5 * (1 + math.cos(math.pi * (e - w) / t))
