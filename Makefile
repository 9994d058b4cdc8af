# Rebuilds the committed .wasm files from their sources.
#
#   make wasm                  rebuild in place (commit the results)
#   make wasm WASM_OUT=/tmp/x  write to /tmp/x/<same relative paths>
#
# internal/guesttest runs `make wasm WASM_OUT=<tempdir>` and compares the
# bytes with the committed files, so these flags are the only copy. Output
# is deterministic: no debug info, no paths, no timestamps. It depends on
# the toolchain version (CI and the committed files: Debian clang 14.0.6,
# lld 14, wabt 1.0.32).

CLANG ?= clang
WASM_LD ?= wasm-ld
WAT2WASM ?= wat2wasm
WASM_OUT ?= .

# Guest ABI v1 C guests; see guest/c/wasmplane.h for why -mbulk-memory.
WASM_CFLAGS := --target=wasm32 -nostdlib -O2 -mbulk-memory -Wall -Wextra -Iguest/c
# Compile and link in two steps: when clang drives the link itself it runs
# binaryen's wasm-opt if one is on PATH, so the bytes would depend on what
# else is installed. wasm-ld alone never does.
WASM_LDFLAGS := -m wasm32 --no-entry --stack-first -z stack-size=65536
WAT2WASM_FLAGS :=

# Guests that import the app's shared memory (docs/shm.md): threads
# (atomics, wait/notify), the memory imported as env.memory, shared, of
# exactly the size the host makes it; a static image below the layout's
# base (64 KiB); the stack pointer exported so each instance runs on its
# own partition.
SHM_CFLAGS := $(WASM_CFLAGS) -matomics -mmutable-globals
SHM_LDFLAGS := -m wasm32 --no-entry --import-memory --shared-memory --max-memory=1048576 \
	--global-base=1024 -z stack-size=8192 --export=__stack_pointer --export=__heap_base
SHM_SRCS := $(wildcard examples/physics/guest/*.c)

C_SRCS := $(wildcard testdata/c/*.c) examples/quickstart/counter/counter.c
WAT_SRCS := $(wildcard testdata/wat/*.wat testdata/hostile/*.wat)
WASM := $(addprefix $(WASM_OUT)/,$(C_SRCS:.c=.wasm) $(SHM_SRCS:.c=.wasm) $(WAT_SRCS:.wat=.wasm))

.PHONY: wasm
wasm: $(WASM)

$(WASM_OUT)/%.wasm: %.c guest/c/wasmplane.h
	@mkdir -p $(@D)
	$(CLANG) $(WASM_CFLAGS) -c -o $@.o $<
	$(WASM_LD) $(WASM_LDFLAGS) -o $@ $@.o
	@rm -f $@.o
	@chmod 644 $@

$(WASM_OUT)/examples/physics/guest/%.wasm: examples/physics/guest/%.c guest/c/wasmplane.h guest/c/wasmplane_shm.h
	@mkdir -p $(@D)
	$(CLANG) $(SHM_CFLAGS) -c -o $@.o $<
	$(WASM_LD) $(SHM_LDFLAGS) -o $@ $@.o
	@rm -f $@.o
	@chmod 644 $@

$(WASM_OUT)/%.wasm: %.wat
	@mkdir -p $(@D)
	$(WAT2WASM) $(WAT2WASM_FLAGS) -o $@ $<
