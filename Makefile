# bpfilter: `make`, `make check`, `make difftest`, `make demo`, `make bench`, `make install`.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
BISON ?= bison
FLEX ?= flex

PKGS := libbpf libxdp
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu17 -Wall -Wextra -Werror -D_GNU_SOURCE \
	  -Iinclude -Iuserspace -I$(BUILD)/skel -I$(BUILD)/gen -MMD -MP \
	  $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz

# cpu v3: 32-bit ALU operations and jumps, which zero-extend for free
# (the kernel takes them since 5.1); the classifier's walk is a few
# nanoseconds faster for it (docs/performance.md).
BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g -Wall -Werror -D__TARGET_ARCH_x86 \
	      -Iinclude -Ibpf -I$(BUILD)/gen

TEMPLATES := $(patsubst templates/%.bpf.c,%,$(wildcard templates/*.bpf.c))
SKELS := $(patsubst %,$(BUILD)/skel/%.skel.h,$(TEMPLATES))

LIB_SRCS := $(wildcard userspace/lib/*.c)
LIB_GEN := $(BUILD)/gen/parser.tab.c $(BUILD)/gen/lexer.yy.c
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) \
	    $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(LIB_GEN))
DAEMON_SRCS := $(filter-out userspace/daemon/main.c,$(wildcard userspace/daemon/*.c))
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(DAEMON_SRCS))
CLI_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard userspace/cli/*.c))
SELFTEST_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard selftests/*.c))
UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard selftests/unit/*.c))
BENCH_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard selftests/bench/*.c)) \
	      $(BUILD)/obj/selftests/pkt.o

BINS := $(BUILD)/bin/bpfilter $(BUILD)/bin/bfcli $(BUILD)/bin/bf_selftests \
	$(BUILD)/bin/bf_unit $(BUILD)/bin/bf_bench

.PHONY: all deps check unit selftests difftest demo bench install clean format
all: $(BINS)

# Build and test need tools a fresh machine lacks: install them first.
deps:
	@if ! command -v $(BPFTOOL) >/dev/null || ! command -v $(BISON) >/dev/null || \
	    ! command -v $(FLEX) >/dev/null || ! pkg-config --atleast-version=1.4 libbpf || \
	    ! command -v systemd-analyze >/dev/null || \
	    ! pkg-config --exists libxdp check || ! command -v $(CLANG) >/dev/null || \
	    ! command -v gnuplot >/dev/null; then \
		./scripts/install-deps.sh; \
	fi

$(BUILD)/gen/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# Static pattern rules: their targets are explicit, so make neither
# deletes them as intermediates after a build nor, once they are deleted,
# takes them for made (as a merely "secondary" file would be).
BPF_OBJS := $(patsubst %,$(BUILD)/bpf/%.bpf.o,$(TEMPLATES))

$(BPF_OBJS): $(BUILD)/bpf/%.bpf.o: templates/%.bpf.c $(BUILD)/gen/vmlinux.h $(wildcard bpf/*.h) \
			include/bpfilter/abi.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKELS): $(BUILD)/skel/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< name bf_$*_tmpl > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/parser.tab.c $(BUILD)/gen/parser.tab.h: userspace/lib/parser.y
	@mkdir -p $(@D)
	$(BISON) -Wall -Werror --defines=$(BUILD)/gen/parser.tab.h -o $(BUILD)/gen/parser.tab.c $<

$(BUILD)/gen/lexer.yy.c $(BUILD)/gen/lexer.yy.h: userspace/lib/lexer.l $(BUILD)/gen/parser.tab.h
	@mkdir -p $(@D)
	$(FLEX) --header-file=$(BUILD)/gen/lexer.yy.h -o $(BUILD)/gen/lexer.yy.c $<

# Generated code is not ours to make warning-free.
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(filter-out -Werror -Wextra,$(CFLAGS)) -Wno-unused-function -Iuserspace/lib -c $< -o $@

$(BUILD)/obj/%.o: %.c $(SKELS) $(BUILD)/gen/parser.tab.h $(BUILD)/gen/lexer.yy.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/lib/libbpfilter.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/bin/bpfilter: $(BUILD)/obj/userspace/daemon/main.o $(DAEMON_OBJS) $(BUILD)/lib/libbpfilter.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/bfcli: $(CLI_OBJS) $(BUILD)/lib/libbpfilter.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/bf_selftests: $(SELFTEST_OBJS) $(BUILD)/obj/selftests/bench/acl.o $(DAEMON_OBJS) \
			  $(BUILD)/lib/libbpfilter.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The evaluator's tests build frames with the selftests' packet builder.
$(BUILD)/bin/bf_unit: $(UNIT_OBJS) $(BUILD)/obj/selftests/pkt.o $(BUILD)/lib/libbpfilter.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check 2>/dev/null)

$(BUILD)/bin/bf_bench: $(BENCH_OBJS) $(DAEMON_OBJS) $(BUILD)/lib/libbpfilter.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

unit: deps
	$(MAKE) $(BUILD)/bin/bf_unit
	$(BUILD)/bin/bf_unit

selftests: deps
	$(MAKE) all
	./scripts/mount-bpffs.sh
	$(BUILD)/bin/bf_selftests $(if $(T),-t $(T))

check: deps
	$(MAKE) all
	./scripts/mount-bpffs.sh
	$(BUILD)/bin/bf_unit
	$(BUILD)/bin/bf_selftests $(if $(T),-t $(T))

# Fails on a load failure or a wrong verdict, never on timing.
BENCH_LABEL ?= $(shell git describe --always --dirty 2>/dev/null)
bench: deps
	$(MAKE) all
	./scripts/mount-bpffs.sh
	$(BUILD)/bin/bf_bench $(if $(BENCH_QUICK),--quick) --label "$(BENCH_LABEL)" \
		--json $(BUILD)/bench/results.json --png $(BUILD)/bench/results.png

# The differential tests, longer than in check (docs/testing.md).
DIFF_PAIRS ?= 100000
difftest: deps
	$(MAKE) $(BUILD)/bin/bf_selftests
	./scripts/mount-bpffs.sh
	BF_DIFF_PAIRS=$(DIFF_PAIRS) $(BUILD)/bin/bf_selftests -t diff_random

demo: deps
	$(MAKE) all
	./scripts/mount-bpffs.sh
	./scripts/demo.sh

# The unit goes where systemd looks for the prefix's units
# (/usr/local/lib/systemd/system by default), pointing at the installed daemon.
UNITDIR ?= $(PREFIX)/lib/systemd/system

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/bin/bpfilter $(BUILD)/bin/bfcli $(DESTDIR)$(PREFIX)/bin/
	sed 's|@PREFIX@|$(PREFIX)|g' userspace/daemon/bpfilter.service > $(DESTDIR)$(UNITDIR)/bpfilter.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/bpfilter.service.tmp
	mv $(DESTDIR)$(UNITDIR)/bpfilter.service.tmp $(DESTDIR)$(UNITDIR)/bpfilter.service

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
