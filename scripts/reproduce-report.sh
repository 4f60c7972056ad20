#!/usr/bin/env bash
# The report: the study's comparison of nnctl with Keras (and PyTorch), measured on this machine.
#
#   scripts/reproduce-report.sh [--epochs N] [--xor-epochs N] [--quality-epochs N] [--threads N]
#                               [--skip-peers] [--out DIR] [--train-limit N --test-limit N]
#                               [--agreement-only]
#
# Builds build/rel/nnctl, runs every experiment and writes DIR (default report/): tables.md,
# results.json, ae_loss_curves.png, and runs/ (every run's raw output and log).
#
#   Table 1, "as in the study": each side's own configuration, as the study ran it.
#     XOR: nnctl 2-4-1 SGD 0.5, full batch, 10,000 epochs; Keras 2-4-1 SGD 0.3, batch 1, 5,000.
#     Autoencoder: nnctl 784-256-64-256-784 SGD 0.2 batch 128; Keras 784-64-784 SGD 0.2 batch 128;
#     500 epochs each (--epochs N overrides). Losses are plain MSE (the study's own library
#     reported half of it).
#   Table 2, "fair": the same network, loss, optimizer, batch, epochs, threads and initial weights
#     (exported by `nnctl export --init`) in nnctl, Keras and PyTorch. First the agreement check:
#     shuffling off, the first 10 batch losses of the three must agree to 1e-4 relative (XOR SGD,
#     autoencoder SGD, autoencoder Adam); a failure stops the script with exit status 1. Then the
#     timings with shuffling on: XOR (xor.yaml: SGD 0.5, full batch) and the autoencoder (SGD 0.2,
#     batch 128, the --epochs of table 1: nnctl's column is table 1's run, the same config), and
#     the time to quality: seconds of training until the test MSE is <= 0.0099, autoencoder with
#     Adam lr 0.005 (configs/mnist_autoencoder.yaml), up to --quality-epochs (default 10) epochs.
#
# --xor-epochs N sets every XOR run to N epochs (default: 10,000 for nnctl and table 2, 5,000 for
# table 1's Keras). --threads N (default: all cores) goes to nnctl's --threads and to the peers'
# intra-/inter-op thread counts. --skip-peers, or a missing scripts/peers/.venv, produces nnctl's
# columns alone. --train-limit/--test-limit use the first N MNIST images (smoke tests only; the
# report says so). MNIST is found through MNIST_DIR (default data/mnist: `make mnist` fetches it).
# The agreement check also compares the training controls with PyTorch alone (SGD with weight
# decay and AdamW under a cosine schedule on XOR, AdamW on the autoencoder); --agreement-only
# runs the check and stops.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { sed -n '4,7p' "$0" | sed 's/^# \{0,3\}//' >&2; exit 2; }
epochs=500 xor_epochs="" quality_epochs=10 threads="" skip_peers=0 out=report agreement_only=0
train_limit=0 test_limit=0
cmdline="scripts/reproduce-report.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case "$1" in
        --epochs) epochs=${2:?}; shift 2 ;;
        --xor-epochs) xor_epochs=${2:?}; shift 2 ;;
        --quality-epochs) quality_epochs=${2:?}; shift 2 ;;
        --threads) threads=${2:?}; shift 2 ;;
        --skip-peers) skip_peers=1; shift ;;
        --agreement-only) agreement_only=1; shift ;;
        --out) out=${2:?}; shift 2 ;;
        --train-limit) train_limit=${2:?}; shift 2 ;;
        --test-limit) test_limit=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "reproduce-report: unknown option '$1'" >&2; usage ;;
    esac
done
for v in epochs quality_epochs train_limit test_limit ${xor_epochs:+xor_epochs} ${threads:+threads}; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "reproduce-report: --${v//_/-} needs a number" >&2; exit 2; }
done
[ "$epochs" -ge 1 ] && [ "$quality_epochs" -ge 1 ] || { echo "reproduce-report: epochs must be >= 1" >&2; exit 2; }
threads=${threads:-$(nproc)}
xor_nnctl=${xor_epochs:-10000}
xor_keras_study=${xor_epochs:-5000}
export MNIST_DIR=${MNIST_DIR:-$(pwd)/data/mnist}

echo "== building nnctl"
make --no-print-directory build/rel/nnctl
NNCTL=build/rel/nnctl
$NNCTL data check --dir "$MNIST_DIR" >/dev/null ||
    { echo "reproduce-report: MNIST is not usable in $MNIST_DIR (set MNIST_DIR; scripts/fetch-mnist.sh DIR downloads it)" >&2; exit 1; }

PY=scripts/peers/.venv/bin/python
peers=1
if [ $skip_peers = 1 ]; then
    peers=0
    echo "== --skip-peers: nnctl's columns only"
elif ! [ -x $PY ] || ! $PY -c 'import tensorflow, keras, torch, numpy' >/dev/null 2>&1; then
    peers=0
    echo "== the peers (Keras, PyTorch) are not installed: producing nnctl's columns only." >&2
    echo "   Install them with scripts/peers/setup.sh (creates scripts/peers/.venv from" >&2
    echo "   scripts/peers/requirements.txt; needs python3 with venv: apt-get install python3-venv)," >&2
    echo "   then run this script again." >&2
fi
# The table assembler is plain Python (standard library only): the venv's, else the system's.
ASM=$PY
[ -x $ASM ] || ASM=$(command -v python3 || true)
[ -n "$ASM" ] || { echo "reproduce-report: python3 is needed to write the tables (apt-get install python3)" >&2; exit 1; }

runs="$out/runs"
rm -rf "$runs"
mkdir -p "$runs"
# How busy the CPUs are before we start (other work disturbs every timing): two samples of
# /proc/stat one second apart; report.py measures again at the end.
cpu_busy() {
    local a b
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
cpu_busy > "$runs/cpu_busy_start" 2>/dev/null || rm -f "$runs/cpu_busy_start"
limits=()
peer_limits=()
if [ "$train_limit" -gt 0 ] || [ "$test_limit" -gt 0 ]; then
    limits=(--set "data.train_limit=$train_limit" --set "data.test_limit=$test_limit")
    peer_limits=(--train-limit "$train_limit" --test-limit "$test_limit")
fi

# nn NAME CONFIG [nnctl train args...]: one nnctl run into $runs/NAME/, its log beside it.
nn() {
    local name=$1 cfg=$2; shift 2
    echo "-- nnctl  $name"
    $NNCTL train "$cfg" --out "$runs/$name" --threads "$threads" --log-every 100 "$@" \
        > "$runs/$name.log" 2>&1 || { tail -5 "$runs/$name.log" >&2; exit 1; }
}
# peer keras|torch NAME [runner args...]: one peer run into $runs/NAME.json.
peer() {
    local fw=$1 name=$2; shift 2
    echo "-- $fw  $name"
    $PY scripts/peers/${fw}_run.py --threads "$threads" --mnist-dir "$MNIST_DIR" \
        --out "$runs/$name.json" "$@" > "$runs/$name.log" 2>&1 ||
        { tail -5 "$runs/$name.log" >&2; exit 1; }
}

sgd_ae=(--optimizer sgd --lr 0.2 --momentum 0 --batch 128)
adam_ae=(--optimizer adam --lr 0.005 --beta1 0.9 --beta2 0.999 --eps 1e-8 --batch 128)
sgd_xor=(--optimizer sgd --lr 0.5 --momentum 0 --batch 4)

if [ $peers = 1 ]; then
    echo "== table 2, agreement check: identical initial weights, shuffling off, first 10 batch losses"
    $NNCTL export --init configs/xor.yaml --out "$runs/init_xor" >/dev/null
    $NNCTL export --init configs/mnist_autoencoder_seed.yaml --out "$runs/init_ae_sgd" >/dev/null
    $NNCTL export --init configs/mnist_autoencoder.yaml --out "$runs/init_ae_adam" >/dev/null
    # XOR is one batch per epoch: nnctl's 10 first batch losses are its first 10 epochs' losses.
    nn agree_xor_nnctl configs/xor.yaml --set training.epochs=10 --set training.shuffle=false
    agree_ae=(--set training.epochs=1 --set training.shuffle=false --set data.train_limit=1280
              --set data.test_limit=1000 --set training.checkpoint_every=0)
    nn agree_ae_sgd_nnctl configs/mnist_autoencoder_seed.yaml "${agree_ae[@]}" \
        --batch-losses "$runs/agree_ae_sgd_nnctl/batch_losses.txt"
    nn agree_ae_adam_nnctl configs/mnist_autoencoder.yaml "${agree_ae[@]}" \
        --batch-losses "$runs/agree_ae_adam_nnctl/batch_losses.txt"
    for fw in keras torch; do
        common=(--no-shuffle --batch-losses 10 --seed 1)
        peer $fw agree_xor_$fw --experiment xor --init "$runs/init_xor" "${sgd_xor[@]}" \
            --epochs 10 "${common[@]}"
        peer $fw agree_ae_sgd_$fw --experiment ae --init "$runs/init_ae_sgd" "${sgd_ae[@]}" \
            --epochs 1 --train-limit 1280 --test-limit 1000 "${common[@]}"
        peer $fw agree_ae_adam_$fw --experiment ae --init "$runs/init_ae_adam" "${adam_ae[@]}" \
            --keras-adam pytorch --epochs 1 --train-limit 1280 --test-limit 1000 "${common[@]}"
    done
    # The training controls against PyTorch: SGD with weight decay and AdamW under a cosine
    # schedule (XOR, one batch per epoch, so the 10 losses span 10 rates), AdamW on the
    # autoencoder's first 10 batches.
    wd_cos=(--set optimizer.momentum=0.9 --set optimizer.weight_decay=0.01
            --set optimizer.schedule.type=cosine --set optimizer.schedule.warmup_epochs=2
            --set optimizer.schedule.min_lr=0.05)
    nn agree_xor_wd_cos_nnctl configs/xor.yaml --set training.epochs=10         --set training.shuffle=false "${wd_cos[@]}"
    adamw_cos=(--set optimizer.type=adam --set optimizer.learning_rate=0.05
               --set optimizer.weight_decay=0.1 --set optimizer.schedule.type=cosine
               --set optimizer.schedule.warmup_epochs=3 --set optimizer.schedule.min_lr=0.005)
    nn agree_xor_adamw_cos_nnctl configs/xor.yaml --set training.epochs=10         --set training.shuffle=false "${adamw_cos[@]}"
    nn agree_ae_adamw_nnctl configs/mnist_autoencoder.yaml "${agree_ae[@]}"         --set optimizer.weight_decay=0.05 --batch-losses "$runs/agree_ae_adamw_nnctl/batch_losses.txt"
    common=(--no-shuffle --batch-losses 10 --seed 1)
    peer torch agree_xor_wd_cos_torch --experiment xor --init "$runs/init_xor" --optimizer sgd \
        --lr 0.5 --momentum 0.9 --batch 4 --weight-decay 0.01 --schedule cosine \
        --warmup-epochs 2 --min-lr 0.05 --epochs 10 "${common[@]}"
    peer torch agree_xor_adamw_cos_torch --experiment xor --init "$runs/init_xor" \
        --optimizer adam --lr 0.05 --beta1 0.9 --beta2 0.999 --eps 1e-8 --batch 4 \
        --weight-decay 0.1 --schedule cosine --warmup-epochs 3 --min-lr 0.005 --epochs 10 \
        "${common[@]}"
    peer torch agree_ae_adamw_torch --experiment ae --init "$runs/init_ae_adam" "${adam_ae[@]}" \
        --weight-decay 0.05 --epochs 1 --train-limit 1280 --test-limit 1000 "${common[@]}"
    # Convolutional networks against PyTorch (scripts/peers/torch_cnn.py builds the network from
    # nnctl's export manifest): the LeNet config without dropout and validation, and a variant
    # with a stride-2 'same' convolution, average pooling and SGD with momentum.
    cnn=(--set model.layers.6.rate=0 --set data.validation.fraction=0)
    cnn_sgd=("${cnn[@]}" --set model.layers.0.stride=2 --set model.layers.1.type=avgpool2d
             --set model.layers.3.pool_size=3 --set optimizer.type=sgd
             --set optimizer.learning_rate=0.05 --set optimizer.momentum=0.9
             --set optimizer.weight_decay=0.001)
    $NNCTL export --init configs/mnist_lenet.yaml "${cnn[@]}" --out "$runs/init_cnn" >/dev/null
    $NNCTL export --init configs/mnist_lenet.yaml "${cnn_sgd[@]}" --out "$runs/init_cnn_sgd" >/dev/null
    nn agree_cnn_nnctl configs/mnist_lenet.yaml "${agree_ae[@]}" "${cnn[@]}" \
        --batch-losses "$runs/agree_cnn_nnctl/batch_losses.txt"
    nn agree_cnn_sgd_nnctl configs/mnist_lenet.yaml "${agree_ae[@]}" "${cnn_sgd[@]}" \
        --batch-losses "$runs/agree_cnn_sgd_nnctl/batch_losses.txt"
    cnn_peer() {
        local name=$1; shift
        echo "-- torch  $name"
        $PY scripts/peers/torch_cnn.py --threads "$threads" --mnist-dir "$MNIST_DIR" \
            --out "$runs/$name.json" --train-limit 1280 --no-shuffle --batch-losses 10 "$@" \
            > "$runs/$name.log" 2>&1 || { tail -5 "$runs/$name.log" >&2; exit 1; }
    }
    cnn_peer agree_cnn_torch --init "$runs/init_cnn" --optimizer adam --lr 0.002 \
        --weight-decay 0.01
    cnn_peer agree_cnn_sgd_torch --init "$runs/init_cnn_sgd" --optimizer sgd --lr 0.05 \
        --momentum 0.9 --weight-decay 0.001
    # batch normalisation (training mode: the batch's statistics)
    $NNCTL export --init configs/examples/mnist_cnn_bn.yaml --out "$runs/init_cnn_bn" >/dev/null
    nn agree_cnn_bn_nnctl configs/examples/mnist_cnn_bn.yaml "${agree_ae[@]}" \
        --batch-losses "$runs/agree_cnn_bn_nnctl/batch_losses.txt"
    cnn_peer agree_cnn_bn_torch --init "$runs/init_cnn_bn" --optimizer adam --lr 0.005 --batch 64
    # Keras's own Adam (epsilon added to sqrt(v)), for the record: not part of the check.
    peer keras agree_ae_adam_keras_native --experiment ae --init "$runs/init_ae_adam" \
        "${adam_ae[@]}" --keras-adam native --epochs 1 --train-limit 1280 --test-limit 1000 \
        --no-shuffle --batch-losses 10 --seed 1
    if ! $ASM scripts/peers/report.py check --runs "$runs"; then
        echo "reproduce-report: the agreement check FAILED: the timings would not compare the same computation; stopping" >&2
        exit 1
    fi
fi
if [ $agreement_only = 1 ]; then
    [ $peers = 1 ] || { echo "reproduce-report: --agreement-only needs the peers" >&2; exit 1; }
    exit 0
fi

echo "== table 1, as in the study (threads: $threads)"
nn t1_xor_nnctl configs/xor.yaml --set "training.epochs=$xor_nnctl"
nn t1_ae_nnctl configs/mnist_autoencoder_seed.yaml --set "training.epochs=$epochs" \
    --set training.checkpoint_every=0 "${limits[@]}"
if [ $peers = 1 ]; then
    peer keras t1_xor_keras --experiment xor --optimizer sgd --lr 0.3 --momentum 0 --batch 1 \
        --epochs "$xor_keras_study" --seed 1
    peer keras t1_ae_keras --experiment ae_keras_seed "${sgd_ae[@]}" --epochs "$epochs" --seed 1 \
        "${peer_limits[@]}"
fi

echo "== table 2, fair: identical weights, shuffling on (threads: $threads)"
nn t2_xor_nnctl configs/xor.yaml --set "training.epochs=$xor_nnctl" --set training.shuffle=true
# The autoencoder with SGD: nnctl's column is table 1's run (configs/mnist_autoencoder_seed.yaml,
# the same network, optimizer, batch, epochs, seed and threads).
nn ttq_ae_adam_nnctl configs/mnist_autoencoder.yaml --set "training.epochs=$quality_epochs" \
    --set training.checkpoint_every=0 "${limits[@]}"
if [ $peers = 1 ]; then
    for fw in keras torch; do
        peer $fw t2_xor_$fw --experiment xor --init "$runs/init_xor" "${sgd_xor[@]}" \
            --epochs "$xor_nnctl" --seed 1
        peer $fw t2_ae_$fw --experiment ae --init "$runs/init_ae_sgd" "${sgd_ae[@]}" \
            --epochs "$epochs" --seed 1 "${peer_limits[@]}"
        peer $fw ttq_ae_adam_$fw --experiment ae --init "$runs/init_ae_adam" "${adam_ae[@]}" \
            --keras-adam pytorch --epochs "$quality_epochs" --seed 1 "${peer_limits[@]}"
    done
fi

echo "== writing $out"
$ASM scripts/peers/report.py assemble --runs "$runs" --out "$out" --nnctl "$NNCTL" \
    --threads "$threads" --epochs "$epochs" --xor-epochs "$xor_nnctl" \
    --xor-keras-epochs "$xor_keras_study" --quality-epochs "$quality_epochs" \
    --train-limit "$train_limit" --test-limit "$test_limit" --peers "$peers" \
    --command "$cmdline"
