/* realdata.c -- HEE learning on real data, with the RBM baseline beside every number
 *
 *   bench/realdata fashion OUTDIR [TRAIN_ITEMS] [HEE_SECONDS] [RBM_EPOCHS]
 *   bench/realdata patches OUTDIR IMAGE.png... 
 *
 * fashion: Fashion-MNIST (Debian's dataset-fashion-mnist, /usr/share/datasets/fashion-mnist)
 *   scaled to [0, 1].  A HEE (784 identity units, sigma 0.3; 100 tanh units) learns the first
 *   TRAIN_ITEMS training images (default 2000) for HEE_SECONDS of model time (default 20); an
 *   RBM with 100 hidden units learns the same images by CD-1 and by PCD-1 for RBM_EPOCHS
 *   (default 20).  Scores, all against 1000 images of the test set:
 *   - kernel MMD^2 (Gaussian kernel, one bandwidth: the median heuristic on the test images)
 *     of 500 samples from each generator: HEE marginal and joint generation (conditional means
 *     of layer 0, as the RBM's samples are p(v | h)), RBM CD-1, RBM PCD-1; and of 500 training
 *     images, the floor any generator can reach with this many samples;
 *   - linear-probe accuracy (ridge read-out, cross-validated) trained on the features of 1000
 *     training images and tested on 500 test images: raw pixels, the HEE's posterior mean of
 *     its latent layer (inference clamped on each image), the RBMs' p(h | v).
 * patches: 12x12 patches of the gray photographs given, whitened; a HEE (144 identity units,
 *   64 latent identity units) learns them; each latent unit's receptive field (its column of W)
 *   is fitted by a Gabor function; reports the fraction with R^2 > 0.8.
 *
 * fashion's HEE takes its chains, threads, learning rate and decay from the environment:
 * HS_FASHION_CHAINS (default 1), HS_FASHION_THREADS (1), HS_FASHION_LR ("5 Hz"),
 * HS_FASHION_DECAY ("20 s"); HEE_SECONDS is then the model time of B images at once.
 *
 * Results depend only on the seeds; times are wall seconds on this machine.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "analyze/gabor.h"
#include "analyze/metrics.h"
#include "config/config.h"
#include "data/dataset.h"
#include "data/image.h"
#include "hee/hee.h"
#include "net/hee_spec.h"
#include "proc/hee_rt.h"
#include "hee-snn/hee-snn.h"
#include "rbm/rbm.h"
#include "util/blas.h"
#include "util/clock.h"
#include "util/rng.h"

#include "bench.h"

#define FMNIST "/usr/share/datasets/fashion-mnist/"

/* The samples.tsv a generation wrote. */
static double *read_samples(const char *dir, size_t n, size_t dim)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/samples.tsv", dir);
    hs_dataset *d = NULL;
    hs_error err = {0};
    if (hs_data_load_tsv(path, 0, &d, &err))
        die(&err);
    if (d->n != n || d->dim != dim) {
        fprintf(stderr, "realdata: %s holds %zu x %zu values\n", path, d->n, d->dim);
        exit(1);
    }
    double *x = d->x;
    d->x = NULL;
    hs_dataset_free(d);
    return x;
}

/* The posterior mean of the top layer of a trained model for each of n items: layer 0 clamped
 * to the item, `settle` ms of inference from where the previous item left the network, then
 * the membranes averaged over `avg` ms. */
static double *posterior_means(const hs_config *model, const double *X, size_t n, double settle,
                               double avg)
{
    hs_error err = {0};
    hs_hee_rt *rt = NULL;
    hs_heecfg one = *model->hee;   /* one chain, item after item */
    hs_config m1 = *model;
    one.chains = 1;
    m1.hee = &one;
    if (hs_net_hee_rt(&m1, &rt, &err))
        die(&err);
    const hs_hee *m = &rt->m;
    const hs_hee_layer *v = &m->layer[0], *top = &m->layer[m->L - 1];
    rt->clamp = xmalloc(v->n * sizeof *rt->clamp);   /* clamped from now on; freed by rt */
    double *F = xmalloc(n * top->n * sizeof *F);
    const uint64_t ns = hs_hee_steps(settle, rt->dt), na = hs_hee_steps(avg, rt->dt);
    for (size_t s = 0; s < n; s++) {
        memcpy(rt->clamp, X + s * v->n, v->n * sizeof *X);
        memcpy(rt->x, X + s * v->n, v->n * sizeof *X);
        for (uint64_t k = 0; k < ns; k++)
            hs_hee_rt_advance(rt, NULL);   /* rate realisation: no queue */
        double *f = F + s * top->n;
        memset(f, 0, top->n * sizeof *f);
        for (uint64_t k = 0; k < na; k++) {
            hs_hee_rt_advance(rt, NULL);   /* rate realisation: no queue */
            for (uint32_t j = 0; j < top->n; j++)
                f[j] += rt->x[top->off + j] / (double)na;
        }
    }
    hs_hee_rt_free(rt);
    return F;
}

typedef struct score {
    const char *name;
    double mmd2, se, wall;
} score;

static void mmd_row(score *r, const char *name, const double *S, size_t n, const double *T,
                    size_t m, size_t dim, double bw, double wall)
{
    hs_error err = {0};
    r->name = name;
    r->wall = wall;
    if (hs_mmd2_rbf(S, n, T, m, dim, bw, &r->mmd2, &r->se, &err))
        die(&err);
}

static double probe(const double *Ftr, const int *ytr, size_t ntr, const double *Fte,
                    const int *yte, size_t nte, size_t dim)
{
    hs_error err = {0};
    double acc;
    if (hs_linear_probe(Ftr, ytr, ntr, Fte, yte, nte, dim, 10, 0, &acc, &err))
        die(&err);
    return acc;
}

static const char fashion_yaml[] =
    "hee-snn: 1\nname: fashion\nseed: 1\nduration: %g s\noutput: %s/hee\nthreads: %s\n"
    "hee:\n  tau_x: 2 ms\n  tau_eps: 0.1 ms\n  dt: 0.02 ms\n  chains: %s\n"
    "  layers:\n    - {name: v, size: 784, sigma: 0.3}\n    - {name: h, size: 100, rho: tanh}\n"
    "  weights:\n    h: {normal: {mean: 0, sd: 0.01}}\n"
    "  data:\n    idx: {images: " FMNIST "train-images-idx3-ubyte.gz}\n    limit: %zu\n"
    "    scale: 0.00392156862745098\n    present: 10 ms\n"
    "  learn: {learning_rate: %s, decay: %s, settle: 5 ms, log: 1 s}\n";

/* An environment variable, or def. */
static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && v[0] ? v : def;
}

static int fashion(const char *out, size_t ntrain, double hee_s, size_t epochs)
{
    enum { NTEST = 1000, NGEN = 500, NPROBE_TR = 1000, NPROBE_TE = 500, DIM = 784 };
    hs_error err = {0};
    char yaml[4096], path[1300], dir[1200];
    FILE *log = NULL;
    hs_dataset *tr = NULL, *te = NULL;
    if (hs_data_load_idx(FMNIST "train-images-idx3-ubyte.gz", FMNIST "train-labels-idx1-ubyte.gz",
                         ntrain, &tr, &err) ||
        hs_data_load_idx(FMNIST "t10k-images-idx3-ubyte.gz", FMNIST "t10k-labels-idx1-ubyte.gz",
                         NTEST, &te, &err))
        die(&err);
    hs_data_scale(tr, 1.0 / 255, 0);
    hs_data_scale(te, 1.0 / 255, 0);
    double bw;
    if (hs_metrics_median_bandwidth(te->x, NTEST / 2, te->x + NTEST / 2 * DIM, NTEST / 2, DIM,
                                    &bw, &err))
        die(&err);

    /* the HEE: train (or keep a model trained before), generate, infer */
    snprintf(path, sizeof path, "%s/hee/model.yaml", out);
    snprintf(yaml, sizeof yaml, fashion_yaml, hee_s, out, env_or("HS_FASHION_THREADS", "1"),
             env_or("HS_FASHION_CHAINS", "1"), ntrain, env_or("HS_FASHION_LR", "5 Hz"),
             env_or("HS_FASHION_DECAY", "20 s"));
    snprintf(dir, sizeof dir, "%s/fashion.yaml", out);
    hs_config *cfg = load_string(yaml, dir);
    double t0 = hs_wall_s(), hee_wall = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        hs_train_result res;
        if (hs_train_to_dir(cfg, 0, NULL, &res, &err))
            die(&err);
        hee_wall = res.wall;
    }
    hs_config_free(cfg);
    hs_config *model = load_file(path);
    score rows[8];
    int nr = 0;
    const char *modes[2] = {"marginal", "joint"};
    double *gen[2];
    for (int k = 0; k < 2; k++) {
        hs_gen_opts o = {.mode = k ? HS_GEN_JOINT : HS_GEN_MARGINAL, .samples = NGEN,
                         .every = 10, .burnin = 50, .means = 1};
        snprintf(dir, sizeof dir, "%s/hee-%s", out, modes[k]);
        free(model->output);
        model->output = strdup(dir);
        hs_gen_result gr;
        if (!model->output || hs_generate_to_dir(model, &o, NULL, &gr, &err))
            die(&err);
        gen[k] = read_samples(dir, NGEN, DIM);
        mmd_row(&rows[nr++], k ? "HEE joint" : "HEE marginal", gen[k], NGEN, te->x, NTEST, DIM,
                bw, gr.wall);
        free(gen[k]);
    }
    t0 = hs_wall_s();
    double *Fh_tr = posterior_means(model, tr->x, NPROBE_TR, 4, 6);
    double *Fh_te = posterior_means(model, te->x, NPROBE_TE, 4, 6);
    double infer_wall = hs_wall_s() - t0;

    /* the RBM baseline, CD-1 and PCD-1 */
    double *Fr_tr[2], *Fr_te[2], rbm_wall[2];
    for (int p = 0; p < 2; p++) {
        hs_rbm *r = NULL;
        gsl_rng *g = hs_rng_stream(1, "rbm", "init");
        hs_rbm_train_opts o = hs_rbm_train_defaults();
        o.persistent = p;
        o.batch = 20;
        o.nchains = 100;
        o.lr = p ? 0.01 : 0.05;
        o.epochs = epochs;
        t0 = hs_wall_s();
        if (!g || hs_rbm_alloc(DIM, 100, &r, &err) || hs_rbm_init(r, g, 0.01, &err) ||
            hs_rbm_init_from_data(r, tr, ntrain, &err) ||
            hs_rbm_train(r, tr, ntrain, &o, 1, NULL, NULL, &err))
            die(&err);
        rbm_wall[p] = hs_wall_s() - t0;
        double *S = xmalloc((size_t)NGEN * DIM * sizeof *S);
        t0 = hs_wall_s();
        if (hs_rbm_sample(r, NGEN, NGEN, 1000, 1, 2, S, &err))
            die(&err);
        mmd_row(&rows[nr++], p ? "RBM PCD-1" : "RBM CD-1", S, NGEN, te->x, NTEST, DIM, bw,
                hs_wall_s() - t0);
        snprintf(path, sizeof path, "%s/rbm-%s.png", out, p ? "pcd" : "cd");
        if (hs_png_write_grid(path, S, 100, 28, 28, 10, 1, 0, &err))
            die(&err);
        Fr_tr[p] = xmalloc((size_t)NPROBE_TR * 100 * sizeof(double));
        Fr_te[p] = xmalloc((size_t)NPROBE_TE * 100 * sizeof(double));
        hs_rbm_hidden_probs(r, tr->x, NPROBE_TR, Fr_tr[p]);
        hs_rbm_hidden_probs(r, te->x, NPROBE_TE, Fr_te[p]);
        free(S);
        hs_rbm_free(r);
        gsl_rng_free(g);
    }
    mmd_row(&rows[nr++], "training images", tr->x, NGEN, te->x, NTEST, DIM, bw, 0);

    double acc_px = probe(tr->x, tr->labels, NPROBE_TR, te->x, te->labels, NPROBE_TE, DIM);
    double acc_h = probe(Fh_tr, tr->labels, NPROBE_TR, Fh_te, te->labels, NPROBE_TE, 100);
    double acc_cd = probe(Fr_tr[0], tr->labels, NPROBE_TR, Fr_te[0], te->labels, NPROBE_TE, 100);
    double acc_pcd =
        probe(Fr_tr[1], tr->labels, NPROBE_TR, Fr_te[1], te->labels, NPROBE_TE, 100);

    snprintf(path, sizeof path, "%s/fashion.txt", out);
    log = fopen(path, "w");
    FILE *fs[2] = {stdout, log};
    for (int k = 0; k < 2 && fs[k]; k++) {
        FILE *f = fs[k];
        fprintf(f, "Fashion-MNIST: %zu training images; scores against %d test images\n",
                ntrain, NTEST);
        fprintf(f, "HEE 784-100 (tanh): %g s of model time, %.0f s wall%s; RBM 784-100: %zu "
                   "epochs, CD-1 %.0f s, PCD-1 %.0f s wall\n\n",
                hee_s, hee_wall, hee_wall > 0 ? "" : " (model reused)", epochs, rbm_wall[0],
                rbm_wall[1]);
        fprintf(f, "kernel MMD^2 of %d samples to the test images (Gaussian kernel, bandwidth "
                   "%.3f)\n", NGEN, bw);
        fprintf(f, "%-18s %12s %10s %10s\n", "generator", "MMD^2", "se", "wall_s");
        for (int i = 0; i < nr; i++)
            fprintf(f, "%-18s %12.5f %10.5f %10.2f\n", rows[i].name, rows[i].mmd2, rows[i].se,
                    rows[i].wall);
        fprintf(f, "\nlinear probe (ridge, 5-fold CV), trained on %d images, tested on %d\n",
                NPROBE_TR, NPROBE_TE);
        fprintf(f, "%-32s %9s\n", "features", "accuracy");
        fprintf(f, "%-32s %9.3f\n", "raw pixels (784)", acc_px);
        fprintf(f, "%-32s %9.3f\n", "HEE posterior mean of h (100)", acc_h);
        fprintf(f, "%-32s %9.3f\n", "RBM CD-1 p(h | v) (100)", acc_cd);
        fprintf(f, "%-32s %9.3f\n", "RBM PCD-1 p(h | v) (100)", acc_pcd);
        fprintf(f, "(HEE inference for the probe: 4 ms settle + 6 ms average per image, %.0f s "
                   "wall)\n", infer_wall);
    }
    if (log)
        fclose(log);
    free(Fh_tr);
    free(Fh_te);
    for (int p = 0; p < 2; p++) {
        free(Fr_tr[p]);
        free(Fr_te[p]);
    }
    hs_config_free(model);
    hs_dataset_free(tr);
    hs_dataset_free(te);
    return 0;
}

static const char patches_yaml[] =
    "hee-snn: 1\nname: patches\nseed: 1\nduration: %g s\noutput: %s/hee\n"
    "hee:\n  tau_x: 2 ms\n  tau_eps: 0.1 ms\n  dt: 0.02 ms\n"
    "  layers:\n    - {name: v, size: 144, sigma: 0.5}\n"
    "    - {name: h, size: 64, rho: %s, bias: %s}\n"
    "  weights:\n    h: {normal: {mean: 0, sd: 0.01}}\n"
    "  data:\n    patches: {images: [%s], size: 12, count: %zu}\n"
    "    scale: 0.00392156862745098\n    whiten: true\n    whiten_eps: %s\n    present: 10 ms\n"
    "  learn: {learning_rate: %s, decay: 20 s, settle: 5 ms, log: 2 s}\n";

static int patches(const char *out, int nimg, char **imgs, double hee_s, const char *rho,
                   const char *lr, const char *bias, const char *weps)
{
    hs_error err = {0};
    char list[8192] = "", yaml[12000], path[1300];
    for (int i = 0; i < nimg; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "", imgs[i]);
    }
    snprintf(yaml, sizeof yaml, patches_yaml, hee_s, out, rho, bias, list, (size_t)20000, weps,
             lr);
    snprintf(path, sizeof path, "%s/patches.yaml", out);
    hs_config *cfg = load_string(yaml, path);
    hs_train_result res;
    if (hs_train_to_dir(cfg, 0, NULL, &res, &err))
        die(&err);
    hs_config_free(cfg);
    snprintf(path, sizeof path, "%s/hee/model.yaml", out);
    hs_config *model = load_file(path);
    hs_hee_rt *rt = NULL;
    if (hs_net_hee_rt(model, &rt, &err))
        die(&err);
    const uint32_t nh = rt->m.layer[1].n;
    double *rf = xmalloc((size_t)nh * 144 * sizeof *rf);   /* unit j's column of W */
    for (uint32_t j = 0; j < nh; j++)
        for (int i = 0; i < 144; i++)
            rf[j * 144 + i] = rt->m.W[1][(size_t)i * nh + j];
    snprintf(path, sizeof path, "%s/receptive-fields.png", out);
    if (hs_png_write_grid(path, rf, nh, 12, 12, 8, 1, 1, &err))
        die(&err);
    hs_gabor *g = xmalloc(nh * sizeof *g);
    if (hs_gabor_fit_many(rf, nh, 12, 12, g, &err))
        die(&err);
    int good = 0;
    snprintf(path, sizeof path, "%s/gabor.tsv", out);
    FILE *f = fopen(path, "w");
    if (f)
        fputs("unit\tr2\tx0\ty0\tsigma_x\tsigma_y\ttheta\tfreq\tphase\tamp\toffset\n", f);
    for (uint32_t j = 0; j < nh; j++) {
        good += g[j].r2 > 0.8;
        if (f)
            fprintf(f, "%u\t%.4f\t%.3f\t%.3f\t%.3f\t%.3f\t%.4f\t%.4f\t%.4f\t%.4g\t%.4g\n", j,
                    g[j].r2, g[j].x0, g[j].y0, g[j].sigma_x, g[j].sigma_y, g[j].theta,
                    g[j].freq, g[j].phase, g[j].amp, g[j].offset);
    }
    if (f)
        fclose(f);
    printf("natural image patches: %d images, 20000 whitened 12x12 patches; HEE 144-%u (%s), "
           "%g s of model time, %.0f s wall\n", nimg, nh, rho, hee_s, res.wall);
    printf("receptive fields with a Gabor fit of R^2 > 0.8: %d of %u (%.0f%%)\n", good, nh,
           100.0 * good / nh);
    printf("written: %s/receptive-fields.png, %s/gabor.tsv\n", out, out);
    free(rf);
    free(g);
    hs_hee_rt_free(rt);
    hs_config_free(model);
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    hs_blas_threads(1);   /* as the hee-snn program: the same bytes on every machine */
    if (argc >= 3 && !strcmp(argv[1], "fashion")) {
        mkdir(argv[2], 0777);
        return fashion(argv[2], argc > 3 ? (size_t)atol(argv[3]) : 2000,
                       argc > 4 ? atof(argv[4]) : 20, argc > 5 ? (size_t)atol(argv[5]) : 20);
    }
    if (argc >= 4 && !strcmp(argv[1], "patches")) {
        mkdir(argv[2], 0777);
        /* the model's knobs, from the environment: HS_PATCH_RHO (identity), HS_PATCH_BIAS (0),
         * HS_PATCH_LR (2 Hz), HS_PATCH_SECONDS (40), HS_PATCH_WHITEN_EPS (1e-3) */
        const char *rho = getenv("HS_PATCH_RHO"), *lr = getenv("HS_PATCH_LR"),
                   *sec = getenv("HS_PATCH_SECONDS"), *bias = getenv("HS_PATCH_BIAS"),
                   *weps = getenv("HS_PATCH_WHITEN_EPS");
        return patches(argv[2], argc - 3, argv + 3, sec ? atof(sec) : 40,
                       rho ? rho : "identity", lr ? lr : "2 Hz", bias ? bias : "0",
                       weps ? weps : "1e-3");
    }
    fprintf(stderr, "usage: realdata fashion OUTDIR [TRAIN_ITEMS] [HEE_SECONDS] [RBM_EPOCHS]\n"
                    "       realdata patches OUTDIR IMAGE.png...\n");
    return 2;
}
