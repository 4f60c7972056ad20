#!/usr/bin/env bash
# `make bench`: times the peers' autoencoder epoch (when scripts/peers/.venv exists) and then runs
# nnctl's benchmark, which writes bench/results.json with everything measured in this run.
set -euo pipefail
BENCH=${1:-build/rel/bench}
THREADS=${BENCH_THREADS:-2}
EPOCHS=${BENCH_EPOCHS:-10}
peers=()
PY=scripts/peers/.venv/bin/python
if [ -x "$PY" ] && [ -f scripts/peers/torch_run.py ]; then
    for fw in torch keras; do
        name=$([ $fw = torch ] && echo pytorch || echo keras)
        if "$PY" "scripts/peers/${fw}_run.py" --experiment ae --epochs 4 --batch 128 --optimizer sgd --lr 0.2 \
            --threads "$THREADS" --mnist-dir "$MNIST_DIR" --out "bench/out/$fw.json" >"bench/out/$fw.log" 2>&1; then
            s=$(sed -n 's/.*"seconds_per_epoch": *\([0-9.eE+-]*\).*/\1/p' "bench/out/$fw.json" | head -1)
            [ -n "$s" ] && peers+=(--peer "$name=$s")
        else
            echo "bench: the $fw peer failed; see bench/out/$fw.log" >&2
        fi
    done
else
    echo "bench: peers not installed (scripts/peers/setup.sh); ratio_vs_pytorch/keras will be null" >&2
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
    --out bench/results.json | tee bench/results.txt
