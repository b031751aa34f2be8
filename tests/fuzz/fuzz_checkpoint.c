/* fuzz_checkpoint.c -- libFuzzer harness: resuming training from a checkpoint.bin
 *
 * A small rate hee (3 visible, 2 hidden units, 4 data vectors; written once into the harness's
 * temporary directory with its data) is trained with --resume from the input as
 * OUTDIR/checkpoint.bin, up to 40 ms.  The network hash in the header (bytes 8 to 15) depends
 * on the data file's path, which changes with the temporary directory, so the harness writes
 * its own there (taken from a checkpoint it trains once at the start); the seeds are checkpoints
 * of this network written by 'hee-snn train' at 20 and 40 ms, so that mutations get past the
 * header to the state.  A checkpoint ends with the SHA-256 of its contents (64 hex digits):
 * the harness appends the right one to every input, so that mutations are not all refused by
 * the checksum and reach the reader behind it (the checksum itself is tested in
 * tests/e2e-learn.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/hee_train.h"
#include "fuzz.h"
#include "util/sha256.h"

static const char CONFIG[] =
    "hee-snn: 1\n"
    "name: fuzz-ckpt\n"
    "seed: 4\n"
    "duration: 40 ms\n"
    "hee:\n"
    "  realisation: rate\n"
    "  dt: 0.1 ms\n"
    "  layers:\n"
    "    - {name: v, size: 3}\n"
    "    - {name: h, size: 2, rho: tanh}\n"
    "  weights:\n"
    "    h: {normal: {mean: 0, sd: 0.3}}\n"
    "  data: {tsv: vec3.tsv, present: 5 ms}\n"
    "  learn: {learning_rate: 2 Hz, settle: 1 ms, checkpoint: 20 ms, log: 10 ms}\n";

static const char DATA[] = "0.1\t0.2\t0.3\n1\t2\t3\n-1\t0\t1\n0.5\t0.5\t0.5\n";

static hs_config *cfg;
static uint8_t hash[8];   /* the network's hash as a checkpoint holds it */
static uint8_t *input;    /* the input with that hash */

/* Load the network, train it once and keep the hash of its checkpoint. */
static void setup(void)
{
    char path[4200], out[4200];
    hs_error err;
    hs_fuzz_file("vec3.tsv", (const uint8_t *)DATA, sizeof DATA - 1, path, sizeof path);
    hs_fuzz_file("net.yaml", (const uint8_t *)CONFIG, sizeof CONFIG - 1, path, sizeof path);
    hs_overrides ov = {.output = hs_fuzz_path("out", out, sizeof out)};
    hs_train_result res;
    if (hs_config_load(path, &ov, &cfg, &err) != HS_OK ||
        hs_hee_train(cfg, 0, NULL, &res, &err) != HS_OK) {
        fprintf(stderr, "fuzz_checkpoint: %s\n", err.msg);
        abort();
    }
    FILE *f = fopen(hs_fuzz_path("out/checkpoint.bin", path, sizeof path), "rb");
    if (!f || fseek(f, 8, SEEK_SET) != 0 || fread(hash, 1, 8, f) != 8)
        abort();
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg)
        setup();
    uint8_t *in = realloc(input, size + 65);
    if (!in)
        abort();
    input = in;
    memcpy(in, data, size);
    if (size >= 16)
        memcpy(in + 8, hash, 8);
    hs_sha256 h;
    hs_sha256_init(&h);
    hs_sha256_update(&h, in, size);
    hs_sha256_final(&h, (char *)in + size);   /* 64 hex digits and a NUL, not written */
    char path[4200];
    hs_fuzz_file("out/checkpoint.bin", in, size + 64, path, sizeof path);
    hs_train_result res;
    hs_error err;
    (void)hs_hee_train(cfg, 1, NULL, &res, &err);
    return 0;
}
