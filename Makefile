# nnctl — build, test and demo. `make test` and `make demo` install missing Debian packages first.
CC       ?= gcc
WARN     := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wswitch-enum -Werror
CPPFLAGS := -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
# -ffp-contract=fast: in ISO C mode (-std=c11) GCC otherwise never fuses a·b + c into one FMA;
# fused, the exp/tanh/sigmoid polynomials run 1.5× faster and are as accurate or more (test_vmath).
OPT      ?= -O3 -march=native -mprefer-vector-width=512 -ffp-contract=fast -fno-math-errno -g
LIBS     := -pthread -lyaml -lopenblas -ldnnl -lgomp -lsvm -lpng -lnettle -lz -lm
TESTLIBS := -lcmocka

# One folder per concern under src/ (see docs/design.md); private headers sit beside
# their .c files and are included as "folder/name.h".
SRC_DIRS := cli config core layers model optim backend train data io svm
LIB_SRC  := $(filter-out src/cli/main.c,$(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.c)))
HEADERS  := $(wildcard include/nnctl/*.h) $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.h))
TESTS    := test_number test_config test_schema test_optim test_schedule test_controls test_checkpoint test_idx test_train test_encode test_svm test_vmath test_team test_backend test_coretype test_bf16 test_amx test_svm_ovo test_data_sources test_extend
# Gradient checks run in the double-precision build of the same sources.
DTESTS   := test_gradcheck

REL  := build/rel
DBL  := build/dbl
ASAN := build/asan
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# MNIST lives inside the project (git-ignored): `make mnist` (and `make demo`) fetch and verify it
# there with scripts/fetch-mnist.sh; .ci/run fills it from a local mirror. Tests that need it skip
# themselves when it is missing.
MNIST_DIR ?= $(CURDIR)/data/mnist
export MNIST_DIR

.PHONY: all deps test check unit reliability valgrind tsan hygiene demo bench clean format lint schema-docs mnist amx-gemm
all: $(REL)/nnctl

deps:
	@./scripts/install-deps.sh

# ---- one pattern per build flavour: objects, static library, binary, tests ----
define flavour
$(1)/obj/%.o: src/%.c $(HEADERS) Makefile | $(1)/obj
	@echo "  CC    $$@"
	@mkdir -p $$(@D)
	@$$(CC) $$(WARN) $$(CPPFLAGS) $(2) '-DNN_BUILD_FLAGS="$(strip $(2))"' -c $$< -o $$@
$(1)/obj:
	@mkdir -p $$@
$(1)/libnnctl.a: $(patsubst src/%.c,$(1)/obj/%.o,$(LIB_SRC))
	@rm -f $$@
	@echo "  AR    $$@"
	@ar rcs $$@ $$^
$(1)/nnctl: $(1)/obj/cli/main.o $(1)/libnnctl.a
	@echo "  LINK  $$@"
	@$$(CC) $(2) -o $$@ $$^ $$(LIBS)
$(1)/%: tests/%.c tests/testutil.h $(1)/libnnctl.a
	@echo "  TEST  $$@"
	@$$(CC) $$(WARN) $$(CPPFLAGS) -Itests $(2) -o $$@ $$< $(1)/libnnctl.a $$(TESTLIBS) $$(LIBS)
endef
$(eval $(call flavour,$(REL),$(OPT)))
$(eval $(call flavour,$(DBL),$(OPT) -DNN_DOUBLE))
$(eval $(call flavour,$(ASAN),$(SANFLAGS)))
$(eval $(call flavour,$(ASAN)-dbl,$(SANFLAGS) -DNN_DOUBLE))
# ThreadSanitizer: the training step's thread team (team.c, train.c) has its own synchronisation.
TSAN := build/tsan
$(eval $(call flavour,$(TSAN),-O1 -g -fsanitize=thread))
# valgrind 3.19 cannot decode AVX-512, so its build targets the baseline x86-64 instruction set.
VG := build/vg
$(eval $(call flavour,$(VG),-O2 -g))


unit: deps $(addprefix $(REL)/,$(TESTS)) $(addprefix $(DBL)/,$(DTESTS)) $(REL)/nnctl
	@set -e; for t in $(TESTS); do echo "== $$t"; OPENBLAS_NUM_THREADS=1 $(REL)/$$t; done; \
	 for t in $(DTESTS); do echo "== $$t (float64)"; OPENBLAS_NUM_THREADS=1 $(DBL)/$$t; done

# Everything: the release suite, the reliability tests, then the suite under the sanitizers.
test: unit
	@echo "== tests/cli.sh"
	@NNCTL=$(REL)/nnctl ./tests/cli.sh
	@$(MAKE) --no-print-directory reliability
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory hygiene

# cppcheck finds nothing and the sources are clang-formatted (each skipped if its tool is missing).
FORMATTED := src/*/*.c $(wildcard src/*/*.h) include/nnctl/*.h tests/*.c tests/*.h tests/fuzz/*.c tests/fuzz/*.h bench/*.c
hygiene:
	@if command -v cppcheck >/dev/null; then echo "== cppcheck"; $(MAKE) --no-print-directory -s lint; \
	 else echo "== cppcheck skipped: not installed"; fi
	@if command -v clang-format >/dev/null; then echo "== clang-format --dry-run"; \
	   clang-format --dry-run --Werror $(FORMATTED); else echo "== clang-format skipped: not installed"; fi

# XOR and a short MNIST run under valgrind memcheck: no invalid access, no definite or indirect leak.
VALGRIND := valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect --error-exitcode=1
valgrind: deps $(VG)/nnctl
	@command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
	@rm -rf build/valgrind; mkdir -p build/valgrind
	@echo "== valgrind: nnctl train configs/xor.yaml"
	@OPENBLAS_NUM_THREADS=1 $(VALGRIND) $(VG)/nnctl train configs/xor.yaml --out build/valgrind/xor --quiet --threads 1
	@OPENBLAS_NUM_THREADS=1 $(VALGRIND) $(VG)/nnctl predict build/valgrind/xor/model.ckpt --input "0 0; 0 1; 1 0; 1 1" >/dev/null
	@echo "== valgrind: a short MNIST autoencoder run, its resume, and reconstruct"
	@OPENBLAS_NUM_THREADS=1 $(VALGRIND) $(VG)/nnctl train configs/mnist_autoencoder.yaml --out build/valgrind/ae --quiet --threads 1 \
	  --set data.train_limit=1000 --set data.test_limit=200 --set training.epochs=2 --set training.checkpoint_every=1
	@OPENBLAS_NUM_THREADS=1 $(VALGRIND) $(VG)/nnctl train configs/mnist_autoencoder.yaml --out build/valgrind/ae --quiet --threads 1 \
	  --set data.train_limit=1000 --set data.test_limit=200 --set training.epochs=3 --set training.checkpoint_every=1 --resume
	@OPENBLAS_NUM_THREADS=1 $(VALGRIND) $(VG)/nnctl reconstruct build/valgrind/ae/model.ckpt --out build/valgrind/r.png >/dev/null
	@echo "== valgrind: the same run on a team of 2 threads"
	@$(VALGRIND) $(VG)/nnctl train configs/mnist_autoencoder.yaml --out build/valgrind/ae2 --quiet --threads 2 \
	  --set data.train_limit=1000 --set data.test_limit=200 --set training.epochs=2
	@echo "valgrind: clean"

# kill -9 at 20 moments with bit-identical resume, and the generated table of malformed files.
reliability: deps $(REL)/nnctl
	@echo "== tests/kill_resume.sh"
	@NNCTL=$(REL)/nnctl ./tests/kill_resume.sh
	@if $(REL)/nnctl check configs/xor.yaml --set training.precision=bfloat16 >/dev/null 2>&1; then \
	   echo "== tests/kill_resume.sh in bfloat16"; \
	   NNCTL=$(REL)/nnctl ./tests/kill_resume.sh 10 777 --set training.precision=bfloat16; \
	 else echo "== kill_resume in bfloat16 skipped: this CPU has neither AMX-BF16 nor AVX512-BF16"; fi
	@echo "== tests/kill_resume.sh with the training controls (validation, cosine, AdamW, dropout, early stopping)"
	@CONFIG=configs/mnist_classifier.yaml NNCTL=$(REL)/nnctl ./tests/kill_resume.sh 10 4242
	@echo "== tests/kill_resume.sh on a convolutional net with batchnorm (its running statistics)"
	@CONFIG=configs/examples/mnist_cnn_bn.yaml NNCTL=$(REL)/nnctl ./tests/kill_resume.sh 10 777
	@echo "== tests/no_lost_work.sh"
	@NNCTL=$(REL)/nnctl ./tests/no_lost_work.sh
	@echo "== tests/malformed.sh"
	@NNCTL=$(REL)/nnctl ./tests/malformed.sh

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check: deps $(addprefix $(ASAN)/,$(TESTS)) $(addprefix $(ASAN)-dbl/,$(DTESTS)) $(ASAN)/nnctl
	@set -e; export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1; \
	 for t in $(TESTS); do echo "== $$t (asan+ubsan)"; OPENBLAS_NUM_THREADS=1 $(ASAN)/$$t; done; \
	 for t in $(DTESTS); do echo "== $$t (asan+ubsan, float64)"; OPENBLAS_NUM_THREADS=1 $(ASAN)-dbl/$$t; done; \
	 echo "== tests/cli.sh (asan+ubsan)"; NNCTL=$(ASAN)/nnctl ./tests/cli.sh
	@if command -v $(FUZZCC) >/dev/null 2>&1; then $(MAKE) --no-print-directory fuzz-smoke; \
	 else echo "== fuzz smoke skipped: $(FUZZCC) (libFuzzer) is not installed"; fi
	@$(MAKE) --no-print-directory tsan

# The thread team under ThreadSanitizer: its own tests, training on 1 to 4 threads, and short
# MNIST runs on 2 threads, in float32 and (where the CPU has bf16) bfloat16 on each bf16 path:
# nnctl's AMX kernels where the CPU has AMX, and oneDNN's matmul (forced with
# NNCTL_BF16_KERNEL=onednn on AMX; the only path on AVX512-BF16 without AMX). OpenBLAS and oneDNN
# are not instrumented; the team's hand-offs around them and nnctl's AMX path are.
TSAN_BF16 = $(TSAN)/nnctl train configs/mnist_autoencoder.yaml --out build/tsan-run --quiet --threads 2 \
	      --precision bfloat16 --set data.train_limit=2000 --set data.test_limit=200 --set training.epochs=2
tsan: deps $(TSAN)/test_team $(TSAN)/test_train $(TSAN)/test_controls $(TSAN)/nnctl
	@set -e; export TSAN_OPTIONS=halt_on_error=1; \
	 for t in test_team test_train test_controls; do echo "== $$t (tsan)"; OPENBLAS_NUM_THREADS=1 $(TSAN)/$$t; done; \
	 if [ -d "$(MNIST_DIR)" ]; then echo "== nnctl train, MNIST, 2 threads (tsan)"; rm -rf build/tsan-run; \
	   $(TSAN)/nnctl train configs/mnist_autoencoder.yaml --out build/tsan-run --quiet --threads 2 \
	     --set data.train_limit=3000 --set data.test_limit=500 --set training.epochs=2; \
	   if ! $(TSAN)/nnctl check configs/xor.yaml --set training.precision=bfloat16 >/dev/null 2>&1; then \
	     echo "== bfloat16 under tsan skipped: this CPU has neither AMX-BF16 nor AVX512-BF16"; \
	   else \
	     if grep -qw amx_bf16 /proc/cpuinfo; then \
	       echo "== nnctl train in bfloat16 on nnctl's AMX kernels, MNIST, 2 threads (tsan: the weight copies' refresh, the staged operands)"; \
	       rm -rf build/tsan-run; $(TSAN_BF16); fi; \
	     echo "== nnctl train in bfloat16 on oneDNN's matmul, MNIST, 2 threads (tsan: per-thread primitives)"; \
	     rm -rf build/tsan-run; NNCTL_BF16_KERNEL=onednn $(TSAN_BF16); fi; fi

# Speed figures (issue 6), written to bench/results.json; peers are timed when installed.
$(REL)/bench: bench/bench.c $(REL)/libnnctl.a
	@echo "  BENCH $@"
	@$(CC) $(WARN) $(CPPFLAGS) $(OPT) -Wno-missing-prototypes -o $@ $< $(REL)/libnnctl.a $(LIBS)

bench: deps $(REL)/bench $(REL)/nnctl
	@mkdir -p bench/out
	@./scripts/bench.sh $(REL)/bench

# nnctl's AMX kernels against oneDNN's matmul on the eleven GEMMs of one autoencoder step as one
# thread of two runs them, packing included, one core (issue 13's comparison; not part of nnctl).
$(REL)/amx_gemm: bench/amx_gemm.c $(REL)/libnnctl.a
	@echo "  BENCH $@"
	@$(CC) $(WARN) $(CPPFLAGS) $(OPT) -mamx-tile -mamx-bf16 -Wno-missing-prototypes -o $@ $< \
	  $(REL)/libnnctl.a $(LIBS)

amx-gemm: deps $(REL)/amx_gemm
	@OMP_NUM_THREADS=1 $(REL)/amx_gemm

# The four MNIST files in $(MNIST_DIR), downloaded and verified when missing (offline: where to put
# them by hand, and exit 1).
mnist:
	@./scripts/fetch-mnist.sh "$(MNIST_DIR)"

demo: deps mnist $(REL)/nnctl
	@./scripts/demo.sh $(REL)/nnctl

# configs/examples/: the CSV datasets made by scripts/make-example-data.sh, each example trained
# into runs/examples/NAME and evaluated on its test file (report in runs/examples/NAME/eval/).
examples: deps $(REL)/nnctl
	@./scripts/make-example-data.sh data/examples
	@set -e; for c in flowers houses; do \
	  echo "== configs/examples/$$c.yaml"; \
	  $(REL)/nnctl train configs/examples/$$c.yaml --out runs/examples/$$c --overwrite | tail -1; \
	  $(REL)/nnctl eval runs/examples/$$c/model.ckpt --out runs/examples/$$c/eval; done

# ---- fuzzing (libFuzzer, clang): the config loader, the IDX reader, the checkpoint loader and the
# libsvm model path, each built with ASan+UBSan. `make fuzz` runs each for FUZZ_SECONDS (default
# 120) on a copy of its seed corpus in tests/fuzz/corpus/; `make fuzz-smoke` (part of `make check`
# when clang's libFuzzer is installed) runs each on its seeds plus 2,000 mutations.
FUZZCC      ?= clang
FUZZ        := build/fuzz
FUZZFLAGS   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := config idx checkpoint svm_model npy csv libsvm
FUZZ_SECONDS ?= 120
FUZZ_RUNS    ?= -1
$(FUZZ)/obj/%.o: src/%.c $(HEADERS) Makefile | $(FUZZ)/obj
	@echo "  CC    $@"
	@mkdir -p $(@D)
	@$(FUZZCC) $(WARN) $(CPPFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ)/obj:
	@mkdir -p $@
$(FUZZ)/libnnctl.a: $(patsubst src/%.c,$(FUZZ)/obj/%.o,$(LIB_SRC))
	@rm -f $@
	@ar rcs $@ $^
$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ)/libnnctl.a
	@echo "  FUZZ  $@"
	@$(FUZZCC) $(WARN) $(CPPFLAGS) -D_GNU_SOURCE $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ)/libnnctl.a $(LIBS)

.PHONY: fuzz fuzz-smoke examples
fuzz: deps $(addprefix $(FUZZ)/fuzz_,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  rm -rf $(FUZZ)/corpus_$$t; mkdir -p $(FUZZ)/corpus_$$t; cp tests/fuzz/corpus/$$t/* $(FUZZ)/corpus_$$t/; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ)/crash_$$t- $(FUZZ)/corpus_$$t 2>&1 | grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|#[0-9]+ +DONE)" ; \
	done

fuzz-smoke: $(addprefix $(FUZZ)/fuzz_,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz_$$t (smoke: seed corpus + 2,000 mutations)"; \
	  rm -rf $(FUZZ)/smoke_$$t; mkdir -p $(FUZZ)/smoke_$$t; cp tests/fuzz/corpus/$$t/* $(FUZZ)/smoke_$$t/; \
	  $(FUZZ)/fuzz_$$t -runs=2000 -seed=1 -max_len=65536 -artifact_prefix=$(FUZZ)/crash_$$t- \
	    $(FUZZ)/smoke_$$t >$(FUZZ)/smoke_$$t.log 2>&1 || { tail -40 $(FUZZ)/smoke_$$t.log; exit 1; }; \
	done

# The config reference (docs/config.md), generated from the schema rows (test_schema checks it).
schema-docs: $(REL)/nnctl
	@./scripts/gen-config-reference.sh $(REL)/nnctl

format:
	clang-format -i $(FORMATTED)

# constParameter is suppressed where a function fills a layer-table slot whose signature lets other
# kinds rewrite dL/dY in place (pooling and batchnorm read it only).
lint:
	@cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability -D__CPPCHECK__ \
	  --inline-suppr --suppress=missingIncludeSystem --suppress=constParameter:tests/test_gradcheck.c \
	  --suppress=constParameter:src/layers/pool.c --suppress=constParameter:src/layers/batchnorm.c -Iinclude $(CPPFLAGS) src tests bench

clean:
	rm -rf build
