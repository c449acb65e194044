// libFuzzer's driver entry point (compiler-rt, LLVM >= 12). SwiftPM links each executable
// target's own main (`<Module>_main`), so a harness's @main hands control to this.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
