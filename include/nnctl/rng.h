/* nnctl — our own PRNG: xoshiro256** seeded through splitmix64.
 *
 * Why our own: rand() differs between C libraries and has hidden global state; xoshiro256** is
 * small, fast, well tested (Blackman & Vigna), and its whole state is 32 bytes that a checkpoint
 * stores, so a resumed run draws exactly the numbers an uninterrupted one would. */
#ifndef NNCTL_RNG_H
#define NNCTL_RNG_H

#include <stddef.h>
#include <stdint.h>

struct nn_rng {
    uint64_t s[4];
};

/* Seeds the generator for one named stream of a run: stream 1 draws the initial weights, stream 2
 * the shuffling order, so changing one never shifts the other. */
void nn_rng_seed(struct nn_rng *r, uint64_t seed, uint64_t stream);
uint64_t nn_rng_next(struct nn_rng *r);
/* Uniform double in [0, 1), 53 random bits. */
double nn_rng_uniform(struct nn_rng *r);
/* Standard normal (Box–Muller, both uniforms drawn fresh each call so the state advance is fixed).
 */
double nn_rng_normal(struct nn_rng *r);
/* Uniform integer in [0, n), without modulo bias (Lemire's method with rejection). n > 0. */
uint64_t nn_rng_below(struct nn_rng *r, uint64_t n);
/* Fisher–Yates shuffle of a[0..n). */
void nn_rng_shuffle(struct nn_rng *r, uint32_t *a, size_t n);

/* Counter-based numbers, for draws that must not depend on which thread makes them or in which
 * order (dropout's masks): a key for (seed, stream, a, b), and the 64 random bits of counter i
 * under it (splitmix64's finalizer of key + i·golden ratio). Pure functions, no state. */
uint64_t nn_rng_key(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b);
uint64_t nn_rng_at(uint64_t key, uint64_t i);

#endif
