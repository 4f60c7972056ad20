#!/usr/bin/env bash
# `make demo`: the study's experiments, end to end, with nnctl.
set -euo pipefail
NNCTL=${1:-build/rel/nnctl}
OUT=${DEMO_OUT:-runs/demo}
mkdir -p "$OUT"

echo "== XOR, as in the study: 2-4-1 tanh/sigmoid, MSE, SGD lr 0.5, full batch, 10,000 epochs"
"$NNCTL" train configs/xor.yaml --out "$OUT/xor" --log-every 2000
echo
printf "%-12s %-7s %-22s %s\n" "input" "target" "predicted probability" "rounded"
"$NNCTL" predict "$OUT/xor/model.ckpt" --input "0 0; 0 1; 1 0; 1 1" |
    paste -d' ' <(printf "0 0 0\n0 1 1\n1 0 1\n1 1 0\n") - |
    awk '{ printf "(%s, %s)       %-7s %-22.4f %d\n", $1, $2, $3, $4, ($4 >= 0.5) }'
