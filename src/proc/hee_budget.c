/* hee_budget.c -- the spike realisation's noise budget over the full covariance
 *
 * In the spike realisation a unit hears the others through spike counts, and those carry
 * noise of their own: the trace of unit u, read as rho-hat_u = (a_u - r0)/r1, fluctuates with
 * diffusion S_u = r_u / (P r1^2) (r per ms; Poisson spikes of P neurons).  The membranes read
 * the traces' means over each step (hs_pp_trace_means), so this noise reaches them white and
 * causal (Ito), and, linearised, every membrane's drift F_i = rho'(x_i) input_i receives the
 * extra diffusion D = R C R, R = diag(rho'(x)), with
 *
 *   C = sum over noise sources s of q_s g_s g_s^T,
 *
 * g_s the gain of source s into the inputs of the free units:
 *   - the spikes of principal unit j of layer m (q = S_j): into layer m-1 through eta
 *     (W_m[i][j]), into layer m through lateral couplings (J_m[i][j]), into layer m+1
 *     bottom-up (W_{m+1}[j][i]), and back into layer m through the interneurons of layer m-1,
 *     which follow eta_{m-1} with low-frequency gain gamma_k = d E[rho(eps_k)] / d eta_k
 *     (~ sigma^2 rho'(eps_k)^2): -sum_k W_m[k][i] gamma_k W_m[k][j];
 *   - the spikes of interneuron k of layer m (q = S_k): into layer m+1, -W_{m+1}[k][i];
 *   - the interneuron's own fluctuation (q = 2 tau_eps sigma^4 rho'(eps)^2 times the share of
 *     its noise it still injects): the same gain.
 * The interneurons get a budget of their own first: eps_k's input eta_k carries diffusion
 * Q_k = rho'(eps_k)^2 sum_j W_m[k][j]^2 S_j, so it injects only 2 tau_eps - Q_k (clipped at 0).
 * The membranes then inject noise of covariance 2 tau_x I - D instead of 2 tau_x I (Cholesky
 * factor); where D does not fit under 2 tau_x I the negative eigenvalues are clipped and the
 * excess is reported.  With every term linear in 1/P, P can be chosen so that D fits
 * (hs_hee_budget_auto_P).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "data/dataset.h"
#include "proc/hee_rt.h"

/* Low-frequency diffusion of unit u's decoded trace: S = r / (P r1^2), r and r1 per ms; with
 * a refractory period the count noise of a renewal process of dead time tau_ref is smaller by
 * its Fano factor (1 - r tau_ref)^2. */
static double shot_at(const hs_hee_rt *rt, double P, hs_rho rho, double y)
{
    double f = hs_rho_f(rho, y), r1 = rt->r1 * 1e-3, rmax = rt->rmax * 1e-3;
    double r = rt->pushpull ? fabs(r1 * f) : rt->r0 * 1e-3 + r1 * f;   /* both sides' total */
    r = r < 0 ? 0 : r > rmax ? rmax : r;
    double fano = 1 - r * rt->tau_ref;
    return r * fano * fano / (P * r1 * r1);
}

/* S of a unit in state y; when choosing P (rt->budget_expect), its expectation over y' ~
 * N(y, sd^2) instead, sd the layer's sigma (0 for clamped units): in the push-pull encoding a
 * unit at 0 is silent, but it will not stay there. */
static double shot(const hs_hee_rt *rt, double P, hs_rho rho, double y, double sd)
{
    if (!rt->budget_expect || sd == 0)
        return shot_at(rt, P, rho, y);
    double acc = 0, wsum = 0;
    for (int k = -8; k <= 8; k++) {   /* z in [-4, 4] */
        double z = k / 2.0, w = exp(-0.5 * z * z);
        acc += w * shot_at(rt, P, rho, y + sd * z);
        wsum += w;
    }
    return acc / wsum;
}

int hs_hee_budget_alloc(hs_hee_rt *rt)
{
    const hs_hee *m = &rt->m;
    rt->off0 = rt->clamp ? m->layer[0].n : 0;
    size_t N = m->ntotal - rt->off0, NT = m->ntotal;
    rt->nfree = N;
    rt->bC = malloc((N * N + 1) * sizeof *rt->bC);
    rt->bL = calloc(N * N + 1, sizeof *rt->bL);
    rt->bg = malloc((N + 1) * sizeof *rt->bg);
    rt->bz = malloc((N + 1) * sizeof *rt->bz);
    rt->ebeta = malloc(NT * sizeof *rt->ebeta);
    rt->bS = malloc(2 * NT * sizeof *rt->bS);
    rt->eig = gsl_eigen_symmv_alloc(N ? N : 1);
    rt->eigV = gsl_matrix_alloc(N ? N : 1, N ? N : 1);
    rt->eigval = gsl_vector_alloc(N ? N : 1);
    if (!rt->bC || !rt->bL || !rt->bg || !rt->bz || !rt->ebeta || !rt->bS || !rt->eig ||
        !rt->eigV || !rt->eigval)
        return -1;
    for (size_t i = 0; i < N; i++)
        rt->bL[i * N + i] = 1.0;
    for (size_t u = 0; u < NT; u++)
        rt->ebeta[u] = 1.0;
    return 0;
}

void hs_hee_budget_free(hs_hee_rt *rt)
{
    free(rt->bC);
    free(rt->bL);
    free(rt->bg);
    free(rt->bz);
    free(rt->ebeta);
    free(rt->bS);
    if (rt->eig)
        gsl_eigen_symmv_free((gsl_eigen_symmv_workspace *)rt->eig);
    if (rt->eigV)
        gsl_matrix_free(rt->eigV);
    if (rt->eigval)
        gsl_vector_free(rt->eigval);
}

/* Add q g g^T to C (the free units' input diffusion). */
static void add_source(hs_hee_rt *rt, double q, const double *g)
{
    const size_t N = rt->nfree;
    if (!(q > 0))
        return;
    if (N > HS_HEE_BUDGET_FULL_MAX) {   /* the diagonal budget needs only the diagonal */
        for (size_t i = 0; i < N; i++)
            rt->bC[i * N + i] += q * g[i] * g[i];
        return;
    }
    for (size_t i = 0; i < N; i++) {
        if (g[i] == 0.0)
            continue;
        double a = q * g[i];
        double *row = rt->bC + i * N;
        for (size_t j = 0; j < N; j++)
            row[j] += a * g[j];
    }
}

/* Free index of unit i of layer l, or -1 when the layer is clamped. */
static long fidx(const hs_hee_rt *rt, int l, uint32_t i)
{
    size_t u = rt->m.layer[l].off + i;
    return u < rt->off0 ? -1 : (long)(u - rt->off0);
}

/* D = R C R for P neurons per unit at the current state; sets ebeta (the interneurons' noise
 * shares).  Returns the load: the largest eigenvalue of D / (2 tau_x), or, if larger, the
 * largest share of an interneuron's intended noise that the spikes it hears already carry --
 * counted when learning (beyond it the interneuron is, through the loop back to the layer
 * above, correlated with it: a bias of grad A's estimate that the learning rule picks up) or
 * when the interneuron's rho is nonlinear (a wider interneuron biases E[rho(eps)]); for a
 * linear interneuron in a run without learning its extra spread is part of D and harmless. */
static double build(hs_hee_rt *rt, double P)
{
    const hs_hee *m = &rt->m;
    const hs_hee_par *h = &rt->par;
    const size_t N = rt->nfree;
    double *g = rt->bg, eload = 0;
    /* every unit's shot noise, once: S scales as 1/P */
    double *Sx = rt->bS, *Se = rt->bS + m->ntotal;
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        const double sdx = fidx(rt, l, 0) >= 0 ? ly->sigma : 0.0;
        for (uint32_t i = 0; i < ly->n; i++) {
            size_t u = ly->off + i;
            Sx[u] = shot(rt, P, ly->rho, rt->x[u], sdx);
            Se[u] = shot(rt, P, ly->rho, rt->eps[u], ly->sigma);
        }
    }
    if (N > HS_HEE_BUDGET_FULL_MAX)
        for (size_t i = 0; i < N; i++)
            rt->bC[i * N + i] = 0.0;
    else
        memset(rt->bC, 0, N * N * sizeof *rt->bC);
    /* interneuron budgets: the diffusion their input eta carries */
    for (int l = 0; l < m->L; l++) {
        const hs_hee_layer *ly = &m->layer[l];
        for (uint32_t k = 0; k < ly->n; k++) {
            double Q = 0;
            if (l + 1 < m->L) {
                const hs_hee_layer *up = &m->layer[l + 1];
                for (uint32_t j = 0; j < up->n; j++) {
                    double w = m->W[l + 1][(size_t)k * up->n + j];
                    Q += w * w * Sx[up->off + j];
                }
            }
            double d = hs_rho_d(ly->rho, rt->eps[ly->off + k]);
            double share = 1 - d * d * Q / (2 * h->tau_eps);
            if (h->learn.on || ly->rho != HS_RHO_IDENTITY)   /* see the comment above build() */
                eload = fmax(eload, 1 - share);
            rt->ebeta[ly->off + k] = share > 0 ? sqrt(share) : 0.0;
        }
    }
    for (int mm = 0; mm < m->L; mm++) {
        const hs_hee_layer *ly = &m->layer[mm];
        const hs_hee_layer *lo = mm > 0 ? &m->layer[mm - 1] : NULL;
        const hs_hee_layer *up = mm + 1 < m->L ? &m->layer[mm + 1] : NULL;
        for (uint32_t j = 0; j < ly->n; j++) {
            /* the spikes of principal unit j of layer mm: g what hears it top-down or
             * laterally, g2 what hears it bottom-up */
            double *g2 = rt->bz;
            memset(g, 0, N * sizeof *g);
            memset(g2, 0, N * sizeof *g2);
            if (lo)
                for (uint32_t i = 0; i < lo->n; i++) {
                    long f = fidx(rt, mm - 1, i);
                    if (f >= 0)
                        g[f] += m->W[mm][(size_t)i * ly->n + j];
                }
            if (ly->J)
                for (uint32_t i = 0; i < ly->n; i++) {
                    long f = fidx(rt, mm, i);
                    if (f >= 0 && i != j)
                        g[f] += ly->J[(size_t)i * ly->n + j];
                }
            if (up)
                for (uint32_t i = 0; i < up->n; i++)
                    g2[fidx(rt, mm + 1, i)] += m->W[mm + 1][(size_t)j * up->n + i];
            if (lo && fidx(rt, mm, 0) >= 0) {
                const double s2 = lo->sigma * lo->sigma;
                for (uint32_t k = 0; k < lo->n; k++) {
                    double d = hs_rho_d(lo->rho, rt->eps[lo->off + k]);
                    double gk = s2 * d * d * m->W[mm][(size_t)k * ly->n + j];
                    const double *row = m->W[mm] + (size_t)k * ly->n;
                    for (uint32_t i = 0; i < ly->n; i++)
                        g[fidx(rt, mm, i)] -= row[i] * gk;
                }
            }
            const double Sj = Sx[ly->off + j];
            for (size_t i = 0; i < N; i++)
                g[i] += g2[i];
            add_source(rt, Sj, g);
            if (!up)
                continue;
            /* interneuron j of layer mm: its spikes and its own fluctuation */
            memset(g, 0, N * sizeof *g);
            for (uint32_t i = 0; i < up->n; i++)
                g[fidx(rt, mm + 1, i)] = -m->W[mm + 1][(size_t)j * up->n + i];
            const double e = rt->eps[ly->off + j], d = hs_rho_d(ly->rho, e);
            const double s4 = ly->sigma * ly->sigma * ly->sigma * ly->sigma;
            const double b = rt->ebeta[ly->off + j];
            add_source(rt, Se[ly->off + j] + 2 * h->tau_eps * s4 * d * d * b * b, g);
        }
    }
    /* D = R C R, scaled by 1 / (2 tau_x) */
    double *R = g;
    for (int l = 0; l < m->L; l++)
        for (uint32_t i = 0; i < m->layer[l].n; i++) {
            long f = fidx(rt, l, i);
            if (f >= 0)
                R[f] = hs_rho_d(m->layer[l].rho, rt->x[m->layer[l].off + i]);
        }
    if (N > HS_HEE_BUDGET_FULL_MAX) {   /* diagonal: its largest entry is the load */
        double lam = 0;
        for (size_t i = 0; i < N; i++) {
            rt->bC[i * N + i] *= R[i] * R[i] / (2 * h->tau_x);
            lam = fmax(lam, rt->bC[i * N + i]);
        }
        return fmax(lam, eload);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            rt->bC[i * N + j] *= R[i] * R[j] / (2 * h->tau_x);
    /* largest eigenvalue, by power iteration on the symmetric PSD matrix */
    double lam = 0;
    double *v = rt->bz;
    for (size_t i = 0; i < N; i++)
        v[i] = 1.0 / sqrt((double)N);
    for (int it = 0; it < 60 && N; it++) {
        double nrm = 0;
        for (size_t i = 0; i < N; i++) {
            double s = 0;
            for (size_t j = 0; j < N; j++)
                s += rt->bC[i * N + j] * v[j];
            R[i] = s;
            nrm += s * s;
        }
        nrm = sqrt(nrm);
        if (!(nrm > 0))
            break;
        lam = nrm;
        for (size_t i = 0; i < N; i++)
            v[i] = R[i] / nrm;
    }
    return fmax(lam, eload);
}

void hs_hee_budget_update(hs_hee_rt *rt)
{
    const size_t N = rt->nfree;
    rt->budget_load = build(rt, rt->P);
    if (N > HS_HEE_BUDGET_FULL_MAX) {   /* diagonal: each unit's own share, no correlations */
        for (size_t i = 0; i < N; i++) {
            double a = 1 - rt->bC[i * N + i];
            rt->bL[i] = a > 0 ? sqrt(a) : 0.0;   /* bL holds the N factors */
        }
        return;
    }
    /* the injected noise: covariance I - D / (2 tau_x), factor L (lower triangular) */
    double *A = rt->bC;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            A[i * N + j] = (i == j) - A[i * N + j];
    memcpy(rt->bL, A, N * N * sizeof *A);
    gsl_matrix_view Lv = gsl_matrix_view_array(rt->bL, N, N);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int bad = gsl_linalg_cholesky_decomp1(&Lv.matrix);
    gsl_set_error_handler(old);
    if (!bad) {
        for (size_t i = 0; i < N; i++)   /* keep the lower triangle */
            for (size_t j = i + 1; j < N; j++)
                rt->bL[i * N + j] = 0.0;
        return;
    }
    /* D does not fit: inject the positive part of I - D / (2 tau_x), L = V sqrt(max(Lambda, 0))
     * (V and the eigenvalues in the workspaces allocated with the budget: the event loop
     * allocates nothing) */
    gsl_matrix *V = rt->eigV;
    gsl_vector *ev = rt->eigval;
    gsl_matrix_view Av = gsl_matrix_view_array(A, N, N);
    if (gsl_eigen_symmv(&Av.matrix, ev, V, (gsl_eigen_symmv_workspace *)rt->eig)) {
        for (size_t i = 0; i < N * N; i++)
            rt->bL[i] = (i % (N + 1)) == 0;
    } else {
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) {
                double e = gsl_vector_get(ev, j);
                rt->bL[i * N + j] = gsl_matrix_get(V, i, j) * (e > 0 ? sqrt(e) : 0.0);
            }
    }
}

/* The first layer's weights that the data call for, when learning: the probabilistic-PCA
 * maximum of a linear one-hidden-layer model, sigma_v^4 sigma_h^2 W W^T = U_k (Lambda_k -
 * sigma_v^2) U_k^T from the top n_1 eigenpairs of the training items' covariance.  Returns a
 * new n_0 x n_1 matrix, or NULL (no data, or out of memory). */
static double *data_scale_W(const hs_hee_rt *rt)
{
    const hs_hee *m = &rt->m;
    if (!rt->ds || !rt->par.learn.on || m->L < 2 || !rt->ntrain)
        return NULL;
    const size_t n0 = m->layer[0].n, n1 = m->layer[1].n, n = rt->ntrain;
    const double sv2 = m->layer[0].sigma * m->layer[0].sigma, sh = m->layer[1].sigma;
    gsl_matrix *C = gsl_matrix_calloc(n0, n0), *V = gsl_matrix_alloc(n0, n0);
    gsl_vector *ev = gsl_vector_alloc(n0), *mu = gsl_vector_calloc(n0);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(n0);
    double *W = malloc(n0 * n1 * sizeof *W);
    int ok = C && V && ev && mu && ws && W;
    for (size_t k = 0; ok && k < n; k++)
        for (size_t i = 0; i < n0; i++)
            *gsl_vector_ptr(mu, i) += rt->ds->x[k * n0 + i] / (double)n;
    for (size_t k = 0; ok && k < n; k++) {
        const double *x = rt->ds->x + k * n0;
        for (size_t i = 0; i < n0; i++)
            for (size_t j = 0; j <= i; j++)
                *gsl_matrix_ptr(C, i, j) += (x[i] - gsl_vector_get(mu, i)) *
                                            (x[j] - gsl_vector_get(mu, j)) / (double)n;
    }
    for (size_t i = 0; ok && i < n0; i++)
        for (size_t j = 0; j < i; j++)
            gsl_matrix_set(C, j, i, gsl_matrix_get(C, i, j));
    if (ok && !gsl_eigen_symmv(C, ev, V, ws) &&
        !gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_DESC)) {
        for (size_t i = 0; i < n0; i++)
            for (size_t j = 0; j < n1; j++) {
                double l = j < n0 ? gsl_vector_get(ev, j) - sv2 : 0.0;
                W[i * n1 + j] = j < n0 && l > 0
                                    ? gsl_matrix_get(V, i, j) * sqrt(l) / (sv2 * sh) : 0.0;
            }
    } else {
        free(W);
        W = NULL;
    }
    gsl_matrix_free(C);
    gsl_matrix_free(V);
    gsl_vector_free(ev);
    gsl_vector_free(mu);
    if (ws)
        gsl_eigen_symmv_free(ws);
    return W;
}

uint32_t hs_hee_budget_auto_P(hs_hee_rt *rt, double f, uint32_t Pmax)
{
    /* when learning, P must fit the weights learning will reach, not the initial ones: the
     * first layer's weights are taken at the data's scale while P is chosen */
    double *Wd = data_scale_W(rt), *W1 = NULL;
    if (Wd) {
        W1 = rt->m.W[1];
        rt->m.W[1] = Wd;
    }
    /* the load falls like 1/P plus the interneurons' own (P-independent) part: double, then
     * bisect, for the smallest P with load <= f */
    rt->budget_expect = 1;
    /* the load is nearly a / P + c (shot noise, and the interneurons' own share): two builds
     * give a and c, a third checks the answer (each build costs O(units x free units^2)) */
    double l1 = build(rt, 1.0);
    uint32_t P = 1;
    if (l1 > f) {
        uint32_t p2 = l1 / f > Pmax ? Pmax : (uint32_t)ceil(l1 / f);
        double l2 = build(rt, p2);
        double a = (l1 - l2) / (1.0 - 1.0 / p2), c = l1 - a;
        P = c < f && a > 0 ? (uint32_t)fmin(Pmax, ceil(a / (f - c))) : p2;
        if (P < 1)
            P = 1;
        for (int it = 0; it < 8 && P < Pmax && build(rt, P) > f; it++)
            P = (uint32_t)fmin(Pmax, ceil(1.25 * P));
    }
    uint32_t hi = P;
    rt->budget_expect = 0;
    if (Wd) {
        rt->m.W[1] = W1;
        free(Wd);
    }
    return hi;
}

double hs_hee_budget_auto_gain(hs_hee_rt *rt, double f)
{
    /* the load is nearly a / r1 + c: fit it from the current gain and a quarter of it, then
     * check, raising by a quarter until it fits (each build O(units x free units^2)) */
    const double r_hi = rt->r1, P = rt->P;
    rt->budget_expect = 1;
    double l_hi = build(rt, P);
    double g = r_hi;
    if (l_hi < f) {
        rt->r1 = r_hi / 4;
        double l_lo = build(rt, P);
        double a = (l_lo - l_hi) / (4.0 / r_hi - 1.0 / r_hi), c = l_hi - a / r_hi;
        g = c < f && a > 0 ? a / (f - c) : r_hi;
        /* never fewer than HS_HEE_MIN_SIDE_RATE spikes per second per unit of rho on a side:
         * the budget's model is a diffusion, not a few large jumps */
        g = fmin(r_hi, fmax(fmax(r_hi / 16, HS_HEE_MIN_SIDE_RATE / P), g));
        for (int it = 0; it < 8 && g < r_hi; it++) {
            rt->r1 = g;
            if (build(rt, P) <= f)
                break;
            g = fmin(r_hi, 1.25 * g);
        }
    }
    rt->r1 = r_hi;
    rt->budget_expect = 0;
    return g;
}
