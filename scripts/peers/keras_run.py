#!/usr/bin/env python3
"""Keras (TensorFlow backend, CPU) peer of nnctl: trains the report's networks with model.fit.

model.fit drives the training as a Keras user runs it (its own batching and per-epoch shuffling
of in-memory arrays, the last partial batch trained, the step compiled by tf.function, XLA off as
Keras chooses on a CPU-only machine). The model overrides train_step only so that the step returns
the loss of its own batch, computed before the update (Keras's default train_step reports a
running mean over the epoch); the loss is plain MSE, the mean over every element, like nnctl's.
An epoch's seconds run from on_epoch_begin to the end of its last batch; the test MSE after the
epoch is computed outside that time, in the epoch-end callback.

Optimizers: keras.optimizers.SGD (m <- mu*m - lr*g; w <- w + m: the same as PyTorch's/nnctl's
with a constant learning rate) and keras.optimizers.Adam. Keras's Adam adds epsilon to sqrt(v)
and scales the step by lr*sqrt(1-b2^t)/(1-b1^t); PyTorch and nnctl add epsilon to
sqrt(v_hat) = sqrt(v)/sqrt(1-b2^t). The same --eps therefore acts as eps/sqrt(1-b2^t) in PyTorch's
terms (31.6x larger at step 1, tending to eps); it is negligible wherever sqrt(v_hat) >> eps. Every
hyperparameter is passed explicitly (Keras's own Adam epsilon default is 1e-7). --keras-adam pytorch
swaps in a subclass of keras.optimizers.Adam with PyTorch's epsilon placement, so that the fair
table runs the same maths on all three sides.

With --init the Dense layers get nnctl's exported weights (kernels are (in, out) in both); without
it, Keras's defaults (glorot_uniform kernels, zero biases).

--precision bfloat16 is Keras's own mixed precision: keras.mixed_precision.set_global_policy(
"mixed_bfloat16") before the model is built, so every Dense keeps float32 variables, casts its
input and its kernel to bf16 and multiplies, adds the bias and applies its activation in bf16
(TensorFlow's oneDNN kernels, on AMX where the CPU has it). As Keras's mixed-precision guide
recommends, the model's output is float32: the last Dense is built without its activation and is
followed by keras.layers.Activation(<its activation>, dtype="float32"), so the last multiply runs
in bf16 and the sigmoid, the prediction and the MSE run in float32. The gradients, the optimizer
and its state are float32 (no loss scaling: bf16 has fp32's range). The test MSE is computed with
the same model, policy included. The JSON's "dtypes" records the policy, each layer's compute and
variable dtype, and the dtype a Dense's output and the model's output actually have. --fused-adam
is ignored (Keras has no fused Adam) and recorded as false, and so is --flush-denormal
(TensorFlow's threads run with flush-to-zero already).

Usage: keras_run.py --experiment xor|ae|ae_keras_seed --out FILE.json [options]; see --help.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

a = common.parse_args("Keras")
common.set_thread_env(a.threads)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

if a.threads > 0:
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
import keras  # noqa: E402

keras.utils.set_random_seed(a.seed)
keras.config.set_floatx("float32")
BF16 = a.precision == "bfloat16"
if BF16:
    keras.mixed_precision.set_global_policy("mixed_bfloat16")


class Net(keras.Sequential):
    """keras.Sequential whose fit step reports its own batch's loss (before the update)."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            pred = self(x, training=True)
            loss = tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        return {"loss": loss}


class PyTorchEpsAdam(keras.optimizers.Adam):
    """keras.optimizers.Adam with PyTorch's (and nnctl's) placement of epsilon:
    w <- w - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps), the bias corrections in float64.
    The moment updates are Keras's own code path (the same as the parent's)."""

    def update_step(self, gradient, variable, learning_rate):
        from keras import ops
        dt = variable.dtype
        lr = ops.cast(learning_rate, dt)
        gradient = ops.cast(gradient, dt)
        step = ops.cast(self.iterations + 1, "float64")
        bc1 = ops.cast(1 - ops.power(ops.cast(self.beta_1, "float64"), step), dt)
        bc2_sqrt = ops.cast(ops.sqrt(1 - ops.power(ops.cast(self.beta_2, "float64"), step)), dt)
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        denom = ops.add(ops.divide(ops.sqrt(v), bc2_sqrt), self.epsilon)
        self.assign_sub(variable, ops.divide(ops.multiply(m, lr / bc1), denom))


x_np, y_np, xt_np, yt_np = common.load_data(a)
n_in, arch = common.ARCHS[a.experiment]
layers = [keras.Input(shape=(n_in,), dtype="float32")]
for i, (u, act) in enumerate(arch):
    last = i == len(arch) - 1
    layers.append(keras.layers.Dense(u, activation=None if BF16 and last else act, use_bias=True,
                                     kernel_initializer="glorot_uniform",
                                     bias_initializer="zeros"))
    if BF16 and last:  # the guide's float32 output: the activation (and the loss) in float32
        layers.append(keras.layers.Activation(act, dtype="float32"))
model = Net(layers)
if a.init:
    dense = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
    for layer, (w, b) in zip(dense, common.load_init(a.init, a.experiment)):
        layer.set_weights([w, b])

if a.optimizer == "sgd":
    opt = keras.optimizers.SGD(learning_rate=a.lr, momentum=a.momentum, nesterov=False)
else:
    opt = (keras.optimizers.Adam if a.keras_adam == "native" else PyTorchEpsAdam)(learning_rate=a.lr, beta_1=a.beta1, beta_2=a.beta2,
                                epsilon=a.eps, amsgrad=False)
model.compile(optimizer=opt, jit_compile=False, run_eagerly=False, steps_per_execution=1)

N = x_np.shape[0]
sizes = [t - s for s, t in common.batches(N, a.batch)]


@tf.function(reduce_retracing=True)
def _fwd(x):
    return model(x, training=False)


def forward_np(xc):
    return _fwd(tf.constant(xc)).numpy()


def _observed_dtypes():
    """The policy, each layer's compute/variable dtype, and the dtypes of a Dense's output and of
    the model's output on two training images (computed before training, outside the timing)."""
    probe = tf.constant(x_np[:2])
    d = {"policy": keras.mixed_precision.global_policy().name}
    for i, layer in enumerate(model.layers):
        d[f"layer{i}_{layer.name}"] = {"compute": layer.compute_dtype,
                                       "variables": layer.variable_dtype}
    d["dense0_output"] = model.layers[0](probe).dtype.name
    d["model_output"] = model(probe, training=False).dtype.name
    d["weight"] = model.layers[0].kernel.dtype
    return d


dtypes = _observed_dtypes()


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs, self.blosses = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.lsum, self.t_end = 0.0, None
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        lv = float(logs["loss"])
        self.t_end = time.perf_counter()
        self.lsum += lv * sizes[batch]
        if len(self.blosses) < a.batch_losses:
            self.blosses.append(lv)

    def on_epoch_end(self, epoch, logs=None):
        e = epoch + 1
        secs = (self.t_end or time.perf_counter()) - self.t0
        if not np.isfinite(self.lsum):
            sys.exit(f"epoch {e}: the loss became {self.lsum / N}; training stopped")
        row = {"epoch": e, "train_loss": self.lsum / N, "test_loss": None, "seconds": secs}
        if xt_np is not None:
            row["test_loss"] = common.mse(forward_np, xt_np, yt_np)
        self.epochs.append(row)
        common.log_epoch("keras", e, a.epochs, row)


rec = Recorder()
model.fit(x_np, y_np, batch_size=a.batch, epochs=a.epochs, shuffle=not a.no_shuffle,
          verbose=0, callbacks=[rec])

eval_train = common.mse(forward_np, x_np, y_np)
common.finish(a, "keras", keras.__version__,
              {"keras": keras.__version__, "tensorflow": tf.__version__,
               "tf_intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
               "tf_inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
               "tf_onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")},
              N, rec.epochs, rec.blosses, eval_train, dtypes=dtypes, fused_adam=False,
              notes=["model.fit with a train_step returning the batch's own loss; "
                     "jit_compile=False",
                     ("Keras Adam adds epsilon to sqrt(v), not sqrt(v_hat): the same --eps acts "
                      "as eps/sqrt(1-beta2^t) in PyTorch/nnctl terms"
                      if a.keras_adam == "native" else
                      "Adam: keras.optimizers.Adam with epsilon added to sqrt(v_hat) "
                      "(PyTorch's/nnctl's formula)")]
              + (["bf16: keras.mixed_precision policy mixed_bfloat16; the last Dense without "
                  "activation, then Activation(dtype='float32'): sigmoid and MSE in float32"]
                 if BF16 else [])
              + (["--fused-adam ignored: Keras has no fused Adam"] if a.fused_adam else [])
              + (["--flush-denormal ignored: TensorFlow's threads flush subnormals already"]
                 if a.flush_denormal else []))
print(f"wrote {a.out}")
