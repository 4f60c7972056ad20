#!/usr/bin/env bash
# Resume after kill -9: train the autoencoder on a slice of MNIST, SIGKILL the process at 20
# moments (half at random times, half as soon as a checkpoint's temporary file appears), resume each time, and check that the final
# checkpoint is byte-identical to an uninterrupted run's and the history's losses match.
# At every kill point the newest surviving checkpoint must load.
# Usage: NNCTL=build/rel/nnctl MNIST_DIR=... [CONFIG=...] tests/kill_resume.sh [KILLS] [SEED] [--set K=V ...]
# (the extra arguments go to every train command: `--set training.precision=bfloat16` runs the
# same test in bf16; CONFIG=configs/mnist_classifier.yaml runs it with a validation split, a
# cosine schedule, AdamW, dropout and early stopping in flight, and compares best.ckpt too)
set -u
NNCTL=${NNCTL:-build/rel/nnctl}
KILLS=${1:-20}
SEED=${2:-12345}
shift 2 2>/dev/null || shift $#
cd "$(dirname "$0")/.."
if [ -z "${MNIST_DIR:-}" ] || ! ls "$MNIST_DIR"/train-images-idx3-ubyte* >/dev/null 2>&1; then
    echo "kill_resume: MNIST_DIR not set or empty: skipped"; exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
CONFIG=${CONFIG:-configs/mnist_autoencoder.yaml}
ARGS=("$CONFIG" --threads 1 --quiet --set data.train_limit=4000
      --set data.test_limit=300 --set training.epochs=12 --set training.checkpoint_every=1 "$@")

t0=$(date +%s.%N)
"$NNCTL" train "${ARGS[@]}" --out "$T/ref" || { echo "kill_resume: reference run failed"; exit 1; }
t1=$(date +%s.%N)
span=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }') # ms of a whole run

RANDOM=$SEED
kills=0 midwrite=0 fails=0
while [ "$kills" -lt "$KILLS" ]; do
    "$NNCTL" train "${ARGS[@]}" --out "$T/run" --resume 2>>"$T/warnings" &
    pid=$!
    if [ $((kills % 2)) -eq 1 ]; then
        # every other kill aims at a checkpoint write: poll until a temporary file appears
        for _ in $(seq 1 200000); do
            compgen -G "$T/run/*.tmp.*" >/dev/null && break
            kill -0 "$pid" 2>/dev/null || break
        done
    else
        ms=$(( RANDOM % (span > 0 ? span : 1000) ))
        sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    fi
    if kill -9 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null
        kills=$((kills + 1))
        ls "$T/run"/*.tmp.* >/dev/null 2>&1 && midwrite=$((midwrite + 1))
        rm -f "$T/run"/*.tmp.*
        # the newest surviving checkpoint must be loadable
        for c in "$T/run/model.ckpt" "$T/run/model.prev.ckpt"; do
            if [ -e "$c" ]; then
                "$NNCTL" export "$c" --out "$T/probe" >/dev/null 2>&1 || { echo "kill_resume: $c does not load after kill $kills"; fails=$((fails + 1)); }
                break
            fi
        done
    else
        wait "$pid" # it finished before the kill: start over so every kill interrupts a run
        rm -rf "$T/run"
    fi
done
"$NNCTL" train "${ARGS[@]}" --out "$T/run" --resume 2>>"$T/warnings" || { echo "kill_resume: final resume failed"; exit 1; }

if ! cmp -s "$T/ref/model.ckpt" "$T/run/model.ckpt"; then
    echo "kill_resume: FAIL: final weights differ from the uninterrupted run"; fails=$((fails + 1))
fi
if [ -e "$T/ref/best.ckpt" ] && ! cmp -s "$T/ref/best.ckpt" "$T/run/best.ckpt"; then
    echo "kill_resume: FAIL: best.ckpt differs from the uninterrupted run's"; fails=$((fails + 1))
fi
# every column but the seconds and samples per second
if ! diff <(cut -d, -f1-3,6- "$T/ref/history.csv") <(cut -d, -f1-3,6- "$T/run/history.csv") >/dev/null; then
    echo "kill_resume: FAIL: history differs"; fails=$((fails + 1))
fi
warn=$(grep -c "warning" "$T/warnings" 2>/dev/null || true)
echo "kill_resume: $kills kills ($midwrite during a checkpoint write, $warn fallbacks to model.prev.ckpt); final checkpoint byte-identical: $([ $fails -eq 0 ] && echo yes || echo NO)"
echo "kill_resume: $((kills + 2 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
