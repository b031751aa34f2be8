/* learncmp.c -- spike versus rate realisation of learning on a linear-Gaussian model
 *
 *   bench/learncmp [OUTDIR] [DURATION_S]
 *
 * A teacher (5 observed units with noise sd 1, 2 latent units; principal variances about 5 and
 * 3) generates 2000 items (1500 trained on, 500 held out).  The same student network learns
 * them in the rate realisation and in the spike realisation (P from the network, and 1000), from the
 * same initial weights, for DURATION_S seconds of model time (default 100).  Reported: the final
 * log-likelihood against the closed-form maximum (probabilistic PCA), the model and wall time
 * to come within 0.05 nats of it, and how far apart the learned models end: the largest
 * principal angle between the learned subspaces and the relative difference of the learned
 * covariances W W^T (Frobenius norm).  Results depend only on the seeds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "config/config.h"
#include "data/dataset.h"
#include "hee/hee.h"
#include "net/hee_spec.h"
#include "proc/hee_rt.h"
#include "hee-snn/hee-snn.h"

#include "bench.h"

static const char teacher[] =
    "hee-snn: 1\nname: teacher\nseed: 7\nduration: 1 s\noutput: %s/teacher\n"
    "hee:\n  dt: 0.02 ms\n"
    "  layers:\n    - {name: v, size: 5, sigma: 1.0, bias: [0.3, -0.2, 0.1, 0.0, 0.2]}\n"
    "    - {name: h, size: 2, sigma: 1.0}\n"
    "  weights:\n    h: [[1.2, 0.3], [-0.8, 0.9], [0.6, -1.0], [1.0, 0.7], [-0.7, -0.6]]\n";

static const char student[] =
    "hee-snn: 1\nname: %s\nseed: 1\nduration: %g s\noutput: %s/%s\n"
    "hee:\n  realisation: %s\n  tau_x: 10 ms\n  tau_eps: 0.2 ms\n  dt: 0.02 ms\n%s"
    "  layers:\n    - {name: v, size: 5, sigma: 1.0}\n    - {name: h, size: 2, sigma: 1.0}\n"
    "  weights:\n    h: {normal: {mean: 0, sd: 0.5}}\n"
    "  data: {tsv: teacher/samples.tsv, holdout: 500, present: 10 ms}\n"
    "  learn: {learning_rate: 10 Hz, decay: 5 s, settle: 4 ms, log: 1 s}\n";

typedef struct run {
    const char *name, *realisation, *spike;
    double wall, ll, llmax, t_close, wall_close;
    double C[25];   /* W_eff W_eff^T */
    double U[10];   /* orthonormal basis of span(W) */
} run;

static void read_run(const char *outdir, run *r, double model_s)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/%s/learning.tsv", outdir, r->name);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    r->t_close = NAN;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "# loglik_max: ", 14))
            r->llmax = atof(line + 14);
        if (line[0] == '#' || !strncmp(line, "time_ms", 7))
            continue;
        double c[10];
        if (sscanf(line, "%lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &c[0], &c[1], &c[2], &c[3],
                   &c[4], &c[5], &c[6], &c[7], &c[8], &c[9]) != 10)
            continue;
        r->ll = c[8];
        if (isnan(r->t_close) && r->llmax - c[8] < 0.05)
            r->t_close = c[0] * 1e-3;
    }
    fclose(f);
    r->wall_close = r->t_close * r->wall / model_s;
    snprintf(path, sizeof path, "%s/%s/model.yaml", outdir, r->name);
    hs_error err = {0};
    hs_config *cfg = NULL;
    hs_hee_rt *rt = NULL;
    if (hs_config_load(path, NULL, &cfg, &err) || hs_net_hee_rt(cfg, &rt, &err))
        die(&err);
    const double *W = rt->m.W[1];
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            r->C[a * 5 + b] = W[a * 2] * W[b * 2] + W[a * 2 + 1] * W[b * 2 + 1];
    gsl_matrix *Q = gsl_matrix_alloc(5, 2), *Qf = gsl_matrix_alloc(5, 5), *R = gsl_matrix_alloc(5, 2);
    gsl_vector *tau = gsl_vector_alloc(2);
    for (int a = 0; a < 5; a++)
        for (int j = 0; j < 2; j++)
            gsl_matrix_set(Q, a, j, W[a * 2 + j]);
    gsl_linalg_QR_decomp(Q, tau);
    gsl_linalg_QR_unpack(Q, tau, Qf, R);
    for (int a = 0; a < 5; a++)
        for (int j = 0; j < 2; j++)
            r->U[a * 2 + j] = gsl_matrix_get(Qf, a, j);
    gsl_matrix_free(Q);
    gsl_matrix_free(Qf);
    gsl_matrix_free(R);
    gsl_vector_free(tau);
    hs_hee_rt_free(rt);
    hs_config_free(cfg);
}

/* Largest principal angle between the spans of two orthonormal 5 x 2 bases. */
static double angle(const double *U, const double *V)
{
    gsl_matrix *M = gsl_matrix_alloc(2, 2), *Vm = gsl_matrix_alloc(2, 2);
    gsl_vector *s = gsl_vector_alloc(2), *w = gsl_vector_alloc(2);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double v = 0;
            for (int a = 0; a < 5; a++)
                v += U[a * 2 + i] * V[a * 2 + j];
            gsl_matrix_set(M, i, j, v);
        }
    gsl_linalg_SV_decomp(M, Vm, s, w);
    double smin = gsl_vector_get(s, 1);
    gsl_matrix_free(M);
    gsl_matrix_free(Vm);
    gsl_vector_free(s);
    gsl_vector_free(w);
    return acos(smin < 1 ? smin : 1);
}

/* The maximum-likelihood covariance C = U (L - I) U^T of probabilistic PCA with unit noise on
 * the first n items, and the basis U of its principal subspace. */
static void ml_solution(const char *outdir, size_t n, double *C, double *U)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/teacher/samples.tsv", outdir);
    hs_dataset *d = NULL;
    hs_error err = {0};
    if (hs_data_load_tsv(path, n, &d, &err))
        die(&err);
    double mean[5] = {0};
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 5; a++)
            mean[a] += d->x[i * 5 + a] / (double)n;
    gsl_matrix *S = gsl_matrix_calloc(5, 5), *E = gsl_matrix_alloc(5, 5);
    gsl_vector *l = gsl_vector_alloc(5);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(5);
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 5; b++)
                *gsl_matrix_ptr(S, a, b) +=
                    (d->x[i * 5 + a] - mean[a]) * (d->x[i * 5 + b] - mean[b]) / (double)n;
    gsl_eigen_symmv(S, l, E, w);
    gsl_eigen_symmv_sort(l, E, GSL_EIGEN_SORT_VAL_DESC);
    for (int a = 0; a < 5; a++) {
        for (int j = 0; j < 2; j++)
            U[a * 2 + j] = gsl_matrix_get(E, a, j);
        for (int b = 0; b < 5; b++) {
            double c = 0;
            for (int j = 0; j < 2; j++)
                c += gsl_matrix_get(E, a, j) * (gsl_vector_get(l, j) - 1) *
                     gsl_matrix_get(E, b, j);
            C[a * 5 + b] = c;
        }
    }
    gsl_matrix_free(S);
    gsl_matrix_free(E);
    gsl_vector_free(l);
    gsl_eigen_symmv_free(w);
    hs_dataset_free(d);
}

static double reldiff(const double *A, const double *B)
{
    double d = 0, n = 0;
    for (int i = 0; i < 25; i++) {
        d += (A[i] - B[i]) * (A[i] - B[i]);
        n += A[i] * A[i];
    }
    return sqrt(d / n);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *outdir = argc > 1 ? argv[1] : "out/learncmp";
    double model_s = argc > 2 ? atof(argv[2]) : 100;
    mkdir(outdir, 0777);
    char yaml[4096], name[1100];
    hs_error err = {0};
    snprintf(name, sizeof name, "%s/teacher.yaml", outdir);
    snprintf(yaml, sizeof yaml, teacher, outdir);
    hs_config *tc = load_string(yaml, name);
    hs_gen_opts go = {.mode = HS_GEN_MARGINAL, .samples = 2000, .settle = 4};
    hs_gen_result gr;
    if (hs_generate_to_dir(tc, &go, NULL, &gr, &err))
        die(&err);
    hs_config_free(tc);
    run runs[] = {{.name = "rate", .realisation = "rate", .spike = ""},
                  {.name = "spike", .realisation = "spike", .spike = ""},
                  {.name = "spike-1000", .realisation = "spike",
                   .spike = "  spike: {neurons_per_unit: 1000}\n"}};
    const int nr = sizeof runs / sizeof runs[0];
    for (int i = 0; i < nr; i++) {
        snprintf(yaml, sizeof yaml, student, runs[i].name, model_s, outdir, runs[i].name,
                 runs[i].realisation, runs[i].spike);
        snprintf(name, sizeof name, "%s/%s.yaml", outdir, runs[i].name);
        hs_config *cfg = load_string(yaml, name);
        hs_train_result res;
        if (hs_train_to_dir(cfg, 0, NULL, &res, &err))
            die(&err);
        runs[i].wall = res.wall;
        hs_config_free(cfg);
        read_run(outdir, &runs[i], model_s);
    }
    double Cml[25], Uml[10];
    ml_solution(outdir, 1500, Cml, Uml);
    char path[1100];
    snprintf(path, sizeof path, "%s/learncmp.txt", outdir);
    FILE *out = fopen(path, "w");
    FILE *fs[2] = {stdout, out};
    for (int k = 0; k < 2 && fs[k]; k++) {
        FILE *f = fs[k];
        fprintf(f, "learning a linear-Gaussian model (5 observed, 2 latent; 1500 training items), "
                   "%g s of model time\n", model_s);
        fprintf(f, "maximum log-likelihood (probabilistic PCA, closed form): %.4f nats/item\n\n",
                runs[0].llmax);
        fprintf(f, "%-11s %9s %8s %8s %8s %7s %8s %8s %8s %8s\n", "run", "loglik", "gap",
                "model_s", "wall_s", "wall_s", "angle", "dC", "angle", "dC");
        fprintf(f, "%-11s %9s %8s %8s %8s %7s %8s %8s %8s %8s\n", "", "", "", "<0.05", "<0.05",
                "total", "ML", "ML", "rate", "rate");
        for (int i = 0; i < nr; i++)
            fprintf(f, "%-11s %9.4f %8.4f %8.3g %8.3g %7.2f %8.4f %8.4f %8.4f %8.4f\n",
                    runs[i].name, runs[i].ll, runs[i].llmax - runs[i].ll, runs[i].t_close,
                    runs[i].wall_close, runs[i].wall, angle(Uml, runs[i].U),
                    reldiff(Cml, runs[i].C), angle(runs[0].U, runs[i].U),
                    reldiff(runs[0].C, runs[i].C));
        fputs("\nloglik: training items, nats/item; gap: below the maximum; model_s, wall_s "
              "<0.05: time until the gap first fell below 0.05 nats (log every 1 s)\n"
              "angle: largest principal angle (rad) between the learned subspace and the ML "
              "one (or the rate realisation's); dC: |W W^T - C_ref| / |C_ref| (Frobenius)\n",
              f);
    }
    if (out)
        fclose(out);
    return 0;
}
