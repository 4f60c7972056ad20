# nnctl — build, test and demo. `make test` and `make demo` install missing Debian packages first.
CC       ?= gcc
WARN     := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
CPPFLAGS := -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT      ?= -O3 -march=native -fno-math-errno -g
LIBS     := -lyaml -lopenblas -lsvm -lpng -lz -lm
TESTLIBS := -lcmocka

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
TESTS    := test_config test_optim test_checkpoint test_idx test_train test_encode test_svm test_vmath
# Gradient checks run in the double-precision build of the same sources.
DTESTS   := test_gradcheck

REL  := build/rel
DBL  := build/dbl
ASAN := build/asan
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

MNIST_DIR ?= $(abspath ../shared/datasets/mnist)
export MNIST_DIR

.PHONY: all deps test check unit demo bench clean format lint
all: $(REL)/nnctl

deps:
	@./scripts/install-deps.sh

# ---- one pattern per build flavour: objects, static library, binary, tests ----
define flavour
$(1)/obj/%.o: src/%.c $(wildcard include/nnctl/*.h) | $(1)/obj
	@echo "  CC    $$@"
	@$$(CC) $$(WARN) $$(CPPFLAGS) $(2) -c $$< -o $$@
$(1)/obj:
	@mkdir -p $$@
$(1)/libnnctl.a: $(patsubst src/%.c,$(1)/obj/%.o,$(LIB_SRC))
	@rm -f $$@
	@echo "  AR    $$@"
	@ar rcs $$@ $$^
$(1)/nnctl: $(1)/obj/main.o $(1)/libnnctl.a
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


unit: deps $(addprefix $(REL)/,$(TESTS)) $(addprefix $(DBL)/,$(DTESTS)) $(REL)/nnctl
	@set -e; for t in $(TESTS); do echo "== $$t"; OPENBLAS_NUM_THREADS=1 $(REL)/$$t; done; \
	 for t in $(DTESTS); do echo "== $$t (float64)"; OPENBLAS_NUM_THREADS=1 $(DBL)/$$t; done

# Everything: the release suite, then the same suite under the sanitizers.
test: unit
	@echo "== tests/cli.sh"
	@NNCTL=$(REL)/nnctl ./tests/cli.sh
	@$(MAKE) --no-print-directory check

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check: deps $(addprefix $(ASAN)/,$(TESTS)) $(addprefix $(ASAN)-dbl/,$(DTESTS)) $(ASAN)/nnctl
	@set -e; export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1; \
	 for t in $(TESTS); do echo "== $$t (asan+ubsan)"; OPENBLAS_NUM_THREADS=1 $(ASAN)/$$t; done; \
	 for t in $(DTESTS); do echo "== $$t (asan+ubsan, float64)"; OPENBLAS_NUM_THREADS=1 $(ASAN)-dbl/$$t; done; \
	 echo "== tests/cli.sh (asan+ubsan)"; NNCTL=$(ASAN)/nnctl ./tests/cli.sh

# Speed figures (issue 6), written to bench/results.json; peers are timed when installed.
$(REL)/bench: bench/bench.c $(REL)/libnnctl.a
	@echo "  BENCH $@"
	@$(CC) $(WARN) $(CPPFLAGS) $(OPT) -Wno-missing-prototypes -o $@ $< $(REL)/libnnctl.a $(LIBS)

bench: deps $(REL)/bench $(REL)/nnctl
	@mkdir -p bench/out
	@./scripts/bench.sh $(REL)/bench

demo: deps $(REL)/nnctl
	@./scripts/demo.sh $(REL)/nnctl

format:
	clang-format -i src/*.c include/nnctl/*.h tests/*.c tests/*.h

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Iinclude $(CPPFLAGS) src tests

clean:
	rm -rf build
