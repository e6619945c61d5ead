# memline — see README.md.  `make`, `make test` (= unit + e2e, after
# installing what is missing), `make install PREFIX=…`; V=1 shows commands.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.SUFFIXES:

CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build
V       ?=
Q       := $(if $(V),,@)
E       := $(if $(V),@:,@echo)

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden $(WARN) -I.
LIB_LDFLAGS := -shared -Wl,--version-script=preload/exports.map -Wl,-z,defs -Wl,-z,now
LIB_LIBS := -ldl -lpthread

SRCS := $(wildcard preload/*.c attribution/*.c output/*.c)
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/attribution/boot.o \
	$(BUILD)/obj/attribution/reader.o
LIB  := $(BUILD)/libmemline.so

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# unit tests link the module objects they test, not the preload library
UNIT_OBJS := $(filter-out $(BUILD)/obj/preload/hooks.o $(BUILD)/obj/preload/state.o,$(OBJS))

CTARGET_SRCS := $(wildcard tests/c/*.c)
CTARGETS := $(CTARGET_SRCS:tests/c/%.c=$(BUILD)/tests/%)
# shared libraries the tests preload next to memline
CSHIM_SRCS := $(wildcard tests/c/so/*.c)
CSHIMS := $(CSHIM_SRCS:tests/c/so/%.c=$(BUILD)/tests/%.so)

PYTEST ?= /usr/bin/python3 -m pytest

.PHONY: all setup test unit e2e install clean
all: $(LIB)

# a change of compiler or flags rebuilds everything
FLAGS_STAMP := $(BUILD)/flags.$(shell echo '$(CC) $(CFLAGS)' | md5sum | cut -c1-12)
$(FLAGS_STAMP):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/flags.*
	@touch $@

$(LIB): $(OBJS) preload/exports.map
	$(E) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LIB_LDFLAGS) -o $@ $(OBJS) $(LIB_LIBS)

# attribution/boot.py and reader.py, linked in as data
# (_binary_attribution_boot_py_*, _binary_attribution_reader_py_*)
$(BUILD)/obj/attribution/%.o: attribution/%.py
	@mkdir -p $(dir $@)
	$(E) "  LD      $@"
	$(Q)ld -r -b binary -z noexecstack -o $@ $<

$(BUILD)/obj/%.o: %.c $(wildcard */*.h) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(E) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(E) "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(UNIT_OBJS) -lcriterion -ldl -lpthread

$(BUILD)/tests/%: tests/c/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(E) "  CC      $@"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -o $@ $< -lpthread

$(BUILD)/tests/%.so: tests/c/so/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(E) "  CC      $@"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -fPIC -shared -o $@ $<

# installs missing Debian packages first (a no-op when all are there)
setup:
	@scripts/setup

test: setup
	$(MAKE) unit e2e

# Criterion binaries of the attribution/ and output/ modules
unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t --jobs 2 || exit 1; done

# real programs under LD_PRELOAD, on every interpreter here
e2e: all $(CTARGETS) $(CSHIMS)
	MEMLINE_LIB=$(abspath $(LIB)) MEMLINE_BUILD=$(abspath $(BUILD)) $(PYTEST) -q -rs tests/e2e

# ld.so splits LD_PRELOAD at spaces and colons: PREFIX may hold neither
# (DESTDIR, a staging directory, may)
install: all
	@case "$(PREFIX)" in *[' :']*) echo "make install: PREFIX=$(PREFIX) has a space" \
		"or a colon, where LD_PRELOAD would split the library's path" >&2; exit 2;; esac
	install -d "$(DESTDIR)$(PREFIX)/lib" "$(DESTDIR)$(PREFIX)/bin"
	install -m 0755 $(LIB) "$(DESTDIR)$(PREFIX)/lib/libmemline.so"
	install -m 0755 scripts/memline "$(DESTDIR)$(PREFIX)/bin/memline"

clean:
	rm -rf $(BUILD)
