#!/usr/bin/env bash
# `make demo`: the study's experiments, end to end, with nnctl.
set -euo pipefail
NNCTL=${1:-build/rel/nnctl}
OUT=${DEMO_OUT:-runs/demo}
mkdir -p "$OUT"

echo "== XOR, as in the study: 2-4-1 tanh/sigmoid, MSE, SGD lr 0.5, full batch, 10,000 epochs"
"$NNCTL" train configs/xor.yaml --out "$OUT/xor" --log-every 2000 --overwrite
echo
printf "%-12s %-7s %-22s %s\n" "input" "target" "predicted probability" "rounded"
"$NNCTL" predict "$OUT/xor/model.ckpt" --input "0 0; 0 1; 1 0; 1 1" |
    paste -d' ' <(printf "0 0 0\n0 1 1\n1 0 1\n1 1 0\n") - |
    awk '{ printf "(%s, %s)       %-7s %-22.4f %d\n", $1, $2, $3, $4, ($4 >= 0.5) }'

if [ -z "${MNIST_DIR:-}" ]; then
    echo; echo "MNIST_DIR is not set: skipping the MNIST autoencoder and SVM (see scripts/fetch-mnist.sh)"
    exit 0
fi
echo
echo "== MNIST: integrity of the data"
"$NNCTL" data check --json "$OUT/mnist_check.json" | tail -4
echo
echo "== MNIST autoencoder 784-256-64-256-784, MSE, Adam (configs/mnist_autoencoder.yaml)"
"$NNCTL" train configs/mnist_autoencoder.yaml --out "$OUT/autoencoder" --overwrite
"$NNCTL" reconstruct "$OUT/autoencoder/model.ckpt" --count 10 --seed 1 --out "$OUT/autoencoder/reconstructions.png"
scripts/plot-loss.sh "$OUT/autoencoder/history.csv" "$OUT/autoencoder/loss.png" "MNIST autoencoder (nnctl, Adam)"
echo
echo "== SVM (RBF, C=10, gamma=scale) on the 64-number latent vectors"
NNCTL="$NNCTL" scripts/classify.sh "$OUT/autoencoder/model.ckpt" "$OUT/svm"
echo
echo "Pictures: $OUT/autoencoder/reconstructions.png, $OUT/autoencoder/loss.png, $OUT/svm/confusion.png"
