#!/usr/bin/env bash
# No lost work: a run directory that holds a run is refused without --resume or --overwrite (and
# keeps every byte); --overwrite replaces it; two trainings into one directory: one runs, the other
# exits 1 naming the holder; SIGINT and SIGTERM at random moments, inside epochs too, then --resume
# end with the bytes of an uninterrupted run; a second SIGINT ends the process at once.
# Usage: NNCTL=build/rel/nnctl MNIST_DIR=... tests/no_lost_work.sh [SIGNALS_EACH] [SEED]
set -u
NNCTL=${NNCTL:-build/rel/nnctl}
EACH=${1:-10}
SEED=${2:-4242}
cd "$(dirname "$0")/.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# --- a finished run is not replaced by accident ---
"$NNCTL" train configs/xor.yaml --out "$T/x" --quiet || bad "XOR run"
(cd "$T/x" && sha256sum model.ckpt metrics.json history.csv) >"$T/x.sums"
"$NNCTL" train configs/xor.yaml --set training.epochs=10 --out "$T/x" --quiet 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && ok || bad "re-running into a finished run: exit $rc, expected 2"
grep -q "^nnctl: error: $T/x holds a finished run: 10000 of 10000 epochs, last loss 0.000133422, written .* UTC; pass --resume to continue, --overwrite to replace it, or choose another --out$" "$T/err" && ok || bad "the refusal names what is there: $(cat "$T/err")"
(cd "$T/x" && sha256sum -c --quiet "$T/x.sums") && ok || bad "the refused run left every byte as it was"
"$NNCTL" train configs/xor.yaml --set training.epochs=10 --out "$T/x" --quiet --overwrite && ok || bad "--overwrite"
grep -q '"epochs": 10,' "$T/x/metrics.json" && [ ! -e "$T/x/model.prev.ckpt" ] && ok || bad "--overwrite replaced the run and its previous checkpoint"
"$NNCTL" train configs/xor.yaml --out "$T/x" --quiet --resume --overwrite 2>"$T/err"
[ $? -eq 2 ] && grep -q "exclude each other" "$T/err" && ok || bad "--resume with --overwrite is a usage error"

if [ -z "${MNIST_DIR:-}" ] || ! ls "$MNIST_DIR"/train-images-idx3-ubyte* >/dev/null 2>&1; then
    echo "no_lost_work: MNIST_DIR not set or empty: skipping the signal and lock tests"
    echo "no_lost_work: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
fi
ARGS=(configs/mnist_autoencoder.yaml --threads 2 --quiet --set data.train_limit=6000
      --set data.test_limit=300 --set training.epochs=4)
t0=$(date +%s.%N)
"$NNCTL" train "${ARGS[@]}" --out "$T/ref" || { echo "no_lost_work: reference run failed"; exit 1; }
t1=$(date +%s.%N)
span=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')

# --- two trainings into one directory, 0.3 s apart: exactly one runs ---
"$NNCTL" train "${ARGS[@]}" --out "$T/two" & p1=$!
sleep 0.3
"$NNCTL" train "${ARGS[@]}" --out "$T/two" 2>"$T/err2"
rc2=$?
"$NNCTL" runs "$T" >"$T/runs_out" 2>&1
grep -q "^$T/two .* running (pid $p1, started " "$T/runs_out" && ok || bad "nnctl runs shows the running run and its pid: $(cat "$T/runs_out")"
wait $p1
rc1=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 1 ] && ok || bad "concurrent runs: exits $rc1 and $rc2, expected 0 and 1"
grep -q "^nnctl: error: $T/two is in use by another nnctl train (pid $p1, started .* UTC)" "$T/err2" && ok || bad "the second run names the holder: $(cat "$T/err2")"
cmp -s "$T/ref/model.ckpt" "$T/two/model.ckpt" && ok || bad "the survivor's checkpoint equals a solo run's"

# --- SIGINT and SIGTERM at random moments, then --resume: the uninterrupted run's bytes ---
RANDOM=$SEED
mid=0
for sig in INT TERM; do
    want=$([ $sig = INT ] && echo 130 || echo 143)
    for i in $(seq 1 "$EACH"); do
        rm -rf "$T/s"
        "$NNCTL" train "${ARGS[@]}" --out "$T/s" 2>"$T/serr" &
        pid=$!
        ms=$(( 150 + RANDOM % (span > 300 ? span - 300 : 300) ))
        sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
        kill -s "$sig" "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        if [ $rc -eq 0 ]; then continue; fi # it had finished: nothing to resume
        [ $rc -eq "$want" ] || { bad "SIG$sig: exit $rc, expected $want"; continue; }
        grep -q "continue with: nnctl train configs/mnist_autoencoder.yaml --out $T/s --resume" "$T/serr" || bad "SIG$sig: the message gives the command that resumes: $(cat "$T/serr")"
        if ! grep -q '"batch": 0,' "$T/s/state.json"; then
            mid=$((mid + 1))
            "$NNCTL" runs "$T/s" | grep -q " interrupted inside epoch " && ok || bad "nnctl runs: interrupted inside an epoch"
        fi
        "$NNCTL" train "${ARGS[@]}" --out "$T/s" --resume || { bad "SIG$sig: resume failed"; continue; }
        cmp -s "$T/ref/model.ckpt" "$T/s/model.ckpt" && ok || bad "SIG$sig at ${ms} ms: the resumed run's checkpoint differs"
    done
done
[ "$mid" -gt 0 ] && ok || bad "no signal landed inside an epoch (timing): the mid-epoch path was not tested"

# --- training.checkpoint_minutes: checkpoints inside epochs by the clock; kill -9, resume ---
TARGS=("${ARGS[@]}" --set training.checkpoint_minutes=0.001) # every 60 ms
"$NNCTL" train "${TARGS[@]}" --out "$T/tref" || bad "a run with time-based checkpoints"
"$NNCTL" train "${TARGS[@]}" --out "$T/tk" &
pid=$!
sleep "$(awk -v m="$span" 'BEGIN { printf "%.3f", m * 0.6 / 1000 }')" # well inside the training
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ -e "$T/tk/model.ckpt" ] && ! grep -q '"state": "finished"' "$T/tk/state.json" 2>/dev/null; then
    rm -f "$T/tk"/*.tmp.*
    "$NNCTL" train "${TARGS[@]}" --out "$T/tk" --resume && cmp -s "$T/tref/model.ckpt" "$T/tk/model.ckpt" && ok || bad "resumed from a time-based checkpoint: the checkpoint differs"
else
    echo "no_lost_work: the kill came before the first time-based checkpoint or after the end (timing)"
fi

# --- a second SIGINT: the process ends at once ---
rm -rf "$T/s"
"$NNCTL" train "${ARGS[@]}" --set training.epochs=50 --out "$T/s" 2>/dev/null &
pid=$!
sleep 0.6
kill -INT "$pid"; kill -INT "$pid"
t0=$(date +%s.%N)
wait "$pid"
rc=$?
t1=$(date +%s.%N)
quick=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a < 0.5) }')
[ $rc -eq 130 ] && [ "$quick" = 1 ] && ok || bad "a second SIGINT: exit $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"

echo "no_lost_work: $mid of the signals landed inside an epoch"
echo "no_lost_work: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
