/* CPU identification through CPUID and XGETBV (x86-64; other machines report no features). */
#include "nnctl/cpu.h"

#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#endif

static const char *const names[] = {
    [NN_CPU_SSE3] = "sse3",
    [NN_CPU_AVX] = "avx",
    [NN_CPU_FMA] = "fma",
    [NN_CPU_AVX2] = "avx2",
    [NN_CPU_AVX512F] = "avx512f",
    [NN_CPU_AVX512BW] = "avx512bw",
    [NN_CPU_AVX512_BF16] = "avx512_bf16",
    [NN_CPU_AVX512_FP16] = "avx512_fp16",
    [NN_CPU_AMX_TILE] = "amx_tile",
    [NN_CPU_AMX_BF16] = "amx_bf16",
};
_Static_assert(sizeof names / sizeof names[0] == NN_CPU_FEATURE_COUNT, "every feature has a name");

const char *nn_cpu_feature_name(enum nn_cpu_feature f)
{
    return (int)f >= 0 && f < NN_CPU_FEATURE_COUNT ? names[f] : "?";
}

#if defined(__x86_64__) || defined(__i386__)
static unsigned long long xgetbv0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

#define BIT(r, n)           (((r) >> (n)) & 1u)
#define ARCH_GET_XCOMP_PERM 0x1022
#define XFEATURE_XTILEDATA  18

static void detect_x86(struct nn_cpu *c)
{
    unsigned a, b, cx, d, max;
    if (!__get_cpuid(0, &max, &b, &cx, &d))
        return;
    memcpy(c->vendor, &b, 4);
    memcpy(c->vendor + 4, &d, 4);
    memcpy(c->vendor + 8, &cx, 4);
    c->vendor[12] = 0;
    unsigned f1c = 0, osxsave = 0;
    if (max >= 1 && __get_cpuid(1, &a, &b, &cx, &d)) {
        int fam = (int)((a >> 8) & 0xf), mod = (int)((a >> 4) & 0xf);
        if (fam == 0xf)
            fam += (int)((a >> 20) & 0xff);
        if (fam == 0x6 || fam >= 0xf)
            mod += (int)((a >> 16) & 0xf) << 4;
        c->family = fam;
        c->model = mod;
        c->stepping = (int)(a & 0xf);
        f1c = cx;
        osxsave = BIT(cx, 27);
    }
    unsigned b7 = 0, c7 = 0, d7 = 0, a71 = 0;
    if (max >= 7) {
        __cpuid_count(7, 0, a, b7, c7, d7);
        unsigned sub1a, sub1b, sub1c, sub1d;
        __cpuid_count(7, 1, sub1a, sub1b, sub1c, sub1d);
        (void)sub1b, (void)sub1c, (void)sub1d;
        a71 = sub1a;
    }
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    c->os_avx = (xcr0 & 0x6) == 0x6;
    c->os_avx512 = c->os_avx && (xcr0 & 0xe0) == 0xe0;
    c->os_amx = (xcr0 & 0x60000) == 0x60000;
    const struct {
        enum nn_cpu_feature f;
        unsigned on;
        int os;
    } t[] = {
        {NN_CPU_SSE3, BIT(f1c, 0), 1},
        {NN_CPU_AVX, BIT(f1c, 28), c->os_avx},
        {NN_CPU_FMA, BIT(f1c, 12), c->os_avx},
        {NN_CPU_AVX2, BIT(b7, 5), c->os_avx},
        {NN_CPU_AVX512F, BIT(b7, 16), c->os_avx512},
        {NN_CPU_AVX512BW, BIT(b7, 30), c->os_avx512},
        {NN_CPU_AVX512_BF16, BIT(a71, 5), c->os_avx512},
        {NN_CPU_AVX512_FP16, BIT(d7, 23), c->os_avx512},
        {NN_CPU_AMX_TILE, BIT(d7, 24), c->os_amx},
        {NN_CPU_AMX_BF16, BIT(d7, 22), c->os_amx},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        c->cpuid |= t[i].on << t[i].f;
        c->usable |= (t[i].on && t[i].os) << t[i].f;
    }
    unsigned ext;
    if (__get_cpuid(0x80000000, &ext, &b, &cx, &d) && ext >= 0x80000004) {
        unsigned *w = (unsigned *)(void *)c->brand;
        for (unsigned leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002 + leaf, &w[4 * leaf], &w[4 * leaf + 1], &w[4 * leaf + 2],
                        &w[4 * leaf + 3]);
        c->brand[48] = 0;
        /* some CPUs pad the brand string with leading spaces */
        size_t lead = strspn(c->brand, " ");
        memmove(c->brand, c->brand + lead, strlen(c->brand + lead) + 1);
    }
#if defined(__linux__)
    unsigned long long perm = 0;
    if (nn_cpu_has(c, NN_CPU_AMX_TILE) && syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &perm) == 0)
        c->amx_permitted = (perm >> XFEATURE_XTILEDATA) & 1u;
#endif
}
#endif

void nn_cpu_detect(struct nn_cpu *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->vendor, "unknown");
#if defined(__x86_64__) || defined(__i386__)
    detect_x86(c);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->cores = n > 0 ? (int)n : 1;
}
