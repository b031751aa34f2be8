/* sha256.h -- SHA-256 (FIPS 180-4), for the input-file fingerprints of run.yaml */
#ifndef HS_UTIL_SHA256_H
#define HS_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_sha256 {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    unsigned char buf[64];
    size_t nbuf;
} hs_sha256;

void hs_sha256_init(hs_sha256 *s);
void hs_sha256_update(hs_sha256 *s, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL into hex[65]. */
void hs_sha256_final(hs_sha256 *s, char hex[65]);
/* The digest of a whole file into hex[65]; 0, or -1 if it cannot be read. */
int hs_sha256_file(const char *path, char hex[65]);

#endif
