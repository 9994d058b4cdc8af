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
WAT2WASM ?= wat2wasm
WASM_OUT ?= .

# Guest ABI v1 C guests; see guest/c/wasmplane.h for why -mbulk-memory.
WASM_CFLAGS := --target=wasm32 -nostdlib -O2 -mbulk-memory -Wall -Wextra -Iguest/c
WASM_LDFLAGS := -Wl,--no-entry -Wl,--stack-first -Wl,-z,stack-size=65536
WAT2WASM_FLAGS :=

C_SRCS := $(wildcard testdata/c/*.c) examples/quickstart/counter/counter.c
WAT_SRCS := $(wildcard testdata/wat/*.wat)
WASM := $(addprefix $(WASM_OUT)/,$(C_SRCS:.c=.wasm) $(WAT_SRCS:.wat=.wasm))

.PHONY: wasm
wasm: $(WASM)

$(WASM_OUT)/%.wasm: %.c guest/c/wasmplane.h
	@mkdir -p $(@D)
	$(CLANG) $(WASM_CFLAGS) $(WASM_LDFLAGS) -o $@ $<
	@chmod 644 $@

$(WASM_OUT)/%.wasm: %.wat
	@mkdir -p $(@D)
	$(WAT2WASM) $(WAT2WASM_FLAGS) -o $@ $<
