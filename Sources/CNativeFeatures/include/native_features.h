#ifndef DIGITS_NATIVE_FEATURES_H
#define DIGITS_NATIVE_FEATURES_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The x86-64 instruction sets that this build of digits was compiled to use, as clang's __builtin_cpu_supports
/// names them, each with a space before and after: " " for a portable build. Only data: reading it runs no
/// instruction of those sets.
extern const char *const digits_native_features;

/// The first instruction set in digits_native_features that the running CPU lacks, or NULL when it has them all.
/// Inline, so that it is compiled with its caller's flags (the executable's: any x86-64), not with this target's.
static inline const char *digits_missing_instruction_set(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
#define DIGITS_NEEDS(name) \
    if (strstr(digits_native_features, " " name " ") != NULL && !__builtin_cpu_supports(name)) return name;
    DIGITS_NEEDS("ssse3")
    DIGITS_NEEDS("sse4.1")
    DIGITS_NEEDS("sse4.2")
    DIGITS_NEEDS("popcnt")
    DIGITS_NEEDS("avx")
    DIGITS_NEEDS("f16c")
    DIGITS_NEEDS("fma")
    DIGITS_NEEDS("bmi")
    DIGITS_NEEDS("bmi2")
    DIGITS_NEEDS("avx2")
    DIGITS_NEEDS("avx512f")
    DIGITS_NEEDS("avx512cd")
    DIGITS_NEEDS("avx512bw")
    DIGITS_NEEDS("avx512dq")
    DIGITS_NEEDS("avx512vl")
    DIGITS_NEEDS("avx512vnni")
#undef DIGITS_NEEDS
#endif
    return NULL;
}

/// Exits with a one-line message when the running CPU lacks an instruction set this build uses. In C and inline
/// for the same reason: the executable's Swift code shares helpers (outlined copies of Foundation's types) with the
/// library, and those may have been compiled for the newer CPU.
static inline void digits_refuse_unsupported_cpu(void) {
    const char *missing = digits_missing_instruction_set();
    if (missing == NULL) return;
    fprintf(stderr, "Error: this digits was built for a CPU with%.200sand this one lacks %s; build it on this "
            "machine (swift build -c release) or install a portable build (scripts/install --portable)\n",
            digits_native_features, missing);
    exit(1);
}

#endif
