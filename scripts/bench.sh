#!/usr/bin/env bash
# `make bench`: times the peers' autoencoder epoch (when scripts/peers/.venv exists: PyTorch and
# Keras with SGD; with Adam, PyTorch fp32 and bf16 with fused Adam, Keras fp32 and mixed_bfloat16)
# and then runs nnctl's benchmark, which writes bench/results.json with everything measured in this
# run.
set -euo pipefail
BENCH=${1:-build/rel/bench}
THREADS=${BENCH_THREADS:-2}
EPOCHS=${BENCH_EPOCHS:-10}
peers=()
PY=scripts/peers/.venv/bin/python
# peer FW NAME OUT [runner args...]: one run of scripts/peers/FW_run.py on the autoencoder (4 epochs,
# batch 128, $THREADS threads) into bench/out/OUT.json, its output in bench/out/OUT.log; its
# seconds_per_epoch goes to the bench binary as --peer NAME=S. A failed run is reported, not fatal.
peer() {
    local fw=$1 name=$2 out=$3 s
    shift 3
    if "$PY" "scripts/peers/${fw}_run.py" --experiment ae --epochs 4 --batch 128 "$@" \
        --threads "$THREADS" --mnist-dir "$MNIST_DIR" --out "bench/out/$out.json" >"bench/out/$out.log" 2>&1; then
        s=$(sed -n 's/.*"seconds_per_epoch": *\([0-9.eE+-]*\).*/\1/p' "bench/out/$out.json" | head -1)
        if [ -n "$s" ]; then
            peers+=(--peer "$name=$s")
        else
            echo "bench: no seconds_per_epoch in bench/out/$out.json" >&2
        fi
    else
        echo "bench: the $out peer failed; see bench/out/$out.log" >&2
    fi
}
if [ -x "$PY" ] && [ -f scripts/peers/torch_run.py ]; then
    # SGD 0.2 (the study's run), each framework as it comes: pytorch=, keras=.
    peer torch pytorch torch --optimizer sgd --lr 0.2
    peer keras keras keras --optimizer sgd --lr 0.2
    # Adam 0.005, each framework in the configuration its users would pick, fp32 and bf16, from
    # the initial weights of nnctl's Adam run (configs/mnist_autoencoder.yaml, exported here):
    # PyTorch with torch.optim.Adam(fused=True), in fp32 and under torch.autocast("cpu", bfloat16);
    # Keras with keras.optimizers.Adam, in fp32 and under the mixed_bfloat16 policy. PyTorch also
    # with torch.set_flush_denormal(True): Adam's moments of weights whose gradient stays 0 turn
    # subnormal in epoch 2 and slow its step ~16x without it (2.76 against 0.98 s per epoch here);
    # TensorFlow's threads and nnctl flush them already.
    init=()
    NNCTL=$(dirname "$BENCH")/nnctl
    if [ -x "$NNCTL" ] && "$NNCTL" export --init configs/mnist_autoencoder.yaml \
        --out bench/out/init_ae_adam >bench/out/init_ae_adam.log 2>&1; then
        init=(--init bench/out/init_ae_adam)
    else
        echo "bench: nnctl's initial Adam weights not exported (see bench/out/init_ae_adam.log);" \
            "the Adam peers start from their frameworks' own initializers" >&2
    fi
    adam=(--optimizer adam --lr 0.005 "${init[@]}")
    peer torch pytorch_adam pytorch_adam "${adam[@]}" --fused-adam --flush-denormal --precision float32
    peer torch pytorch_bf16_adam pytorch_bf16_adam "${adam[@]}" --fused-adam --flush-denormal \
        --precision bfloat16
    peer keras keras_adam keras_adam "${adam[@]}" --precision float32
    peer keras keras_bf16_adam keras_bf16_adam "${adam[@]}" --precision bfloat16
else
    echo "bench: peers not installed (scripts/peers/setup.sh); ratio_vs_pytorch/keras will be null" >&2
fi
# The SVM step on the demo's latents (configs/mnist_autoencoder.yaml, 3 epochs, as make demo):
# svm train on 1 thread (libsvm's own loop) and on THREADS (the pairs on threads; the two model
# files must be identical), svm eval's prediction, and scikit-learn's fit and predict when the
# peers are installed.
svm=()
NNCTL=$(dirname "$BENCH")/nnctl
L="$MNIST_DIR/train-labels-idx1-ubyte.gz"
[ -e "$L" ] || L="$MNIST_DIR/train-labels-idx1-ubyte"
LT="$MNIST_DIR/t10k-labels-idx1-ubyte.gz"
[ -e "$LT" ] || LT="$MNIST_DIR/t10k-labels-idx1-ubyte"
IMG=$(ls "$MNIST_DIR"/train-images-idx3-ubyte* | head -1)
IMGT=$(ls "$MNIST_DIR"/t10k-images-idx3-ubyte* | head -1)
if "$NNCTL" train configs/mnist_autoencoder.yaml --out bench/out/svm_ae --overwrite --quiet &&
    "$NNCTL" encode bench/out/svm_ae/model.ckpt --layer latent --input "$IMG" \
        --output bench/out/svm_train.idx >/dev/null &&
    "$NNCTL" encode bench/out/svm_ae/model.ckpt --layer latent --input "$IMGT" \
        --output bench/out/svm_test.idx >/dev/null; then
    fit() { # fit THREADS MODEL: seconds
        "$NNCTL" svm train --features bench/out/svm_train.idx --labels "$L" --C 10 --gamma scale \
            --model "$2" --threads "$1" 2>&1 | sed -n 's/.*trained in \([0-9.]*\) s.*/\1/p'
    }
    fit1=$(fit 1 bench/out/svm_1.model)
    fitn=$(fit "$THREADS" bench/out/svm_n.model)
    same=0
    cmp -s bench/out/svm_1.model bench/out/svm_n.model && same=1
    "$NNCTL" svm eval --model bench/out/svm_n.model --features bench/out/svm_test.idx --labels "$LT" \
        --out bench/out/svm_eval >bench/out/svm_eval.log 2>&1
    pred=$(sed -n 's/.*"predict_seconds": *\([0-9.eE+-]*\).*/\1/p' bench/out/svm_eval/metrics.json)
    acc=$(sed -n 's/.*"accuracy": *\([0-9.eE+-]*\).*/\1/p' bench/out/svm_eval/metrics.json | head -1)
    echo "bench: svm train ${fit1} s on 1 thread, ${fitn} s on $THREADS (models identical: $same);" \
        "predict ${pred} s; accuracy ${acc}"
    svm=(--extra "svm_fit_seconds_1_thread=$fit1" --extra "svm_fit_seconds=$fitn"
         --extra "svm_fit_models_identical=$same" --extra "svm_predict_seconds=$pred"
         --extra "svm_accuracy=$acc")
    if [ -x "$PY" ] && "$PY" scripts/peers/sklearn_svm.py --train-features bench/out/svm_train.idx \
        --train-labels "$L" --test-features bench/out/svm_test.idx --test-labels "$LT" --C 10 \
        --threads "$THREADS" --out bench/out/sklearn_svm.json >bench/out/sklearn_svm.log 2>&1; then
        sf=$(sed -n 's/.*"fit_seconds": *\([0-9.eE+-]*\).*/\1/p' bench/out/sklearn_svm.json)
        sp=$(sed -n 's/.*"predict_seconds": *\([0-9.eE+-]*\).*/\1/p' bench/out/sklearn_svm.json)
        echo "bench: scikit-learn fit ${sf} s, predict ${sp} s ($(tail -1 bench/out/sklearn_svm.log))"
        svm+=(--extra "sklearn_svm_fit_seconds=$sf" --extra "sklearn_svm_predict_seconds=$sp")
    fi
else
    echo "bench: the SVM step was not timed (training or encoding the demo checkpoint failed)" >&2
fi

# Convolutional networks: configs/mnist_lenet.yaml as shipped (10 epochs, its test accuracy per
# epoch in bench/out/lenet/history.csv, its peak memory), then nnctl against PyTorch on the same
# network, batch, optimizer (AdamW 0.002, weight decay 0.01), threads and initial weights (nnctl
# export --init → scripts/peers/torch_cnn.py; nnctl keeps its cosine schedule, which costs nothing),
# every training image, 3 epochs each: the median
# seconds per epoch after the first, side by side.
cnn=()
if /usr/bin/time -f "%M" -o bench/out/lenet.rss "$NNCTL" train configs/mnist_lenet.yaml \
    --out bench/out/lenet --overwrite --threads "$THREADS" --quiet; then
    acc=$(sed -n 's/.*"test_accuracy": *\([0-9.eE+-]*\).*/\1/p' bench/out/lenet/metrics.json)
    rss=$(awk '{ printf "%.1f", $1 / 1024 }' bench/out/lenet.rss)
    echo "bench: configs/mnist_lenet.yaml test accuracy $acc after 10 epochs, peak RSS $rss MB"
    cnn+=(--extra "lenet_test_accuracy=$acc" --extra "lenet_peak_rss_mb=$rss")
fi
same=(--set data.validation.fraction=0)
if "$NNCTL" export --init configs/mnist_lenet.yaml "${same[@]}" --out bench/out/lenet_init >/dev/null &&
    "$NNCTL" train configs/mnist_lenet.yaml "${same[@]}" --set training.epochs=3 \
        --out bench/out/lenet_speed --overwrite --threads "$THREADS" --quiet; then
    s=$(sed -n 's/.*"seconds_per_epoch": *\([0-9.eE+-]*\).*/\1/p' bench/out/lenet_speed/metrics.json)
    cnn+=(--extra "lenet_seconds_per_epoch=$s")
    echo "bench: LeNet epoch (60,000 images, $THREADS threads): nnctl $s s"
    # the same in bfloat16, where this CPU has it (AMX or AVX512-BF16)
    if "$NNCTL" check configs/mnist_lenet.yaml --set training.precision=bfloat16 >/dev/null 2>&1 &&
        "$NNCTL" train configs/mnist_lenet.yaml "${same[@]}" --set training.epochs=3 \
            --set training.precision=bfloat16 --out bench/out/lenet_speed16 --overwrite \
            --threads "$THREADS" --quiet; then
        s16=$(sed -n 's/.*"seconds_per_epoch": *\([0-9.eE+-]*\).*/\1/p' bench/out/lenet_speed16/metrics.json)
        cnn+=(--extra "lenet_bf16_seconds_per_epoch=$s16")
        echo "bench: LeNet epoch in bfloat16: nnctl $s16 s ($(awk -v a="$s16" -v b="$s" 'BEGIN { printf "%.2f", a / b }')x float32's)"
    else
        echo "bench: LeNet in bfloat16 skipped: this CPU has neither AMX-BF16 nor AVX512-BF16"
    fi
    if [ -x "$PY" ] && "$PY" scripts/peers/torch_cnn.py --init bench/out/lenet_init \
        --mnist-dir "$MNIST_DIR" --epochs 3 --batch 128 --optimizer adam --lr 0.002 \
        --weight-decay 0.01 --threads "$THREADS" --out bench/out/lenet_torch.json \
        >bench/out/lenet_torch.log 2>&1; then
        t=$(sed -n 's/.*"seconds_per_epoch": *\([0-9.eE+-]*\).*/\1/p' bench/out/lenet_torch.json)
        echo "bench: LeNet epoch: PyTorch $t s; ratio $(awk -v a="$s" -v b="$t" 'BEGIN { printf "%.3f", a / b }')"
        cnn+=(--extra "lenet_pytorch_seconds_per_epoch=$t"
              --extra "lenet_ratio_vs_pytorch=$(awk -v a="$s" -v b="$t" 'BEGIN { printf "%.4f", a / b }')")
    fi
fi

# OpenBLAS's kernels: time the SGD epoch with each core type this CPU can run, set by hand
# (CORE_EPOCHS short runs), then the fastest one over the full EPOCHS, so that the main run's
# ae_seconds_per_epoch (kernels as nnctl picks them, no variable set) has its reference beside it.
CORE_EPOCHS=${BENCH_CORE_EPOCHS:-4}
times=()
best=""
best_s=""
for core in $(env -u OPENBLAS_CORETYPE "$BENCH" --list-coretypes); do
    s=$(OPENBLAS_CORETYPE=$core "$BENCH" --threads "$THREADS" --epochs "$CORE_EPOCHS" --sgd-only) || continue
    echo "bench: OPENBLAS_CORETYPE=$core  $s s/epoch (SGD, $CORE_EPOCHS epochs)"
    times+=("$core=$s")
    if [ -z "$best" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
        best=$core
        best_s=$s
    fi
done
extra=()
if [ -n "$best" ]; then
    full=$(OPENBLAS_CORETYPE=$best "$BENCH" --threads "$THREADS" --epochs "$EPOCHS" --sgd-only)
    extra=(--best-coretype "$best=$full" --coretype-times "${times[*]}")
fi
env -u OPENBLAS_CORETYPE "$BENCH" --threads "$THREADS" --epochs "$EPOCHS" "${peers[@]}" "${extra[@]}" \
    "${svm[@]}" "${cnn[@]}" \
    --out bench/results.json | tee bench/results.txt
