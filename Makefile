# SPDX-License-Identifier: GPL-2.0
#
# af_vsync: build, lint and test in QEMU on Debian's 6.1 and 6.12 cloud kernels
# and on a debug 6.12 (KASAN, lockdep, kmemleak, debug objects, fault
# injection) built from Debian's linux-source.
#
#   make deps        install the packages (Debian 12, apt) and pick the kernels
#   make debug-kernel  build the debug kernel (once; it is cached)
#   make module      af_vsync.ko for each kernel, W=1, warnings are errors
#   make sparse      the same under sparse (C=2), any report is an error
#   make lint        checkpatch.pl on kmod/ and the uapi header
#   make userspace   libvsync.a, vsyncctl, vsync-demo in build/userspace
#   make selftests   the selftests in build/selftests
#   make check       all of the above (but sparse/lint), then the selftests in
#                    a VM per stock kernel and two for the debug kernel (its
#                    list in two parts); the last line is "N passed, N failed"
#   make demo        boot 6.12 and run selftests/vm/demo.sh
#   make nemesis     a long nemesis campaign before a release: NEMESIS_ARGS
#                    (default -s 1 -n 300) of selftests/vsync_nemesis.sh on
#                    KVER (default 6.12; the debug kernel adds failslab)
#   make fuzz        the packet validator under libFuzzer (clang, ASan,
#                    UBSan) for FUZZ_SECS seconds (default 60)
#   make vm-shell    boot a kernel (KVER=..., default 6.12) with a shell
#   make clean       remove build/
#
# Variables: KVER_61, KVER_612 pin the kernels (default: newest with image and
# headers in apt); KVERS overrides the list tested (by default the two and
# KVER_DEBUG, the debug kernel's release: leave that out to skip the debug
# lanes); DEBUG_MEM (its VMs' memory, MiB); VM_PARALLEL (1: two VMs at a
# time, 0: one after another); TEST_TIMEOUT (per test
# binary in the VM when tests.list gives none, s), VM_TIMEOUT (per VM, s;
# default: sum of the tests' limits + 300); LINT_FLAGS (add --strict
# for checkpatch's CHECKs); DEB_PKGS (more packages for deps); V=1.
#
# Build output goes to build/; extracted kernel source bits (kselftest
# headers, checkpatch) are cached in $(CACHE), keyed by the linux-source
# package version, and so is the debug kernel (6 to 7 minutes to build on
# 2 CPUs), keyed by that version and a hash of selftests/vm/debug.config and
# selftests/vm/mkdebugkernel.sh.

BUILD        := build
CACHE        ?= /var/cache/af_vsync
VM           := selftests/vm
TEST_TIMEOUT ?= 300
# two VMs at a time: QEMU's single-threaded TCG keeps one host CPU busy per
# VM, and these machines have two
VM_PARALLEL  ?= 1
VM_TIMEOUT   ?=
DEB_PKGS     ?=
LINT_FLAGS   ?= --no-tree -f -q --show-types

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

KSRC_TAR := /usr/src/linux-source-6.12.tar.xz
KSRC_VER := $(shell dpkg-query -W -f='$${Version}' linux-source-6.12 2>/dev/null)

# Kernel versions: $(BUILD)/kvers.mk is written by `make deps` (or here,
# from apt, when missing). Not read by the goals that do not need it.
NO_KVER_GOALS := deps check demo nemesis clean help lint userspace selftests \
		 ksft fuzz debug-kernel
ifneq ($(filter-out $(NO_KVER_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(BUILD)/kvers.mk
$(BUILD)/kvers.mk:
	$(Q)mkdir -p $(@D)
	$(Q)v61=$$($(VM)/kver.sh 6.1) && v612=$$($(VM)/kver.sh 6.12) && \
	printf 'KVER_61 ?= %s\nKVER_612 ?= %s\n' "$$v61" "$$v612" > $@
endif

# The debug kernel: cached in a directory named after what it is built from
# (the linux-source version, the config fragment and the build script), so
# that changing either builds another one and nothing else does. Its
# release is the source's version plus the fragment's LOCALVERSION.
DEBUG_CONFIG := $(VM)/debug.config
DEBUG_KEY    := $(shell cat $(DEBUG_CONFIG) $(VM)/mkdebugkernel.sh | sha256sum | cut -c1-12)
KVER_DEBUG   ?= $(if $(KSRC_VER),$(firstword $(subst -, ,$(KSRC_VER)))-vsyncdbg)
DEBUG_ROOT   ?= $(CACHE)/kernel-$(subst ~,_,$(KSRC_VER))-$(DEBUG_KEY)
# KASAN's shadow and kmemleak's metadata want more than the stock 1 GiB
DEBUG_MEM    ?= 2048

KVERS ?= $(KVER_61) $(KVER_612) $(KVER_DEBUG)
# $(call kroot,KVER): where KVER is installed ("" for /)
kroot = $(if $(filter $(KVER_DEBUG),$(1)),$(DEBUG_ROOT))
kmem  = $(if $(filter $(KVER_DEBUG),$(1)),$(DEBUG_MEM),1024)
# $(call klist,KVER): the tests KVER runs
klist = $(if $(filter $(KVER_DEBUG),$(1)),selftests/tests.debug.list,selftests/tests.list)
# $(call kparts,KVER): the parts of its list, one VM each (0: the whole)
kparts = $(if $(filter $(KVER_DEBUG),$(1)),1 2,0)

# kselftest headers and checkpatch, extracted once per linux-source version
KSFT     := $(CACHE)/ksft-$(subst ~,_,$(or $(KSRC_VER),none))
KSFT_INC := $(KSFT)/tools/testing/selftests
KSFT_FILES := tools/testing/selftests/kselftest_harness.h \
	      tools/testing/selftests/kselftest.h \
	      'tools/testing/selftests/kselftest/*' \
	      scripts/checkpatch.pl scripts/spelling.txt \
	      scripts/const_structs.checkpatch

MOD_SRCS := Kbuild $(sort $(shell find kmod uapi -type f \( -name '*.[ch]' -o -name 'Makefile' -o -name 'Kbuild' \) 2>/dev/null))
LINT_SRCS := $(filter-out kmod/compat.h,$(wildcard kmod/*.[ch])) uapi/linux/vsync.h
# compat.h exists to test kernel versions: checkpatch may not frown at that
LINT_COMPAT_IGNORE := --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON

.PHONY: all deps module sparse lint userspace selftests ksft check vm-test \
	demo demo-run vm-shell initramfs clean help fuzz debug-kernel \
	nemesis nemesis-run
.DELETE_ON_ERROR:

all: module userspace selftests

help:
	$(Q)sed -n '3,39s/^# \{0,1\}//p' Makefile

deps:
	$(Q)CACHE=$(CACHE) $(VM)/deps.sh $(BUILD)/kvers.mk $(DEB_PKGS)

# --- the module -----------------------------------------------------------
# The sources are copied to $(BUILD)/<kver>/mod (only changed files, so the
# kernel build stays incremental) and built there with that kernel's headers.
define sync_mod_srcs
	d=$(CURDIR)/$(BUILD)/$(1)/mod; mkdir -p $$d; \
	for f in $(MOD_SRCS); do \
		mkdir -p $$d/$$(dirname $$f); \
		cmp -s $$f $$d/$$f || cp $$f $$d/$$f || exit 1; \
	done; \
	for f in $$(cd $$d && find kmod uapi -type f \( -name '*.[ch]' -o -name Makefile -o -name Kbuild \) 2>/dev/null); do \
		[ -e $$f ] || rm -f $$d/$$f; \
	done
endef

module: $(foreach k,$(KVERS),$(BUILD)/$(k)/af_vsync.ko)
	@:

$(BUILD)/%/af_vsync.ko: $(MOD_SRCS)
	@echo "  MODULE  $*"
	$(Q)[ -e $(call kroot,$*)/lib/modules/$*/build/Makefile ] || { echo "headers for $* missing: make deps"; exit 1; }
	$(Q)$(call sync_mod_srcs,$*); log=$(BUILD)/$*/module.log; \
	if ! $(MAKE) -C $(call kroot,$*)/lib/modules/$*/build M=$$d W=1 modules > $$log 2>&1; then \
		cat $$log; echo "module build for $* failed"; exit 1; \
	fi; \
	if grep -i 'warning:' $$log; then \
		find $$d -name '*.o' -delete; \
		echo "module build for $* has warnings (see $$log)"; exit 1; \
	fi; \
	cp $$d/af_vsync.ko $@

sparse: $(foreach k,$(KVERS),sparse-$(k))
	@:

sparse-%:
	@echo "  SPARSE  $*"
	$(Q)[ -e $(call kroot,$*)/lib/modules/$*/build/Makefile ] || { echo "headers for $* missing: make deps"; exit 1; }
	$(Q)$(call sync_mod_srcs,$*); log=$(BUILD)/$*/sparse.log; \
	if ! $(MAKE) -C $(call kroot,$*)/lib/modules/$*/build M=$$d W=1 C=2 modules > $$log 2>&1; then \
		cat $$log; echo "sparse build for $* failed"; exit 1; \
	fi; \
	if grep -iE 'warning:|error:' $$log; then \
		echo "sparse reports for $* (see $$log)"; exit 1; \
	fi

# the debug kernel, before anything is built against it
ifneq ($(KVER_DEBUG),)
$(BUILD)/$(KVER_DEBUG)/af_vsync.ko sparse-$(KVER_DEBUG): $(DEBUG_ROOT)/.stamp
endif

debug-kernel: $(DEBUG_ROOT)/.stamp

$(DEBUG_ROOT)/.stamp:
	$(Q)[ -n "$(KSRC_VER)" ] && [ -r $(KSRC_TAR) ] || { echo "linux-source-6.12 missing: make deps"; exit 1; }
	$(Q)$(VM)/mkdebugkernel.sh -s $(KSRC_TAR) -c $(DEBUG_CONFIG) -r $(KVER_DEBUG) -o $(DEBUG_ROOT)

# --- kernel source bits, lint -------------------------------------------------
ksft: $(KSFT)/.stamp

$(KSFT)/.stamp:
	$(Q)[ -n "$(KSRC_VER)" ] && [ -r $(KSRC_TAR) ] || { echo "linux-source-6.12 missing: make deps"; exit 1; }
	@echo "  EXTRACT $(KSFT)"
	$(Q)rm -rf $(KSFT).tmp && mkdir -p $(KSFT).tmp && \
	tar -xJf $(KSRC_TAR) -C $(KSFT).tmp --strip-components=1 --wildcards \
		$(addprefix linux-source-6.12/,$(KSFT_FILES)) && \
	touch $(KSFT).tmp/.stamp && rm -rf $(KSFT) && mv $(KSFT).tmp $(KSFT)

lint: $(KSFT)/.stamp
	@echo "  LINT    $(LINT_SRCS)"
	$(Q)mkdir -p $(BUILD); log=$(BUILD)/lint.log; \
	{ perl $(KSFT)/scripts/checkpatch.pl $(LINT_FLAGS) $(LINT_SRCS); \
	  perl $(KSFT)/scripts/checkpatch.pl $(LINT_FLAGS) \
		$(LINT_COMPAT_IGNORE) kmod/compat.h; } > $$log 2>&1; \
	if [ -s $$log ]; then cat $$log; fi; \
	if grep -qE '^(ERROR|WARNING):' $$log; then \
		echo "checkpatch: errors or warnings"; exit 1; \
	fi

# --- userspace and selftests --------------------------------------------------
# $(call quietly,NAME,COMMAND): run COMMAND with its output in
# $(BUILD)/NAME.log; show the log if it fails, its warnings if it does not.
ifeq ($(V),1)
quietly = $(2)
else
quietly = mkdir -p $(BUILD) && \
	if $(2) > $(BUILD)/$(1).log 2>&1; then \
		grep -i 'warning:' $(BUILD)/$(1).log || true; \
	else \
		cat $(BUILD)/$(1).log; echo "$(1) build failed"; exit 1; \
	fi
endif
userspace:
	@echo "  USER    $(BUILD)/userspace"
	$(Q)$(call quietly,userspace,$(MAKE) -C userspace O=$(CURDIR)/$(BUILD)/userspace)

selftests: userspace $(KSFT)/.stamp
	@echo "  TESTS   $(BUILD)/selftests"
	$(Q)$(call quietly,selftests,$(MAKE) -C selftests O=$(CURDIR)/$(BUILD)/selftests \
		KSFT_INC=$(KSFT_INC) UAPI_INC=$(CURDIR)/uapi \
		LIBVSYNC=$(CURDIR)/$(BUILD)/userspace/libvsync.a \
		USERSPACE_INC=$(CURDIR)/userspace/include)

# kmod/msg.c built for userspace: needs clang only, installed if missing
fuzz:
	$(Q)command -v $${FUZZ_CC:-clang} >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq clang; }
	$(Q)$(MAKE) -C selftests O=$(CURDIR)/$(BUILD)/selftests \
		UAPI_INC=$(CURDIR)/uapi $(if $(FUZZ_SECS),FUZZ_SECS=$(FUZZ_SECS)) fuzz

# --- the test VM ------------------------------------------------------------
initramfs: $(foreach k,$(KVERS),initramfs-$(k))
	@:

initramfs-%: $(BUILD)/%/af_vsync.ko
	$(Q)mkinit() { \
		echo "  INITRD  $$1"; \
		$(VM)/mkinitramfs.sh -k $* -o $$1 \
			$(if $(call kroot,$*),-r $(call kroot,$*)) \
			-m $(BUILD)/$*/af_vsync.ko -u $(BUILD)/userspace \
			$(if $(wildcard $(BUILD)/selftests),-b $(BUILD)/selftests) \
			-t $$2 -d $(VM)/demo.sh; \
	}; \
	mkinit $(BUILD)/$*/initramfs.cpio $(call klist,$*) && \
	for p in $(call kparts,$*); do \
		[ $$p = 0 ] && continue; \
		awk -v part=$$p '/^--$$/ { n++; next } n + 1 == part' \
			$(call klist,$*) > $(BUILD)/$*/tests.$$p.list && \
		mkinit $(BUILD)/$*/initramfs.$$p.cpio $(BUILD)/$*/tests.$$p.list || exit 1; \
	done

check:
	$(Q)$(MAKE) deps
	$(Q)$(MAKE) vm-test

# A lane is one VM: KVER:0 runs tests.list, KVER:N the Nth part of the
# debug list.  With VM_PARALLEL=1 the lanes form two queues, one per host
# CPU: the first part of the debug list heads one and the last ends the
# other, so that neither CPU idles while the slow debug kernel runs.
LANES = $(foreach k,$(filter $(KVER_DEBUG),$(KVERS)),$(k):1) \
	$(foreach k,$(filter-out $(KVER_DEBUG),$(KVERS)),$(k):0) \
	$(foreach k,$(filter $(KVER_DEBUG),$(KVERS)),$(k):2)

vm-test: userspace selftests
	$(Q)rm -f $(BUILD)/summary
	$(Q)$(MAKE) module initramfs
	$(Q)lane() { \
		k=$${1%:*}; p=$${1##*:}; cpio=initramfs.cpio; out=vm; \
		list=selftests/tests.list; kopt=; \
		if [ $$p != 0 ]; then \
			cpio=initramfs.$$p.cpio; out=vm.$$p; list=$(BUILD)/$$k/tests.$$p.list; \
		fi; \
		[ $$k = "$(KVER_DEBUG)" ] && kopt="-r $(DEBUG_ROOT) -M $(DEBUG_MEM)"; \
		rm -f $(BUILD)/$$k/$$out/summary; \
		$(VM)/run.sh -k $$k $$kopt -i $(BUILD)/$$k/$$cpio -o $(BUILD)/$$k/$$out \
			-l $$list -t $(TEST_TIMEOUT) $(if $(VM_TIMEOUT),-T $(VM_TIMEOUT)); \
	}; \
	queue() { for l in "$$@"; do lane $$l; done; }; \
	set -- $(LANES); half=$$((($$# + 1) / 2)); first=""; rest=""; i=0; \
	for l in "$$@"; do \
		i=$$((i + 1)); \
		if [ $$i -le $$half ]; then first="$$first $$l"; else rest="$$rest $$l"; fi; \
	done; \
	if [ "$(VM_PARALLEL)" = 1 ] && [ -n "$$rest" ]; then \
		echo "== in the background:$$first"; \
		queue $$first > $(BUILD)/lanes.out 2>&1 & bg=$$!; \
		queue $$rest; \
		wait $$bg; cat $(BUILD)/lanes.out; \
	else \
		queue "$$@"; \
	fi; \
	pass=0; fail=0; \
	for l in "$$@"; do \
		k=$${l%:*}; p=$${l##*:}; out=vm; [ $$p = 0 ] || out=vm.$$p; \
		if read pp ff < $(BUILD)/$$k/$$out/summary; then \
			pass=$$((pass + pp)); fail=$$((fail + ff)); \
		else \
			echo "$$l: no summary"; fail=$$((fail + 1)); \
		fi; \
	done; \
	echo "$$pass passed, $$fail failed" | tee $(BUILD)/summary; \
	[ $$fail = 0 ]

demo:
	$(Q)$(MAKE) deps
	$(Q)$(MAKE) demo-run

demo-run: userspace selftests
	$(Q)$(MAKE) initramfs KVERS=$(KVER_612)
	$(Q)$(VM)/run.sh -k $(KVER_612) -i $(BUILD)/$(KVER_612)/initramfs.cpio \
		-o $(BUILD)/$(KVER_612)/demo -m demo -T 900

# The campaign: one VM, the list is the one nemesis line
NEMESIS_ARGS ?= -s 1 -n 300
NEMESIS_SECS ?= 36000
nemesis:
	$(Q)$(MAKE) deps
	$(Q)$(MAKE) nemesis-run

KVER ?= $(KVER_612)
nemesis-run: userspace selftests
	$(Q)$(MAKE) module KVERS=$(KVER)
	$(Q)mkdir -p $(BUILD)/$(KVER)/nemesis
	$(Q)echo "vsync_nemesis.sh $(NEMESIS_SECS) -b 0 $(NEMESIS_ARGS)" > $(BUILD)/$(KVER)/nemesis.list
	$(Q)$(VM)/mkinitramfs.sh -k $(KVER) -o $(BUILD)/$(KVER)/nemesis.cpio \
		$(if $(call kroot,$(KVER)),-r $(call kroot,$(KVER))) \
		-m $(BUILD)/$(KVER)/af_vsync.ko -u $(BUILD)/userspace -b $(BUILD)/selftests \
		-t $(BUILD)/$(KVER)/nemesis.list -d $(VM)/demo.sh
	$(Q)$(VM)/run.sh -k $(KVER) -i $(BUILD)/$(KVER)/nemesis.cpio \
		$(if $(call kroot,$(KVER)),-r $(call kroot,$(KVER))) -M $(call kmem,$(KVER)) \
		-o $(BUILD)/$(KVER)/nemesis -l $(BUILD)/$(KVER)/nemesis.list
	$(Q)grep -E '^# (nemesis:|[0-9]+ passed)|^not ok|VIOLATION|FAILED' \
		$(BUILD)/$(KVER)/nemesis/results.log || true

vm-shell: userspace
	$(Q)$(MAKE) selftests || echo "(the selftests did not build: the VM has the tools only)"
	$(Q)$(MAKE) initramfs KVERS=$(KVER)
	$(Q)$(VM)/run.sh -k $(KVER) -i $(BUILD)/$(KVER)/initramfs.cpio \
		$(if $(call kroot,$(KVER)),-r $(call kroot,$(KVER))) -M $(call kmem,$(KVER)) \
		-o $(BUILD)/$(KVER)/shell -m shell

clean:
	$(Q)rm -rf $(BUILD)
