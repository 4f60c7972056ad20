#!/usr/bin/env python3
"""PyTorch peer of nnctl: trains the report's networks with a manual loop.

The data sit in memory as float32 tensors; a batch is a slice (no shuffling) or an index_select of
a random permutation (shuffling), nnctl's gather. Each step: forward, mse_loss (mean over every
element, like nnctl), zero_grad, backward, optimizer step. The loss recorded for a batch is the one
computed on it before its update. An epoch's seconds cover the shuffle and the batches only; the
test MSE after the epoch is computed outside that time.

Optimizers: torch.optim.SGD (v <- mu*v + g; w <- w - lr*v: nnctl's formula, dampening 0, no
Nesterov, --weight-decay added to the gradient as nnctl does) and torch.optim.Adam (eps added to
sqrt(v_hat): nnctl's formula, no AMSGrad), or torch.optim.AdamW with --weight-decay (nnctl's
decoupled decay); --schedule cosine is PyTorch's LinearLR warmup then CosineAnnealingLR, stepped
once per epoch, each epoch's rate checked against nnctl's closed form; --fused-adam makes it torch.optim.Adam(fused=True), the same formula
with each parameter's m, v and weight updated in one pass of one vectorised kernel (on the CPU,
PyTorch's default is neither fused nor foreach: a loop over the parameters of separate tensor
ops). With --init the Linear layers get nnctl's exported weights (kernels transposed to PyTorch's
(out, in)); without it, PyTorch's own default initialization.

--precision bfloat16 is PyTorch's own mixed precision on the CPU: the forward and the loss run
under torch.autocast("cpu", dtype=torch.bfloat16), so each Linear casts its input and its fp32
weight to bf16 and multiplies in bf16 (oneDNN, on AMX where the CPU has it), the activations run
on the bf16 outputs, and mse_loss, on autocast's fp32 list, upcasts the prediction and computes the
loss in fp32; backward runs outside autocast, as PyTorch's AMP recipe does, and the weights, their
gradients and the optimizer's state stay fp32 (no loss scaling: bf16 has fp32's range). The test
MSE is computed under the same autocast. The JSON's "dtypes" records what the first training batch
produced (each Linear's output, the model's output, the loss, a weight and its gradient).

--flush-denormal calls torch.set_flush_denormal(True) before the first parallel region, so that
the calling thread and the OpenMP threads it then starts flush subnormals to zero (FTZ/DAZ).
PyTorch's default is off; TensorFlow's threads and nnctl flush. It matters to Adam: the first
moment of a weight whose gradient is exactly 0 (a ReLU that never fires) decays by beta1 a step
and is subnormal after about 800 steps, and subnormal operands make the optimizer's kernels many
times slower.

Usage: torch_run.py --experiment xor|ae|ae_keras_seed --out FILE.json [options]; see --help.
"""
import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

a = common.parse_args("PyTorch")
common.set_thread_env(a.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

if a.flush_denormal and not torch.set_flush_denormal(True):
    sys.exit("--flush-denormal: this CPU has no flush-to-zero (torch.set_flush_denormal)")
if a.threads > 0:
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.threads)
torch.manual_seed(a.seed)
gen = torch.Generator().manual_seed(a.seed)

ACT = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}

x_np, y_np, xt_np, yt_np = common.load_data(a)
n_in, arch = common.ARCHS[a.experiment]
mods, linears, prev = [], [], n_in
for units, act in arch:
    lin = torch.nn.Linear(prev, units, bias=True, dtype=torch.float32)
    linears.append(lin)
    mods += [lin, ACT[act]()]
    prev = units
model = torch.nn.Sequential(*mods)
if a.init:
    with torch.no_grad():
        for lin, (w, b) in zip(linears, common.load_init(a.init, a.experiment)):
            lin.weight.copy_(torch.from_numpy(w.T))  # (in, out) -> (out, in)
            lin.bias.copy_(torch.from_numpy(b))
model.train()

params = list(model.parameters())
if a.optimizer == "sgd":
    opt = torch.optim.SGD(params, lr=a.lr, momentum=a.momentum, dampening=0.0,
                          weight_decay=a.weight_decay, nesterov=False)
elif a.weight_decay > 0:  # nnctl's Adam with weight decay is decoupled: PyTorch's AdamW
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(a.beta1, a.beta2), eps=a.eps,
                            weight_decay=a.weight_decay, amsgrad=False,
                            **({"fused": True} if a.fused_adam else {}))
else:
    opt = torch.optim.Adam(params, lr=a.lr, betas=(a.beta1, a.beta2), eps=a.eps,
                           weight_decay=0.0, amsgrad=False,
                           **({"fused": True} if a.fused_adam else {}))
# nnctl's schedules change the rate once per epoch; cosine is PyTorch's own schedulers, stepped
# after each epoch: LinearLR over the warmup, then CosineAnnealingLR down to --min-lr, and the
# rate of every epoch is checked against nnctl's closed form (common.lr_factor).
LR = torch.optim.lr_scheduler
W = a.warmup_epochs
if a.schedule == "cosine":
    cosine = LR.CosineAnnealingLR(opt, T_max=max(a.epochs - W, 1), eta_min=a.min_lr)
    if W >= 2:
        sched = LR.SequentialLR(opt, [LR.LinearLR(opt, start_factor=1 / W, end_factor=1.0,
                                                  total_iters=W - 1), cosine], milestones=[W])
    elif W == 1:
        sched = LR.SequentialLR(opt, [LR.LambdaLR(opt, lambda e: 1.0), cosine], milestones=[1])
    else:
        sched = cosine
else:
    sched = LR.LambdaLR(opt, lambda e: 1.0)


def check_rate(e):
    got, want = opt.param_groups[0]["lr"], a.lr * common.lr_factor(a, e)
    if abs(got - want) > 1e-9 * a.lr:
        sys.exit(f"epoch {e + 1}: PyTorch's scheduler gives lr {got}, nnctl's formula {want}")

BF16 = a.precision == "bfloat16"
# The forward's (and the loss's) precision context; fp32 runs keep the plain path.
amp = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if BF16 else contextlib.nullcontext

# What the first training batch computes in: forward hooks that record once, then remove themselves.
dtypes = {}
hooks = []


def _recorder(key):
    def hook(module, inputs, output):
        dtypes.setdefault(key, str(output.dtype).replace("torch.", ""))
    return hook


for i, lin in enumerate(linears):
    hooks.append(lin.register_forward_hook(_recorder(f"linear{i}_output")))
hooks.append(model.register_forward_hook(_recorder("model_output")))

X, Y = torch.from_numpy(x_np), torch.from_numpy(y_np)
N = X.shape[0]
spans = common.batches(N, a.batch)


def forward_np(xc):
    with torch.no_grad(), amp():
        return model(torch.from_numpy(xc)).float().numpy()


epochs, blosses = [], []
for e in range(1, a.epochs + 1):
    t0 = time.perf_counter()
    check_rate(e - 1)
    perm = None if a.no_shuffle else torch.randperm(N, generator=gen)
    lsum = 0.0
    for s, t in spans:
        if perm is None:
            xb, yb = X[s:t], Y[s:t]
        else:
            idx = perm[s:t]
            xb = X.index_select(0, idx)
            yb = xb if a.experiment != "xor" else Y.index_select(0, idx)
        with amp():
            loss = F.mse_loss(model(xb), yb, reduction="mean")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if hooks:
            for h in hooks:
                h.remove()
            hooks = []
            dtypes.update(loss=str(loss.dtype).replace("torch.", ""),
                          weight=str(linears[0].weight.dtype).replace("torch.", ""),
                          weight_grad=str(linears[0].weight.grad.dtype).replace("torch.", ""))
        lv = loss.item()
        lsum += lv * (t - s)
        if len(blosses) < a.batch_losses:
            blosses.append(lv)
    sched.step()
    secs = time.perf_counter() - t0
    if not np.isfinite(lsum):
        sys.exit(f"epoch {e}: the loss became {lsum / N}; training stopped")
    row = {"epoch": e, "train_loss": lsum / N, "test_loss": None, "seconds": secs}
    if xt_np is not None:
        row["test_loss"] = common.mse(forward_np, xt_np, yt_np)
    epochs.append(row)
    common.log_epoch("torch", e, a.epochs, row)

eval_train = common.mse(forward_np, x_np, y_np)
common.finish(a, "pytorch", torch.__version__,
              {"torch": torch.__version__,
               "torch_blas": "MKL" if torch.backends.mkl.is_available() else "unknown",
               "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
               "torch_threads": torch.get_num_threads(),
               "torch_interop_threads": torch.get_num_interop_threads()},
              N, epochs, blosses, eval_train,
              notes=["manual loop over preloaded tensors; loss F.mse_loss(mean)",
                     "optimizer formulas identical to nnctl's (PyTorch's)"]
              + (["torch.optim.Adam(fused=True)"] if a.fused_adam else [])
              + (["torch.set_flush_denormal(True)"] if a.flush_denormal else [])
              + (["bf16: forward and mse_loss under torch.autocast('cpu', bfloat16), backward "
                  "outside it; fp32 weights, gradients and optimizer state"] if BF16 else []),
              fused_adam=a.fused_adam, dtypes=dtypes, flush_denormal=a.flush_denormal)
print(f"wrote {a.out}")
