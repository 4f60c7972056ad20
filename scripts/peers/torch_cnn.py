#!/usr/bin/env python3
"""PyTorch peer of nnctl for convolutional networks: builds the network that `nnctl export`
describes in manifest.json (conv2d, maxpool2d, avgpool2d, global_avgpool, batchnorm, flatten,
dense, dropout, activations), loads its initial weights, and trains it on MNIST's labels with categorical
cross-entropy, as nnctl does.

Layouts: nnctl stores images channels last, [height, width, channels], and conv2d kernels as
(kernel_h, kernel_w, in_channels, filters); PyTorch's conv2d is channels first with
(filters, in_channels, kernel_h, kernel_w) kernels. The kernels are transposed, the images go in
as (N, 1, 28, 28), and flatten permutes back to channels last before flattening so that the dense
layer after it sees nnctl's order (its kernel is then only transposed, (in, out) → (out, in)).
nnctl's 'same' padding (the extra row below and right, as Keras) is an explicit F.pad.

The loss recorded for a batch is the one computed before that batch's update (as nnctl's
--batch-losses). Optimizers: torch.optim.SGD (momentum, weight_decay added to the gradient),
torch.optim.Adam, or torch.optim.AdamW when --weight-decay > 0 with --optimizer adam (nnctl's
decoupled decay).

Usage: torch_cnn.py --init DIR --mnist-dir DIR --out FILE.json [--epochs N] [--batch N]
       [--optimizer sgd|adam] [--lr X] [--weight-decay X] [--momentum X] [--train-limit N]
       [--no-shuffle] [--batch-losses N] [--threads N] [--seed N]
"""
import argparse
import gzip
import json
import os
import sys
import time

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--init", required=True, metavar="DIR")
p.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR", "data/mnist"))
p.add_argument("--out", required=True)
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--optimizer", choices=["sgd", "adam"], default="adam")
p.add_argument("--lr", type=float, default=0.001)
p.add_argument("--momentum", type=float, default=0.0)
p.add_argument("--weight-decay", type=float, default=0.0)
p.add_argument("--train-limit", type=int, default=0)
p.add_argument("--no-shuffle", action="store_true")
p.add_argument("--batch-losses", type=int, default=0)
p.add_argument("--threads", type=int, default=0)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
if a.threads > 0:
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[v] = str(a.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

if a.threads > 0:
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
torch.manual_seed(a.seed)
gen = torch.Generator().manual_seed(a.seed)


def idx(name):
    for cand in (name, name + ".gz"):
        path = os.path.join(a.mnist_dir, cand)
        if os.path.exists(path):
            data = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
            nd = data[3]
            dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
            return np.frombuffer(data, np.uint8, offset=4 + 4 * nd).reshape(dims)
    sys.exit(f"{name}: not found in {a.mnist_dir}")


with open(os.path.join(a.init, "manifest.json")) as f:
    man = json.load(f)
tensors = {t["name"]: np.load(os.path.join(a.init, t["file"])) for t in man["tensors"]}
ACT = {"identity": None, "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
       "softmax": None}  # a final softmax is fused into the cross-entropy, as in nnctl


def pads(lay, k, s, d):
    """(left, right, top, bottom) zero padding of nnctl's padding word for this layer."""
    word = str(lay["padding"])
    h, w = lay["in_shape"][0], lay["in_shape"][1]
    if word == "valid":
        return (0, 0, 0, 0)
    if word != "same":
        n = int(word)
        return (n, n, n, n)
    oh, ow = lay["out_shape"][0], lay["out_shape"][1]
    th = max((oh - 1) * s + (k - 1) * d + 1 - h, 0)
    tw = max((ow - 1) * s + (k - 1) * d + 1 - w, 0)
    return (tw // 2, tw - tw // 2, th // 2, th - th // 2)


params, steps, running = [], [], {}
for lay in man["layers"]:
    t = lay["type"]
    if t == "conv2d":
        w = torch.nn.Parameter(torch.from_numpy(
            np.ascontiguousarray(tensors[lay["name"] + ".weight"].transpose(3, 2, 0, 1))))
        b = (torch.nn.Parameter(torch.from_numpy(tensors[lay["name"] + ".bias"].copy()))
             if lay["bias"] else None)
        params += [w] + ([b] if b is not None else [])
        k, s, d = lay["kernel_size"], lay["stride"], lay["dilation"]
        pd, act = pads(lay, k, s, d), ACT[lay["activation"]]

        def conv(x, w=w, b=b, s=s, d=d, pd=pd, act=act):
            y = F.conv2d(F.pad(x, pd) if any(pd) else x, w, b, stride=s, dilation=d)
            return act(y) if act else y
        steps.append(conv)
    elif t in ("maxpool2d", "avgpool2d"):
        if str(lay["padding"]) != "valid":
            sys.exit(f"layer {lay['name']}: the peer runner pools with padding valid only")
        k = lay["pool_size"]
        s = lay["stride"] or k
        steps.append((lambda x, k=k, s=s: F.max_pool2d(x, k, s)) if t == "maxpool2d"
                     else (lambda x, k=k, s=s: F.avg_pool2d(x, k, s)))
    elif t == "global_avgpool":
        steps.append(lambda x: x.mean(dim=(2, 3)))
    elif t == "flatten":
        steps.append(lambda x: x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4
                     else x.reshape(x.shape[0], -1))
    elif t == "dense":
        w = torch.nn.Parameter(torch.from_numpy(
            np.ascontiguousarray(tensors[lay["name"] + ".weight"].T)))
        b = torch.nn.Parameter(torch.from_numpy(tensors[lay["name"] + ".bias"].copy()))
        params += [w, b]
        act = ACT[lay["activation"]]
        steps.append(lambda x, w=w, b=b, act=act: act(F.linear(x, w, b)) if act
                     else F.linear(x, w, b))
    elif t == "batchnorm":
        g = torch.nn.Parameter(torch.from_numpy(tensors[lay["name"] + ".gamma"].copy()))
        be = torch.nn.Parameter(torch.from_numpy(tensors[lay["name"] + ".beta"].copy()))
        rm = torch.from_numpy(tensors[lay["name"] + ".running_mean"].copy())
        rv = torch.from_numpy(tensors[lay["name"] + ".running_var"].copy())
        params += [g, be]
        running[lay["name"]] = (rm, rv)
        # nnctl's momentum m keeps m of the running value: PyTorch's momentum is 1 - m
        steps.append(lambda x, g=g, be=be, rm=rm, rv=rv, m=lay["momentum"], e=lay["epsilon"]:
                     F.batch_norm(x, rm, rv, g, be, training=True, momentum=1 - m, eps=e))
    elif t == "dropout":
        steps.append(lambda x, r=lay["rate"]: F.dropout(x, r, training=True) if r > 0 else x)
    elif t in ("relu", "tanh", "sigmoid"):
        steps.append(ACT[t])
    elif t in ("identity", "softmax", "reshape"):
        continue
    else:
        sys.exit(f"layer {lay['name']}: type {t} is not supported by the peer runner")


def model(x):
    for f in steps:
        x = f(x)
    return x


if a.optimizer == "sgd":
    opt = torch.optim.SGD(params, lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
elif a.weight_decay > 0:
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay)
else:
    opt = torch.optim.Adam(params, lr=a.lr)

X = idx("train-images-idx3-ubyte").astype(np.float32) / 255
Y = idx("train-labels-idx1-ubyte").astype(np.int64)
if a.train_limit:
    X, Y = X[:a.train_limit], Y[:a.train_limit]
X, Y = torch.from_numpy(X).unsqueeze(1), torch.from_numpy(Y)
N = len(X)
blosses, epochs = [], []
for e in range(1, a.epochs + 1):
    t0 = time.perf_counter()
    perm = torch.arange(N) if a.no_shuffle else torch.randperm(N, generator=gen)
    lsum = 0.0
    for s in range(0, N, a.batch):
        i = perm[s:s + a.batch]
        loss = F.cross_entropy(model(X[i]), Y[i])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        lv = loss.item()
        lsum += lv * len(i)
        if len(blosses) < a.batch_losses:
            blosses.append(lv)
    secs = time.perf_counter() - t0
    epochs.append({"epoch": e, "train_loss": lsum / N, "test_loss": None, "seconds": secs})
    print(f"torch epoch {e}/{a.epochs}  loss {lsum / N:.6f}  {secs:.3f}s", flush=True)
after = [r["seconds"] for r in epochs[1:]] or [epochs[0]["seconds"]]
res = {"framework": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
       "experiment": "cnn from " + a.init, "epochs": epochs, "batch_losses": blosses,
       "seconds_per_epoch": sorted(after)[len(after) // 2],
       "train_seconds": sum(r["seconds"] for r in epochs),
       "final_train_loss": epochs[-1]["train_loss"],
       "notes": ["F.conv2d on channels-first tensors (oneDNN on the CPU), F.cross_entropy"],
       "batchnorm_running": {k: {"mean": v[0].tolist(), "var": v[1].tolist()}
                             for k, v in running.items()}}
with open(a.out, "w") as f:
    json.dump(res, f, indent=1)
print(f"wrote {a.out}")
