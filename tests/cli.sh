#!/usr/bin/env bash
# End-to-end tests of the nnctl binary: exit codes, golden error messages, XOR trained through the
# command line with its metrics read back and checked.
# Usage: NNCTL=build/rel/nnctl tests/cli.sh
set -u
NNCTL=${NNCTL:-build/rel/nnctl}
NNCTL=$(cd "$(dirname "$NNCTL")" && pwd)/$(basename "$NNCTL")
cd "$(dirname "$0")/.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_exit CODE DESCRIPTION -- command...
expect_exit() {
    local want=$1 what=$2; shift 3
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, expected $want"; sed 's/^/    /' "$T/err"; fi
}

# expect_stderr FILE: stderr of the last command equals FILE's text exactly
expect_stderr() {
    if diff -u "$1" "$T/err" >"$T/diff"; then ok; else bad "stderr differs from golden:"; cat "$T/diff"; fi
}

# json_num FILE KEY: the number stored under "KEY" in a flat JSON file
json_num() { sed -n "s/^ *\"$2\": \([-0-9.eE+]*\),\{0,1\}$/\1/p" "$1"; }

# --- usage and version ---
expect_exit 0 "--version" -- "$NNCTL" --version
grep -q "^nnctl [0-9]" "$T/out" && ok || bad "--version prints the version"
expect_exit 0 "--help" -- "$NNCTL" --help
expect_exit 0 "train --help" -- "$NNCTL" train --help
grep -q -- "--set KEY=VALUE" "$T/out" && ok || bad "train --help lists --set"
expect_exit 2 "no command" -- "$NNCTL"
expect_exit 2 "unknown command" -- "$NNCTL" frobnicate
expect_exit 2 "train without config" -- "$NNCTL" train
expect_exit 2 "bad --threads" -- "$NNCTL" train configs/xor.yaml --threads zero
printf "nnctl: error: --threads expects a positive integer, found 'zero'\n" >"$T/g"
head -1 "$T/err" >"$T/err1"; mv "$T/err1" "$T/err"; expect_stderr "$T/g"

# --- one option parser: every command reports the same mistake with the same first line ---
# first_err: the first line of stderr (the usage text that follows differs per command)
first_err() { head -1 "$T/err" >"$T/err1"; mv "$T/err1" "$T/err"; }
for c in "train configs/xor.yaml" "check configs/xor.yaml" "predict x.ckpt --input 0" "svm eval" "data check"; do
    expect_exit 2 "$c --bogus" -- "$NNCTL" $c --bogus
    printf "nnctl: error: unexpected argument '--bogus'\n" >"$T/g"; first_err; expect_stderr "$T/g"
done
for c in "train configs/xor.yaml --out" "check configs/xor.yaml --set" "export --init configs/xor.yaml --out" "svm train --features"; do
    expect_exit 2 "$c without its value" -- "$NNCTL" $c
    printf "nnctl: error: %s needs a value\n" "${c##* }" >"$T/g"; first_err; expect_stderr "$T/g"
done
for c in "predict x.ckpt --input 0" "encode x.ckpt --input x --output y"; do
    expect_exit 2 "$c --threads=zero" -- "$NNCTL" $c --threads=zero
    printf "nnctl: error: --threads expects a positive integer, found 'zero'\n" >"$T/g"; first_err; expect_stderr "$T/g"
done
SETS=(); for k in $(seq 65); do SETS+=(--set training.epochs=1); done
for c in "train configs/xor.yaml" "check configs/xor.yaml" "export --init configs/xor.yaml --out $T/never"; do
    expect_exit 2 "${c%% *} with 65 --set" -- "$NNCTL" $c "${SETS[@]}"
    printf "nnctl: error: more than 64 --set arguments\n" >"$T/g"; first_err; expect_stderr "$T/g"
done
for c in "predict x.ckpt" "svm eval --model m --features f --labels l" "reconstruct x.ckpt"; do
    expect_exit 2 "$c: a required option left out" -- "$NNCTL" $c
    grep -q "^nnctl: error: missing --[a-z]*$" "$T/err" && ok || bad "$c: 'missing --OPTION'"
done
expect_exit 0 "check --set=KEY=VALUE" -- "$NNCTL" check configs/xor.yaml --set=training.epochs=7
grep -q "^  epochs: 7$" "$T/out" && ok || bad "check --set=KEY=VALUE applies the override"

# --- check --schema: every key, each layer kind's included, and docs/config.md's tables ---
expect_exit 0 "check --schema" -- "$NNCTL" check --schema
for k in optimizer.learning_rate training.checkpoint_every data.train_limit "type: dense" "type: reshape" "units"; do
    grep -q "$k" "$T/out" && ok || bad "check --schema lists '$k'"
done
expect_exit 0 "check --schema --markdown" -- "$NNCTL" check --schema --markdown
awk '/^<!-- schema:begin -->$/{on=1;next} /^<!-- schema:end -->$/{on=0} on' docs/config.md | sed '1d;$d' >"$T/readme_schema"
diff -q "$T/out" "$T/readme_schema" >/dev/null && ok || bad "check --schema --markdown is docs/config.md's config reference"
expect_exit 2 "check without CONFIG or --schema" -- "$NNCTL" check
first_err; echo "nnctl: error: missing CONFIG" >"$T/g"; expect_stderr "$T/g"
expect_exit 2 "check --schema with a CONFIG" -- "$NNCTL" check --schema configs/xor.yaml

# --- config errors: exit 2, compiler-style messages, all of them at once ---
cat >"$T/bad.yaml" <<'Y'
model:
  input_shape: [2]
  layers:
    - {type: dense, units: 4, activation: tanhh}
    - {type: dense, units: 1, activation: sigmoid}
loss: mse
optimizer:
  type: sgd
  lerning_rate: 0.5
training:
  epochs: 0
data:
  x: [[0, 0], [1, 1]]
  y: [[0], [1]]
Y
expect_exit 2 "bad config" -- "$NNCTL" train "$T/bad.yaml" --out "$T/never"
cat >"$T/g" <<G
$T/bad.yaml:4:43: error: 'model.layers[0].activation': unknown activation 'tanhh'; did you mean 'tanh'? (expected one of: identity, relu, tanh, sigmoid, softmax)
$T/bad.yaml:9:3: error: unknown key 'lerning_rate' in 'optimizer'; did you mean 'learning_rate'? (expected one of: type, learning_rate, momentum, nesterov, weight_decay, clip_norm, schedule)
$T/bad.yaml:11:11: error: 'training.epochs': expected an integer from 1 to 100000000, found 0
G
expect_stderr "$T/g"
[ ! -e "$T/never" ] && ok || bad "a rejected config must not create the output directory"
expect_exit 2 "check on bad config" -- "$NNCTL" check "$T/bad.yaml"
expect_exit 2 "missing config file" -- "$NNCTL" check "$T/nope.yaml"
printf "%s: error: cannot open: No such file or directory\n" "$T/nope.yaml" >"$T/g"; expect_stderr "$T/g"
expect_exit 2 "bad --set value" -- "$NNCTL" train configs/xor.yaml --set optimizer.learning_rate=-1 --out "$T/never"
printf "%s\n" "--set optimizer.learning_rate=-1: error: 'optimizer.learning_rate': expected a number > 0, found -1" >"$T/g"
expect_stderr "$T/g"

# --- check: resolved config and layer table ---
expect_exit 0 "check xor" -- "$NNCTL" check configs/xor.yaml
grep -q "^  momentum: 0$" "$T/out" && ok || bad "check prints defaults (momentum)"
grep -q "^# total parameters: 17 " "$T/out" && ok || bad "check prints the parameter count (17)"
grep -q "^# dense_1 .*\[1\] .*sigmoid .* 5$" "$T/out" && ok || bad "check prints the layer table"
grep -v '^#' "$T/out" >"$T/resolved.yaml"
expect_exit 0 "resolved config validates" -- "$NNCTL" check "$T/resolved.yaml"

# --- XOR end to end, as the study ran it ---
expect_exit 0 "train xor" -- "$NNCTL" train configs/xor.yaml --out "$T/xor" --threads 1 --log-every 5000
for f in model.ckpt metrics.json history.csv; do [ -s "$T/xor/$f" ] && ok || bad "xor wrote $f"; done
loss=$(json_num "$T/xor/metrics.json" final_train_loss)
acc=$(json_num "$T/xor/metrics.json" accuracy)
awk -v l="$loss" 'BEGIN { exit !(l != "" && l <= 0.01) }' && ok || bad "xor final_train_loss $loss > 0.01"
[ "$acc" = "1" ] && ok || bad "xor accuracy $acc != 1"
[ "$(json_num "$T/xor/metrics.json" epochs)" = "10000" ] && ok || bad "metrics epochs"
[ "$(json_num "$T/xor/metrics.json" threads)" = "1" ] && ok || bad "metrics threads = --threads"
[ "$(wc -l <"$T/xor/history.csv")" -eq 10001 ] && ok || bad "history has 10000 rows"
expect_exit 0 "predict xor" -- "$NNCTL" predict "$T/xor/model.ckpt" --input "0 0; 0 1; 1 0; 1 1"
awk 'NR==1&&$1<0.5{n++} NR==2&&$1>0.5{n++} NR==3&&$1>0.5{n++} NR==4&&$1<0.5{n++} END{exit n!=4}' "$T/out" && ok || { bad "xor predictions"; cat "$T/out"; }
cp "$T/out" "$T/xor_inline.txt"
# the same rows from a CSV file (with a header row, gzipped) give the same numbers
printf 'a,b\n0,0\n0,1\n1,0\n1,1\n' | gzip >"$T/xor_in.csv.gz"
expect_exit 0 "predict --input-file CSV" -- "$NNCTL" predict "$T/xor/model.ckpt" --input-file "$T/xor_in.csv.gz" --output "$T/xor_file.csv"
tail -n +2 "$T/xor_file.csv" | cmp -s - "$T/xor_inline.txt" && ok || { bad "predict on a file differs from predict inline"; cat "$T/xor_file.csv"; }
printf '0,0,1\n' >"$T/xor3.csv"
expect_exit 1 "predict a CSV of the wrong width" -- "$NNCTL" predict "$T/xor/model.ckpt" --input-file "$T/xor3.csv" --output "$T/p3.csv"
grep -qF "$T/xor3.csv: field 'columns': rows of 3 values, but the model in $T/xor/model.ckpt takes 2 inputs" "$T/err" && ok || { bad "CSV width message"; cat "$T/err"; }
[ ! -e "$T/p3.csv" ] && ok || bad "failed predict wrote a file"
# and from libsvm's sparse text (labels ignored, absent entries zero; a row of zeros included)
printf '0\n1 2:1\n1 1:1\n0 1:1 2:1\n' >"$T/xor_in.svm"
expect_exit 0 "predict --input-file libsvm" -- "$NNCTL" predict "$T/xor/model.ckpt" --input-file "$T/xor_in.svm" --output "$T/xor_svm.csv"
tail -n +2 "$T/xor_svm.csv" | cmp -s - "$T/xor_inline.txt" && ok || { bad "predict on a libsvm file differs from predict inline"; cat "$T/xor_svm.csv"; }
printf '1 3:1\n' >"$T/xor_wide.svm"
expect_exit 1 "predict a libsvm index beyond the model" -- "$NNCTL" predict "$T/xor/model.ckpt" --input-file "$T/xor_wide.svm" --output "$T/pw.csv"
grep -qF "$T/xor_wide.svm:1: index 3 is beyond the model's 2 inputs" "$T/err" && ok || { bad "libsvm width message"; cat "$T/err"; }
[ ! -e "$T/pw.csv" ] && ok || bad "failed libsvm predict wrote a file"

# --- --name=VALUE works as --name VALUE: train, encode and svm on XOR ---
expect_exit 0 "train --k=v" -- "$NNCTL" train configs/xor.yaml --out="$T/kv" --threads=1 --set=training.epochs=10 --quiet
[ "$(json_num "$T/kv/metrics.json" epochs)" = "10" ] && ok || bad "train --set=KEY=VALUE"
printf '\x00\x00\x08\x02\x00\x00\x00\x04\x00\x00\x00\x02\x00\x00\x00\x01\x01\x00\x01\x01' >"$T/xor_x.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x04\x00\x01\x01\x00' >"$T/xor_y.idx"
expect_exit 0 "encode --k=v" -- "$NNCTL" encode "$T/xor/model.ckpt" --input="$T/xor_x.idx" --output="$T/xor_h.idx" --layer=dense_0 --batch=3
[ "$(od -An -tx1 -N12 "$T/xor_h.idx" | tr -d ' ')" = "00000d020000000400000004" ] && ok || bad "encode --layer=dense_0 writes 4 × 4 floats"
expect_exit 0 "svm train --k=v" -- "$NNCTL" svm train --features="$T/xor_h.idx" --labels="$T/xor_y.idx" --model="$T/xor.svm" --C=10 --classes=2
expect_exit 0 "svm eval --k=v" -- "$NNCTL" svm eval --model="$T/xor.svm" --features="$T/xor_h.idx" --labels="$T/xor_y.idx" --out="$T/xor_svm" --classes=2
grep -q '^  "C": 10,$' "$T/xor.svm.json" && ok || bad "svm train --C=10 recorded in the sidecar"
grep -q "^Accuracy = .* (classification)$" "$T/xor_svm/report.txt" && ok || bad "svm eval --out=DIR writes report.txt"

# --- same config and seed: bit-identical checkpoint ---
expect_exit 0 "train xor again" -- "$NNCTL" train configs/xor.yaml --out "$T/xor2" --threads 1 --quiet
cmp -s "$T/xor/model.ckpt" "$T/xor2/model.ckpt" && ok || bad "same seed gives the same checkpoint bytes"

# --- --set overrides ---
expect_exit 0 "train with --set" -- "$NNCTL" train configs/xor.yaml --out "$T/xs" --quiet \
    --set training.epochs=500 --set optimizer.learning_rate=0.1
[ "$(json_num "$T/xs/metrics.json" epochs)" = "500" ] && ok || bad "--set training.epochs"
expect_exit 0 "xor_adam" -- "$NNCTL" train configs/xor_adam.yaml --out "$T/xa" --quiet
[ "$(json_num "$T/xa/metrics.json" accuracy)" = "1" ] && ok || bad "xor_adam accuracy"

# --- OpenBLAS kernels: nnctl info, and the one re-execution on a CPU OpenBLAS does not know ---
# NNCTL_TEST_CORE=FIRST[,AFTER] plays OpenBLAS reporting FIRST before the re-execution (and AFTER
# after it): Prescott is the fallback OpenBLAS 0.3.21 runs on family 6 model 207. A user's
# OPENBLAS_CORETYPE always wins over nnctl's choice, so the commands that check that choice run
# with it unset (env -u, per command: some machines set it, and OPENBLAS_L2_SIZE, for the whole
# environment); the rest of the suite keeps whatever the environment says.
nocore=(env -u OPENBLAS_CORETYPE)
echo "cli.sh: this machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-(unset)}"
expect_exit 0 "info" -- "$NNCTL" info
grep -q "^libraries:   libyaml .*, libsvm .*, zlib .*, libpng " "$T/out" && ok || bad "info names the libraries"
expect_exit 0 "info --json" -- "$NNCTL" info --json
grep -q '"blas_core": "' "$T/out" && grep -q '"amx_bf16": ' "$T/out" && ok || bad "info --json: core and features"
if grep -q '"avx": true' "$T/out"; then
    echo "cli.sh: core choice: fallback replaced by re-execution (played: NNCTL_TEST_CORE=Prescott, OPENBLAS_CORETYPE unset per command)"
    expect_exit 0 "re-executed with better kernels" -- "${nocore[@]}" NNCTL_TEST_CORE=Prescott "$NNCTL" info --json
    grep -q '"blas_core_detected": "Prescott"' "$T/out" && ! grep -q '"blas_core": "Prescott"' "$T/out" &&
        grep -q '"warning": null' "$T/out" && grep -q '"hint": null' "$T/out" && ok || bad "a fallback core is replaced, once, without a warning"
    chosen=$(sed -n 's/.*"blas_core": "\([A-Za-z]*\)".*/\1/p' "$T/out")
    expect_exit 0 "train after the re-execution" -- "${nocore[@]}" NNCTL_TEST_CORE=Prescott "$NNCTL" train configs/xor.yaml --out "$T/rx1" --quiet --threads 1
    [ -s "$T/err" ] && bad "no warning when the re-execution helped: $(cat "$T/err")" || ok
    grep -q "\"blas_core_detected\": \"Prescott\"" "$T/rx1/metrics.json" && grep -q "nnctl set OPENBLAS_CORETYPE=$chosen" "$T/rx1/metrics.json" && ok || bad "metrics.json records the detected and chosen cores"
    expect_exit 0 "train with that core set by hand" -- env OPENBLAS_CORETYPE="$chosen" "$NNCTL" train configs/xor.yaml --out "$T/rx2" --quiet --threads 1
    grep -q "\"blas_core_reason\": \"OPENBLAS_CORETYPE=$chosen was set by the user\"" "$T/rx2/metrics.json" && ok || bad "the user's value is reported as theirs"
    [ -s "$T/err" ] && bad "no hint for the core nnctl itself would choose: $(cat "$T/err")" || ok
    cmp -s "$T/rx1/model.ckpt" "$T/rx2/model.ckpt" && ok || bad "re-executed run and hand-set core give the same checkpoint"
    # the variable does not help: one warning, no second re-execution (timeout guards a loop)
    expect_exit 0 "a core that stays a fallback" -- "${nocore[@]}" NNCTL_TEST_CORE=Prescott,Prescott timeout 20 "$NNCTL" check configs/xor.yaml
    [ "$(grep -c 'warning: OpenBLAS detected Prescott kernels and still runs Prescott ones' "$T/err")" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && ok || bad "exactly one warning when the re-execution did not help: $(cat "$T/err")"
    # the user's OPENBLAS_CORETYPE below this CPU's kernels (Prescott, SSE3, is below any CPU with
    # AVX): `train` says so once on stderr and in metrics.json, `info` shows it, other commands
    # stay quiet, and that core still runs
    echo "cli.sh: core choice: the hint for a slower OPENBLAS_CORETYPE (played: OPENBLAS_CORETYPE=Prescott per command)"
    expect_exit 0 "train with a slower core set by hand" -- env OPENBLAS_CORETYPE=Prescott "$NNCTL" train configs/xor.yaml --out "$T/hint" --quiet --threads 1
    [ "$(grep -c "^nnctl: hint: OPENBLAS_CORETYPE=Prescott selects OpenBLAS's SSE kernels on a CPU with AVX.*: this CPU's .* kernels (.*, what nnctl runs with the variable unset) .* faster .*; your setting is kept$" "$T/err")" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && ok || bad "one hint line for a slower core: $(cat "$T/err")"
    grep -A1 '"hints": \[' "$T/hint/metrics.json" | grep -q '^ *"OPENBLAS_CORETYPE=Prescott selects' && ok || bad "metrics.json lists the hint"
    grep -q '"blas_core": "Prescott"' "$T/hint/metrics.json" && ok || bad "the user's core still runs"
    expect_exit 0 "info with a slower core" -- env OPENBLAS_CORETYPE=Prescott "$NNCTL" info
    grep -q "^             hint: OPENBLAS_CORETYPE=Prescott selects" "$T/out" && ok || bad "info shows the hint"
    expect_exit 0 "check with a slower core" -- env OPENBLAS_CORETYPE=Prescott "$NNCTL" check configs/xor.yaml
    [ -s "$T/err" ] && bad "only train prints the hint: $(cat "$T/err")" || ok
else
    echo "cli.sh: core choice: skipped (this CPU has no AVX: OpenBLAS's generic kernels are the right ones)"
fi
# a generic BLAS in OpenBLAS's place (the reference one, when libblas3 is installed): one warning,
# also in metrics.json
refblas=/usr/lib/x86_64-linux-gnu/blas/libblas.so.3
if [ -f "$refblas" ] && nm -D "$refblas" 2>/dev/null | grep -q " T cblas_sgemm$"; then
    expect_exit 0 "train on the reference BLAS" -- env LD_PRELOAD="$refblas" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$NNCTL" train configs/xor.yaml --out "$T/refblas" --quiet --set training.epochs=10
    [ "$(grep -c "^nnctl: warning: GEMMs run in $refblas, not OpenBLAS" "$T/err")" = 1 ] && ok || bad "one warning for a reference BLAS: $(cat "$T/err")"
    grep -q "\"GEMMs run in $refblas, not OpenBLAS" "$T/refblas/metrics.json" && ok || bad "metrics.json lists the reference-BLAS warning"
fi
expect_exit 0 "the user's OPENBLAS_CORETYPE wins" -- env OPENBLAS_CORETYPE=Prescott NNCTL_TEST_CORE=Prescott "$NNCTL" info --json
grep -q '"blas_core_reason": "OPENBLAS_CORETYPE=Prescott was set by the user"' "$T/out" && ok || bad "no re-execution over the user's value"

# --- bfloat16: refused on a CPU without AMX-BF16 or AVX512-BF16 (played with NNCTL_TEST_NO_BF16),
# and a bf16-trained checkpoint still runs there, in float32 ---
expect_exit 2 "bfloat16 on a CPU without it" -- env NNCTL_TEST_NO_BF16=1 "$NNCTL" train configs/xor.yaml --precision bfloat16 --out "$T/nobf16"
grep -q "error: 'training.precision': bfloat16 needs AMX-BF16 or AVX512-BF16, and this CPU (.*) has neither" "$T/err" && [ ! -e "$T/nobf16" ] && ok || bad "bfloat16 refused before anything is written: $(cat "$T/err")"
if "$NNCTL" check configs/xor.yaml --precision bfloat16 >/dev/null 2>&1 || "$NNCTL" check configs/xor.yaml --set training.precision=bfloat16 >/dev/null 2>&1; then
    expect_exit 0 "train XOR in bfloat16" -- "$NNCTL" train configs/xor.yaml --precision bfloat16 --out "$T/bf16" --quiet
    grep -q '"backend": "onednn-bf16"' "$T/bf16/metrics.json" && grep -q '"accuracy": 1,' "$T/bf16/metrics.json" && ok || bad "XOR learns in bfloat16"
    expect_exit 0 "predict a bf16 checkpoint" -- "$NNCTL" predict "$T/bf16/model.ckpt" --input "0 0; 1 1"
    cp "$T/out" "$T/pred16"
    expect_exit 0 "predict it on a CPU without bf16 (float32)" -- env NNCTL_TEST_NO_BF16=1 "$NNCTL" predict "$T/bf16/model.ckpt" --input "0 0; 1 1"
    [ -s "$T/out" ] && ok || bad "a bf16 checkpoint predicts in float32 where bf16 is missing"
    expect_exit 2 "resume it there: refused" -- env NNCTL_TEST_NO_BF16=1 "$NNCTL" train configs/xor.yaml --precision bfloat16 --set training.epochs=20000 --out "$T/bf16" --resume
    # the backend named: the same run; where it cannot run, the checkpoint predicts on the best
    # backend there
    expect_exit 0 "train XOR on onednn-bf16 by name" -- "$NNCTL" train configs/xor.yaml --precision bfloat16 --set training.backend=onednn-bf16 --out "$T/bf16n" --quiet
    grep -q '"backend": "onednn-bf16"' "$T/bf16n/metrics.json" && ok || bad "training.backend=onednn-bf16 runs it"
    expect_exit 0 "predict it where bf16 is missing" -- env NNCTL_TEST_NO_BF16=1 "$NNCTL" predict "$T/bf16n/model.ckpt" --input "0 0; 1 1"
    [ -s "$T/out" ] && ok || bad "a checkpoint naming a backend this CPU lacks still predicts"
fi

# --- training.backend: by name and precision, refused with its reason before anything is written ---
expect_exit 0 "train XOR on openblas by name" -- "$NNCTL" train configs/xor.yaml --set training.backend=openblas --out "$T/bn" --quiet --threads 1
cmp -s <(sed -n '/"final_train_loss"/p' "$T/bn/metrics.json") <(sed -n '/"final_train_loss"/p' "$T/xor/metrics.json") && grep -q '"backend": "openblas"' "$T/bn/metrics.json" && ok || bad "training.backend=openblas trains as auto does"
expect_exit 2 "an unknown backend" -- "$NNCTL" train configs/xor.yaml --set training.backend=cuda --out "$T/bcuda"
grep -q "error: 'training.backend': no backend 'cuda'; this build has openblas, onednn-bf16" "$T/err" && [ ! -e "$T/bcuda" ] && ok || bad "unknown backend message: $(cat "$T/err")"
expect_exit 2 "a backend of another precision" -- "$NNCTL" check configs/xor.yaml --set training.backend=onednn-bf16
grep -q "error: 'training.backend': backend 'onednn-bf16' computes in bfloat16, and training.precision is float32" "$T/err" && ok || bad "precision mismatch message: $(cat "$T/err")"
expect_exit 0 "info lists each backend's precision and whether it runs" -- env NNCTL_TEST_NO_BF16=1 "$NNCTL" info
grep -q "^backend:     openblas (float32; runs on this CPU)" "$T/out" && grep -q "^backend:     onednn-bf16 (bfloat16; cannot run on this CPU)" "$T/out" && grep -q "^             why not: bfloat16 needs AMX-BF16 or AVX512-BF16" "$T/out" && ok || bad "info: backends and why not: $(grep -A1 '^backend' "$T/out")"

# --- damaged checkpoints: exit 1, nothing written ---
head -c 100 "$T/xor/model.ckpt" >"$T/trunc.ckpt"
expect_exit 1 "truncated checkpoint" -- "$NNCTL" predict "$T/trunc.ckpt" --input "0 0"
grep -q "trunc.ckpt: field 'payload_length': header says .* (truncated)" "$T/err" && ok || bad "truncated message"
cp "$T/xor/model.ckpt" "$T/flip.ckpt"
printf '\x55' | dd of="$T/flip.ckpt" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_exit 1 "bit-flipped checkpoint" -- "$NNCTL" predict "$T/flip.ckpt" --input "0 0"
grep -q "flip.ckpt: field 'crc32'" "$T/err" && ok || bad "crc message"
expect_exit 1 "not a checkpoint" -- "$NNCTL" predict configs/xor.yaml --input "0 0"
expect_exit 2 "predict with a bad input row" -- "$NNCTL" predict "$T/xor/model.ckpt" --input "0 0; 1"

# --- divergence: a linear output with a huge learning rate; training stops, naming the epoch,
#     batch and where the non-finite numbers are; the last checkpoint written is left intact ---
expect_exit 1 "divergence" -- "$NNCTL" train configs/xor.yaml --out "$T/div" --quiet \
    --set optimizer.learning_rate=50 --set model.layers.0.activation=relu \
    --set model.layers.1.activation=identity --set training.checkpoint_every=1 --set training.epochs=500
grep -qE "nnctl: error: epoch [0-9]+, batch 1: the loss became (nan|inf|-nan) \((in the loss|layer '[a-z_0-9]+': its (weights|output) hold NaN or Inf)\); training stopped, the last checkpoint is left as it was" "$T/err" \
    && ok || { bad "divergence message"; cat "$T/err"; }
expect_exit 0 "the last good checkpoint loads" -- "$NNCTL" predict "$T/div/model.ckpt" --input "0 0"

# --- an output directory that cannot be written: exit 1 ---
touch "$T/file"
expect_exit 1 "unwritable --out" -- "$NNCTL" train configs/xor.yaml --out "$T/file/sub" --quiet

# --- MNIST: a short autoencoder run on a slice, resume, reconstruct, encode (needs MNIST_DIR) ---

# ---- configs/examples: the generated CSV data is the same bytes everywhere, and both examples
# train to figures near docs/results.md's (flowers: test accuracy; houses: test MSE near the noise, 36)
./scripts/make-example-data.sh "$T/ex" >/dev/null
( cd "$T/ex" && sha256sum flowers_train.csv flowers_test.csv houses_train.csv houses_test.csv ) >"$T/ex.sum"
cat >"$T/ex.want" <<'SUMS'
87c14390e756bbb2ea91c152cd0cf5f05502e62a380cc5f0a74689b23ae98f51  flowers_train.csv
a672b59ef99dd8cdc4b74d78ed0c613540a32238a9471da92732d804228d1f4b  flowers_test.csv
66695ba8297687898c363fd54c2e8ad270f7476bf4daf0a92e642f3ae3462e90  houses_train.csv
621227eff93022c12f5800d3de86437e293dc4fec0742945b7d85fe2c10eeb51  houses_test.csv
SUMS
cmp -s "$T/ex.sum" "$T/ex.want" && ok || { bad "example data bytes differ"; diff "$T/ex.want" "$T/ex.sum"; }
for c in flowers houses; do
    sed "s#data/examples/#$T/ex/#" "configs/examples/$c.yaml" >"$T/ex_$c.yaml"
    expect_exit 0 "train configs/examples/$c.yaml" -- "$NNCTL" train "$T/ex_$c.yaml" --out "$T/ex_$c" --threads 1
    expect_exit 0 "eval configs/examples/$c.yaml" -- "$NNCTL" eval "$T/ex_$c/model.ckpt" --json --threads 1
    cp "$T/out" "$T/ex_$c.json"
done
# eval on a hand-made case: zero features, zero weights, labels a b a c, one SGD step of 0.6 on
# the whole batch moves only the biases, by -0.6 * (1/3 - share): a +0.1, b and c -0.05. Every
# row then predicts a (accuracy 1/2) and the loss is -(ln p_a + ln p_b) / 2 with
# p = softmax(0.1, -0.05, -0.05): 1.076152316.
printf 'x,label\n0,a\n0,b\n0,a\n0,c\n' >"$T/hand.csv"
cat >"$T/hand.yaml" <<HAND
model: {input_shape: [1], layers: [{type: dense, units: 3, activation: softmax, init: zeros}]}
loss: categorical_crossentropy
optimizer: {type: sgd, learning_rate: 0.6}
training: {epochs: 1, batch_size: 4, seed: 1}
data: {source: csv, train_file: '$T/hand.csv', test_file: '$T/hand.csv', target: labels, classes: 3}
HAND
expect_exit 0 "train the hand-made case" -- "$NNCTL" train "$T/hand.yaml" --out "$T/hand" --threads 1
expect_exit 0 "eval the hand-made case" -- "$NNCTL" eval "$T/hand/model.ckpt" --json --threads 1
hl=$(json_num "$T/out" loss)
awk -v l="$hl" 'BEGIN { a = exp(0.1); b = exp(-0.05); s = a + 2 * b; w = -(log(a / s) + log(b / s)) / 2; d = l - w; exit !(d < 1e-6 && d > -1e-6) }' \
    && [ "$(json_num "$T/out" accuracy)" = 0.5 ] && grep -qF '"confusion": [[2, 0, 0], [1, 0, 0], [1, 0, 0]]' "$T/out" \
    && ok || { bad "eval's numbers on the hand-made case"; cat "$T/out"; }
# the class names travel in the checkpoint: eval prints them, predict writes them (RFC 4180)
grep -qF '"class_names": ["versicolor", "virginica, tall", "setosa"]' "$T/ex_flowers.json" && ok || bad "eval --json lacks the class names"
tail -n +2 "$T/ex/flowers_test.csv" | head -3 | cut -d, -f1-4 >"$T/ex_in.csv"
expect_exit 0 "predict names the classes" -- "$NNCTL" predict "$T/ex_flowers/model.ckpt" --input-file "$T/ex_in.csv" --output "$T/ex_pred.csv" --threads 1
tail -n +2 "$T/ex/flowers_test.csv" | head -3 | sed 's/.*,\([a-z]*\|"[^"]*"\)$/\1/' >"$T/ex_truth.txt"
tail -n +2 "$T/ex_pred.csv" | sed 's/^\([a-z]*\|"[^"]*"\),.*/\1/' | cmp -s - "$T/ex_truth.txt" && ok || { bad "predicted class names differ from the first three test labels"; cat "$T/ex_pred.csv" "$T/ex_truth.txt"; }
printf 'model: {input_shape: [4], layers: [{type: dense, units: 3, activation: softmax}]}\nloss: categorical_crossentropy\ndata: {source: csv, train_file: x.csv, target: labels, classes: 3, class_names: [a, b]}\n' >"$T/cn.yaml"
expect_exit 2 "class_names of the wrong length" -- "$NNCTL" check "$T/cn.yaml"
grep -qF "$T/cn.yaml:3:7: error: 'data.class_names': 2 names, data.classes is 3" "$T/err" && ok || { bad "class_names length message"; cat "$T/err"; }
# eval --data: another model file's data, whose labels first appear in another order, still maps
# them to the checkpoint's classes (setosa is class 2)
{ head -1 "$T/ex/flowers_test.csv"; grep setosa "$T/ex/flowers_test.csv" | head -20; grep -v setosa "$T/ex/flowers_test.csv" | tail -n +2 | head -20; } >"$T/ex_other.csv"
sed "s#data/examples/flowers_train.csv#$T/ex_other.csv#; s#test_file: .*#test_file: ''#" configs/examples/flowers.yaml >"$T/ex_other.yaml"
expect_exit 0 "eval --data CONFIG" -- "$NNCTL" eval "$T/ex_flowers/model.ckpt" --data "$T/ex_other.yaml" --json --threads 1
grep -q '{"label": 2, .*"support": 20}' "$T/out" && [ "$(json_num "$T/out" n)" = 40 ] && ok || { bad "eval --data maps labels by the checkpoint's class names"; cat "$T/out"; }
grep -qF "$T/ex_other.yaml: the config has no test split" "$T/err" && ok || bad "eval --data warns that it uses the training split"
cp "$T/out" "$T/ex_other.json"
# a short .yml name is a model file too
cp "$T/ex_other.yaml" "$T/o.yml"
expect_exit 0 "eval --data a.yml" -- sh -c 'cd "$1" && "$2" eval ex_flowers/model.ckpt --data o.yml --json --threads 1' sh "$T" "$(realpath "$NNCTL")"
[ "$(json_num "$T/out" correct)" = "$(json_num "$T/ex_other.json" correct)" ] && ok || { bad "eval --data o.yml is read as a model file"; cat "$T/err"; }
expect_exit 0 "eval --data FILE" -- "$NNCTL" eval "$T/ex_flowers/model.ckpt" --data "$T/ex_other.csv" --json --threads 1
[ "$(json_num "$T/out" loss)" = "$(json_num "$T/ex_other.json" loss)" ] && [ "$(json_num "$T/out" correct)" = "$(json_num "$T/ex_other.json" correct)" ] \
    && ok || bad "eval --data FILE differs from eval --data CONFIG on the same rows"
expect_exit 2 "eval --data FILE on an idx-trained checkpoint" -- "$NNCTL" eval "$T/xor/model.ckpt" --data "$T/ex_other.csv"
expect_exit 2 "eval --data with a broken config" -- "$NNCTL" eval "$T/ex_flowers/model.ckpt" --data "$T/cn.yaml"
grep -qF "$T/cn.yaml:3:7: error: 'data.class_names'" "$T/err" && ok || { bad "eval --data names the config's mistake"; cat "$T/err"; }
# data.normalize: the statistics travel in the checkpoint; predict applies them (its MSE over the
# test file is eval's loss), inline rows as file rows
expect_exit 0 "train houses normalised" -- "$NNCTL" train "$T/ex_houses.yaml" --set data.normalize=standard --out "$T/ex_norm" --threads 1
grep -aq "^  feature_offset: \[" "$T/ex_norm/model.ckpt" && ok || bad "the checkpoint's config lacks the statistics"
expect_exit 0 "eval houses normalised" -- "$NNCTL" eval "$T/ex_norm/model.ckpt" --json --threads 1
nmse=$(json_num "$T/out" loss)
tail -n +2 "$T/ex/houses_test.csv" | cut -d, -f1-5 >"$T/hx.csv"
tail -n +2 "$T/ex/houses_test.csv" | cut -d, -f6 >"$T/hy.txt"
expect_exit 0 "predict houses normalised" -- "$NNCTL" predict "$T/ex_norm/model.ckpt" --input-file "$T/hx.csv" --output "$T/hp.csv" --threads 1
pmse=$(tail -n +2 "$T/hp.csv" | paste -d' ' - "$T/hy.txt" | awk '{ d = $1 - $2; s += d * d } END { printf "%.6g", s / NR }')
awk -v a="$nmse" -v b="$pmse" 'BEGIN { d = a - b; exit !(d < 1e-3 && d > -1e-3) }' && ok || bad "predict's MSE $pmse differs from eval's $nmse"
expect_exit 0 "predict inline, normalised" -- "$NNCTL" predict "$T/ex_norm/model.ckpt" --input "$(head -1 "$T/hx.csv")"
[ "$(cat "$T/out")" = "$(sed -n 2p "$T/hp.csv")" ] && ok || bad "inline and file predictions differ under normalisation"
# encode applies it too: the same rows as a float32 IDX (perl-base packs it) give predict's numbers
perl -e 'my @r = map { chomp; [split /,/] } <STDIN>; print pack("NNN", 0xD02, scalar @r, 5), map { pack("f>*", @$_) } @r' <"$T/hx.csv" >"$T/hx.idx"
expect_exit 0 "encode houses normalised" -- "$NNCTL" encode "$T/ex_norm/model.ckpt" --input "$T/hx.idx" --output "$T/he.idx" --threads 1
[ "$(perl -e 'open F, "<", $ARGV[0]; binmode F; read F, $h, 12; read F, $d, 8; printf "%.6g %.6g", unpack("f>2", $d)' "$T/he.idx")" = "$(sed -n 2,3p "$T/hp.csv" | paste -sd' ')" ] \
    && ok || bad "encode's outputs differ from predict's under normalisation"
acc=$(json_num "$T/ex_flowers.json" accuracy)
awk -v a="$acc" 'BEGIN { exit !(a >= 0.95) }' && ok || bad "flowers test accuracy $acc, below 0.95"
mse=$(json_num "$T/ex_houses.json" loss)
awk -v m="$mse" 'BEGIN { exit !(m > 30 && m < 45) }' && ok || bad "houses test MSE $mse, outside 30..45"

if [ -n "${MNIST_DIR:-}" ] && [ -e "$MNIST_DIR/t10k-images-idx3-ubyte.gz" -o -e "$MNIST_DIR/t10k-images-idx3-ubyte" ]; then
    # missing data files: exit 1, the message names the paths tried
    expect_exit 1 "missing MNIST files" -- env MNIST_DIR="$T/nowhere" "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/nomnist" --quiet
    grep -q "$T/nowhere/train-images-idx3-ubyte" "$T/err" && ok || { bad "missing-file message names the path"; cat "$T/err"; }
    expect_exit 0 "data check" -- "$NNCTL" data check --json "$T/data.json"
    grep -q "0 test images duplicate a training image" "$T/out" && ok || bad "data check disjointness line"
    S=(--threads 1 --quiet --set data.train_limit=2000 --set data.test_limit=500 --set training.checkpoint_every=1)
    expect_exit 0 "autoencoder slice" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/ae" "${S[@]}" --set training.epochs=4
    # the test loss must fall every epoch and end below the predict-the-mean baseline (0.0675)
    awk -F, 'NR > 2 && $3 >= prev { bad = 1 } NR > 1 { prev = $3; last = $3 } END { exit bad || !(last < 0.06) }' "$T/ae/history.csv" \
        && ok || { bad "autoencoder test loss must fall below 0.06"; cat "$T/ae/history.csv"; }
    tl=$(json_num "$T/ae/metrics.json" final_test_loss)
    [ -n "$tl" ] && ok || bad "metrics.json has final_test_loss"
    # a CPU with AVX512-BF16 but no AMX, played with oneDNN's own limit (DNNL_MAX_CPU_ISA): the
    # same bf16 config runs there, every matmul on avx512_core_bf16 kernels, none on AMX, and
    # learns as the float32 slice does
    if grep -qw avx512_bf16 /proc/cpuinfo 2>/dev/null; then
        expect_exit 0 "bf16 slice on AVX512-BF16 without AMX" -- env DNNL_MAX_CPU_ISA=AVX512_CORE_BF16 DNNL_VERBOSE=1 "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/aenb" "${S[@]}" --set training.epochs=4 --precision bfloat16
        n_bf=$(grep -c '^onednn_verbose,exec,cpu,matmul,[^,]*avx512_core_bf16' "$T/out")
        n_amx=$(grep -c '^onednn_verbose,exec,.*amx' "$T/out")
        [ "$n_bf" -gt 500 ] && [ "$n_amx" -eq 0 ] && grep -q 'isa AVX-512"' "$T/aenb/metrics.json" && ok \
            || bad "bf16 without AMX: $n_bf avx512_core_bf16 matmuls, $n_amx on AMX"
        tlnb=$(json_num "$T/aenb/metrics.json" final_test_loss)
        awk -v a="$tl" -v b="$tlnb" 'BEGIN { exit !(b < 0.06 && b < 1.1 * a) }' \
            && ok || bad "bf16 without AMX: test loss $tlnb against float32's $tl"
    fi
    # on AMX: nnctl's own kernels, and oneDNN's kept by NNCTL_BF16_KERNEL=onednn, train the same
    # slice to the same test loss (the same bits here: both add each dot product's pairs of
    # products in the same order)
    if grep -qw amx_bf16 /proc/cpuinfo 2>/dev/null; then
        expect_exit 0 "bf16 slice, nnctl's AMX kernels" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/aeamx" "${S[@]}" --set training.epochs=2 --precision bfloat16
        expect_exit 0 "bf16 slice, oneDNN's kernels" -- env NNCTL_BF16_KERNEL=onednn "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/aednn" "${S[@]}" --set training.epochs=2 --precision bfloat16
        grep -q "nnctl's AMX kernels" "$T/aeamx/metrics.json" && grep -q '"blas": "oneDNN.*isa AMX"' "$T/aednn/metrics.json" \
            && ok || bad "the two bf16 runs name their kernels"
        ta=$(json_num "$T/aeamx/metrics.json" final_test_loss)
        tn=$(json_num "$T/aednn/metrics.json" final_test_loss)
        awk -v a="$ta" -v b="$tn" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a < 0.07 && d <= 0.001 * b) }' \
            && ok || bad "own AMX kernels: test loss $ta against oneDNN's $tn"
    fi
    # interrupted after 2 epochs and resumed: the same bytes as the uninterrupted run
    expect_exit 0 "autoencoder 2 epochs" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/ae2" "${S[@]}" --set training.epochs=2
    expect_exit 0 "resume to 4 epochs" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/ae2" "${S[@]}" --set training.epochs=4 --resume
    cmp -s "$T/ae/model.ckpt" "$T/ae2/model.ckpt" && ok || bad "resumed run differs from the uninterrupted one"
    expect_exit 2 "resume with another config" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/ae2" "${S[@]}" --set training.epochs=5 --set optimizer.learning_rate=0.1 --resume
    grep -q "optimizer: checkpoint has 'learning_rate: 0.005', config has 'learning_rate: 0.1'" "$T/err" && ok || bad "resume refusal names the difference"
    # the same slice on a team of 2 threads (each step split by rows): twice the same bytes, a
    # resume in the middle included, and the same quality as one thread
    S2=(--threads 2 --quiet --set data.train_limit=2000 --set data.test_limit=500 --set training.checkpoint_every=1)
    expect_exit 0 "autoencoder slice, 2 threads" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/t2a" "${S2[@]}" --set training.epochs=4
    grep -q '"parallel": "batch"' "$T/t2a/metrics.json" && ok || bad "2-thread run records the batch schedule"
    expect_exit 0 "2 threads, 2 epochs" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/t2b" "${S2[@]}" --set training.epochs=2
    expect_exit 0 "2 threads, resume to 4" -- "$NNCTL" train configs/mnist_autoencoder.yaml --out "$T/t2b" "${S2[@]}" --set training.epochs=4 --resume
    cmp -s "$T/t2a/model.ckpt" "$T/t2b/model.ckpt" && ok || bad "2-thread runs differ"
    tl2=$(json_num "$T/t2a/metrics.json" final_test_loss)
    awk -v a="$tl" -v b="$tl2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 0.002) }' \
        && ok || bad "2-thread test loss $tl2 far from 1-thread $tl"
    expect_exit 0 "reconstruct" -- "$NNCTL" reconstruct "$T/ae/model.ckpt" --count 10 --seed 3 --out "$T/r.png"
    # PNG signature, then IHDR width and height (big-endian) at bytes 16..23: 10 × (84+4)+4 by 2 × (84+4)+4
    [ "$(od -An -tx1 -N8 "$T/r.png" | tr -d ' ')" = "89504e470d0a1a0a" ] && ok || bad "reconstruct writes a PNG"
    [ "$(od -An -tu1 -j16 -N8 "$T/r.png" | tr -s ' ')" = " 0 0 3 116 0 0 0 180" ] && ok || bad "reconstruct PNG is 884 × 180"
    expect_exit 0 "encode latent" -- "$NNCTL" encode "$T/ae/model.ckpt" --layer latent --input "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/z.idx"
    # f32 IDX header: magic 00 00 0d 02, then 10000 and 64, then 10000 × 64 floats
    [ "$(od -An -tx1 -N12 "$T/z.idx" | tr -d ' ')" = "00000d020000271000000040" ] && ok || bad "encode writes a 10000 × 64 f32 IDX"
    [ "$(stat -c %s "$T/z.idx")" -eq $((12 + 10000 * 64 * 4)) ] && ok || bad "encode output size"
    # libsvm's own tools (libsvm-tools): a model svm-train writes loads in nnctl, and nnctl's
    # batched prediction gives svm-predict's accuracy line on all 10,000 vectors
    if command -v svm-train >/dev/null && command -v svm-predict >/dev/null; then
        L="$MNIST_DIR/t10k-labels-idx1-ubyte.gz"
        [ -e "$L" ] || L="$MNIST_DIR/t10k-labels-idx1-ubyte"
        expect_exit 0 "encode --format libsvm" -- "$NNCTL" encode "$T/ae/model.ckpt" --layer latent --input "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/z.svm" --format libsvm --labels "$L"
        head -1500 "$T/z.svm" >"$T/z1500.svm"
        svm-train -q -c 10 -g 0.04 "$T/z1500.svm" "$T/tools.model" >/dev/null && ok || bad "svm-train on nnctl's libsvm features"
        svm-predict "$T/z.svm" "$T/tools.model" "$T/tools.pred" >"$T/tools.out" 2>&1
        expect_exit 0 "svm eval of svm-train's model" -- "$NNCTL" svm eval --model "$T/tools.model" --features "$T/z.idx" --labels "$L" --out "$T/tools_eval"
        [ "$(grep '^Accuracy' "$T/tools.out")" = "$(grep '^Accuracy' "$T/out")" ] && ok || bad "nnctl's prediction of svm-train's model: $(grep '^Accuracy' "$T/out") against svm-predict's $(grep '^Accuracy' "$T/tools.out")"
    fi
    expect_exit 2 "encode a missing layer" -- "$NNCTL" encode "$T/ae/model.ckpt" --layer latnt --input "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/never.idx"
    printf "nnctl: error: no layer named 'latnt'; the layers are: flatten_0, dense_1, latent, dense_3, dense_4, reshape_5\n" >"$T/g"
    expect_stderr "$T/g"
    [ ! -e "$T/never.idx" ] && ok || bad "failed encode wrote a file"
    # --- convolutions: a small net with batchnorm on a slice, interrupted and resumed to the same
    # bytes (the running statistics travel in the checkpoint), eval, encode, filters ---
    expect_exit 0 "check a cnn with batchnorm" -- "$NNCTL" check configs/examples/mnist_cnn_bn.yaml
    grep -q "^# batchnorm_1      batchnorm \[28, 28, 8\]    -                  32$" "$T/out" && ok || bad "check prints batchnorm's shape and tensors"
    grep -q "^# total parameters: 7042 (27.5 KiB as float32); 7026 trained, 16 running statistics$" "$T/out" && ok || bad "check separates the running statistics"
    B=(--threads 2 --quiet --set data.train_limit=2000 --set data.test_limit=300)
    expect_exit 0 "cnn with batchnorm" -- "$NNCTL" train configs/examples/mnist_cnn_bn.yaml --out "$T/cnn" "${B[@]}"
    expect_exit 0 "cnn, 1 epoch" -- "$NNCTL" train configs/examples/mnist_cnn_bn.yaml --out "$T/cnn2" "${B[@]}" --set training.epochs=1
    expect_exit 0 "cnn, resumed to 2" -- "$NNCTL" train configs/examples/mnist_cnn_bn.yaml --out "$T/cnn2" "${B[@]}" --resume
    cmp -s "$T/cnn/model.ckpt" "$T/cnn2/model.ckpt" && ok || bad "cnn resumed run differs from the uninterrupted one"
    expect_exit 0 "eval cnn" -- "$NNCTL" eval "$T/cnn/model.ckpt" --threads 1
    acc=$(sed -n 's|^Accuracy = [0-9.]*% (\([0-9]*\)/300) (classification)$|\1|p' "$T/out")
    [ -n "$acc" ] && [ "$acc" -ge 240 ] && ok || { bad "cnn eval accuracy at least 80% on the slice"; cat "$T/out"; }
    expect_exit 0 "encode a conv layer" -- "$NNCTL" encode "$T/cnn/model.ckpt" --layer conv2d_4 --input "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/zc.idx" --threads 1
    [ "$(od -An -tu1 -j3 -N1 "$T/zc.idx" | tr -d ' ')" = "2" ] && ok || bad "encode writes (samples, values) of a conv layer"
    expect_exit 0 "filters png" -- "$NNCTL" filters "$T/cnn/model.ckpt" --out "$T/f.png"
    [ "$(head -c 8 "$T/f.png" | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ] && ok || bad "filters wrote a PNG"
    grep -q "wrote the 8 filters of conv2d_0" "$T/out" && ok || bad "filters names the layer"
    expect_exit 2 "filters of a dense net" -- "$NNCTL" filters "$T/ae/model.ckpt" --out "$T/nf.png"
    printf "nnctl: error: the model has no conv2d layer\n" >"$T/g"
    expect_stderr "$T/g"
    [ ! -e "$T/nf.png" ] && ok || bad "a refused filters wrote a file"
    # --- the classifier on a slice: eval (text, --json, --out), predict --input-file ---
    C=(--threads 1 --quiet --set data.train_limit=3000 --set data.test_limit=500 --set training.epochs=4)
    expect_exit 0 "classifier slice" -- "$NNCTL" train configs/mnist_classifier.yaml --out "$T/clf" "${C[@]}"
    expect_exit 0 "eval classifier" -- "$NNCTL" eval "$T/clf/model.ckpt" --threads 1
    grep -q "^loss (categorical_crossentropy) = " "$T/out" && ok || { bad "eval prints the loss"; cat "$T/out"; }
    correct=$(sed -n 's|^Accuracy = [0-9.]*% (\([0-9]*\)/500) (classification)$|\1|p' "$T/out")
    [ -n "$correct" ] && [ "$correct" -ge 425 ] && ok || { bad "eval accuracy line, at least 85% on the slice"; cat "$T/out"; }
    [ "$(awk '$1 ~ /^[0-9]$/ && NF == 5' "$T/out" | wc -l)" -eq 10 ] && ok || bad "eval report has 10 classes"
    # early stopping's best.ckpt is a checkpoint like any other: eval, predict and encode take it
    [ -s "$T/clf/best.ckpt" ] && ok || bad "the classifier run kept best.ckpt"
    expect_exit 0 "eval best.ckpt" -- "$NNCTL" eval "$T/clf/best.ckpt" --threads 1
    grep -q "^Accuracy = " "$T/out" && ok || bad "eval best.ckpt prints the accuracy"
    expect_exit 0 "predict best.ckpt" -- "$NNCTL" predict "$T/clf/best.ckpt" --input-file "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/pbest.csv" --threads 1
    expect_exit 0 "encode best.ckpt" -- "$NNCTL" encode "$T/clf/best.ckpt" --layer dense_3 --input "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/zbest.idx" --threads 1
    head -1 "$T/clf/history.csv" | grep -q ",lr,val_loss,val_accuracy," && ok || bad "history.csv has the lr and validation columns"
    expect_exit 0 "eval --json" -- "$NNCTL" eval "$T/clf/model.ckpt" --json --out "$T/ev" --threads 1
    [ "$(json_num "$T/out" correct)" = "$correct" ] && grep -q '"accuracy": ' "$T/out" && ok || bad "eval --json has accuracy and correct"
    for f in report.txt confusion.csv confusion.png metrics.json; do [ -s "$T/ev/$f" ] && ok || bad "eval --out wrote $f"; done
    expect_exit 0 "eval autoencoder" -- "$NNCTL" eval "$T/ae/model.ckpt" --threads 1
    grep -q "^loss (mse) = 0\.0" "$T/out" && ! grep -q "^Accuracy" "$T/out" && ok || { bad "eval autoencoder prints the MSE only"; cat "$T/out"; }
    expect_exit 1 "eval a missing checkpoint" -- "$NNCTL" eval "$T/none.ckpt"
    grep -q "$T/none.ckpt" "$T/err" && ok || bad "eval names the missing checkpoint"
    expect_exit 0 "predict --input-file" -- "$NNCTL" predict "$T/clf/model.ckpt" --input-file "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/pred.csv" --threads 1
    [ "$(wc -l <"$T/pred.csv")" -eq 10001 ] && [ "$(head -1 "$T/pred.csv")" = "class,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9" ] \
        && ok || bad "predict CSV: a header and 10000 rows"
    # the first 500 predicted classes agree with the labels exactly as often as eval counted
    lbl=$MNIST_DIR/t10k-labels-idx1-ubyte.gz; [ -e "$lbl" ] || lbl=${lbl%.gz}
    gzip -dcf "$lbl" | tail -c +9 | head -c 500 | od -An -tu1 -v | tr -s ' ' '\n' | grep -v '^$' >"$T/lbl.txt"
    agree=$(tail -n +2 "$T/pred.csv" | head -500 | cut -d, -f1 | paste -d' ' - "$T/lbl.txt" | awk '$1 == $2 { n++ } END { print n + 0 }')
    [ "$agree" = "$correct" ] && ok || bad "predict agrees with the labels $agree times, eval counted $correct"
    expect_exit 0 "predict --input-file to .npy" -- "$NNCTL" predict "$T/clf/model.ckpt" --input-file "$MNIST_DIR/t10k-images-idx3-ubyte.gz" --output "$T/pred.npy" --batch 1000 --threads 1
    [ "$(head -c 6 "$T/pred.npy" | od -An -c | tr -d ' ')" = "223NUMPY" ] && [ "$(stat -c %s "$T/pred.npy")" -eq $((128 + 10000 * 10 * 4)) ] \
        && ok || bad "predict writes a 10000 × 10 float32 .npy"
    expect_exit 1 "predict a missing file" -- "$NNCTL" predict "$T/clf/model.ckpt" --input-file "$T/none.idx" --output "$T/p.csv"
    grep -q "$T/none.idx" "$T/err" && ok || bad "predict names the missing file"
    # a 3 × 5 float32 .npy: the width is refused, naming the file and the field
    h="{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }"
    { printf '\223NUMPY\001\000\166\000%s%*s\n' "$h" $((117 - ${#h})) ''; head -c 60 /dev/zero; } >"$T/w5.npy"
    expect_exit 1 "predict a .npy of the wrong width" -- "$NNCTL" predict "$T/clf/model.ckpt" --input-file "$T/w5.npy" --output "$T/p.csv"
    grep -q "$T/w5.npy: field 'shape': rows of 5 values, but the model in .* takes 784 inputs" "$T/err" && ok || { bad "wrong-width message"; cat "$T/err"; }
    [ ! -e "$T/p.csv" ] && ok || bad "failed predict wrote a file"
    expect_exit 2 "predict --input and --input-file" -- "$NNCTL" predict "$T/clf/model.ckpt" --input "0" --input-file "$T/w5.npy" --output "$T/p.csv"
else
    echo "cli: MNIST_DIR not set or empty: skipping the MNIST tests"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
