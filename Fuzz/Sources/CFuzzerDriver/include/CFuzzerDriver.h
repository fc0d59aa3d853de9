#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>
// libFuzzer's entry for programs with their own main (LLVM >= 11). SwiftPM gives every
// executable target its own main, so the fuzz targets call this instead of using
// libFuzzer's main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
#endif
