#include "nnctl/rng.h"

#include <math.h>

__extension__ typedef unsigned __int128 nn_u128;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void nn_rng_seed(struct nn_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mixing the stream number in through splitmix64 keeps the streams' states unrelated. */
    uint64_t x = seed ^ splitmix64(&stream);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t nn_rng_next(struct nn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nn_rng_uniform(struct nn_rng *r)
{
    return (double)(nn_rng_next(r) >> 11) * 0x1.0p-53;
}

double nn_rng_normal(struct nn_rng *r)
{
    double u1 = 1.0 - nn_rng_uniform(r); /* (0, 1]: log is finite */
    double u2 = nn_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t nn_rng_below(struct nn_rng *r, uint64_t n)
{
    /* Lemire: the high word of a 64×64 product is uniform in [0, n) once the low word's biased
     * region is rejected. */
    nn_u128 m = (nn_u128)nn_rng_next(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t t = (0 - n) % n;
        while (lo < t) {
            m = (nn_u128)nn_rng_next(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void nn_rng_shuffle(struct nn_rng *r, uint32_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nn_rng_below(r, i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t nn_rng_key(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
    uint64_t k = mix(seed + 0x9E3779B97F4A7C15ull);
    k = mix(k ^ (stream * 0xD6E8FEB86659FD93ull));
    k = mix(k ^ (a * 0xA0761D6478BD642Full));
    return mix(k ^ (b * 0xE7037ED1A0B428DBull));
}

uint64_t nn_rng_at(uint64_t key, uint64_t i)
{
    return mix(key + (i + 1) * 0x9E3779B97F4A7C15ull);
}
