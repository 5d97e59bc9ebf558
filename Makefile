# babeld-mcr.  `make` builds ./babeld; `make check` runs every test (unit + netns);
# `make check-asan` builds with ASan/UBSan under build-asan/ and runs the same suite.
-include config.mk

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
BIN ?= babeld
SAN_FLAGS ?=

WARN = -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
# x86-64: statics over 4 KiB (packet buffers, rings, hash tables) go to .lbss,
# after all the small ones, so the few small variables a router touches share
# a handful of pages instead of each dirtying a page between large buffers
# (about 70 kB less resident for an idle router).
# (GCC; clang before 18 has no -mlarge-data-threshold and goes without.)
# Not with sanitizers: their memory is not the point, and GCC 12 with ASan then
# puts some function-local statics in a section that conflicts with .lbss.
ifeq ($(SAN_FLAGS),)
ifneq ($(filter x86_64%,$(shell $(CC) -dumpmachine)),)
ifeq ($(shell $(CC) -mcmodel=medium -mlarge-data-threshold=4096 -E -x c /dev/null >/dev/null 2>&1 && echo y),y)
LAYOUT_FLAGS = -mcmodel=medium -mlarge-data-threshold=4096
endif
endif
endif
# No .eh_frame (46 kB, mapped and resident with the rest of the read-only
# segment): nothing unwinds C frames at run time (no C++, no pthread_cancel,
# no backtrace()); with -g, debuggers get .debug_frame instead.
LAYOUT_FLAGS += -fno-asynchronous-unwind-tables
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(LAYOUT_FLAGS) $(SAN_FLAGS) -I. $(DEP_CFLAGS) -D_GNU_SOURCE
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
# libcrypto is loaded on first use (babel/crypto_lib.c), never linked: a
# direct call to OpenSSL fails to link and belongs in crypto_lib.h's table.
LIBS = $(filter-out -lcrypto,$(DEP_LIBS)) -lpthread

CORE_SRCS = $(wildcard babel/*.c)
EXT_SRCS = $(wildcard mcast/*.c gem/*.c policy/*.c)
LIB_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRCS) $(EXT_SRCS))
MAIN_OBJ = $(BUILD)/main.o
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

.PHONY: all check check-unit check-netns check-asan asan install uninstall clean bench fuzz

all: $(BIN)

config.mk: configure
	./configure

$(BUILD)/%.o: %.c config.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcore.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(BUILD)/libcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(BUILD)/libcore.a $(ALL_LDFLAGS) $(LIBS) $(CHECK_LIBS)

# A unit test that exits 77 was skipped (e.g. not root); anything else non-zero fails.
check-unit: $(UNIT_BINS)
	@failed=0; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=yes $$t; rc=$$?; \
	    if [ $$rc = 77 ]; then echo "   (skipped)"; elif [ $$rc != 0 ]; then failed=1; fi; done; \
	    exit $$failed

.PHONY: tools
tools: $(BUILD)/tests/tools/delayline
$(BUILD)/tests/tools/delayline: tests/tools/delayline.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

check-netns: $(BIN) tools
	BABELD=$(abspath $(BIN)) sh tests/netns/run-all

check: check-unit check-netns

asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/babeld SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" CFLAGS="-O1 -g" build-asan/babeld

check-asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/babeld SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" CFLAGS="-O1 -g" check

# libFuzzer harnesses (tests/fuzz/README.md): every fuzz_*.c linked against
# the whole tree built with clang and ASan/UBSan under build-fuzz/.  Optional,
# not part of `make check`; skipped (with a message) when clang is absent.
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
# clang warns where gcc does not (a GNU extension gcc accepts silently).
FUZZ_WNO = -Wno-gnu-variable-sized-type-not-at-end
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
fuzz:
	@if command -v clang >/dev/null 2>&1; then \
	    $(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g $(FUZZ_WNO)" \
	        SAN_FLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" fuzz-bins; \
	else echo "clang not found: the fuzz harnesses are not built (skipped)"; fi

.PHONY: fuzz-bins
fuzz-bins: $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libcore.a
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libcore.a $(ALL_LDFLAGS) $(LIBS)

bench: $(BIN)
	BABELD=$(abspath $(BIN)) sh tests/bench/run-all

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/babeld
	install -m 644 babeld.8 $(DESTDIR)$(PREFIX)/share/man/man8/babeld.8

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/babeld $(DESTDIR)$(PREFIX)/share/man/man8/babeld.8

clean:
	rm -rf build build-asan build-fuzz babeld

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
