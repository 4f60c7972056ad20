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
"$BENCH" --threads "$THREADS" --epochs "$EPOCHS" "${peers[@]}" --out bench/results.json | tee bench/results.txt
