/* Summary statistics and Welch's t-test, on GSL (see stats.h). */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/sample_stats.h"

double stats_mean(const double *x, size_t n)
{
	return n ? gsl_stats_mean(x, 1, n) : NAN;
}

double stats_stddev(const double *x, size_t n)
{
	return n > 1 ? gsl_stats_sd(x, 1, n) : NAN;
}

double stats_cv(const double *x, size_t n)
{
	double m = stats_mean(x, n);

	if (n < 2 || m == 0)
		return NAN;
	return 100.0 * stats_stddev(x, n) / fabs(m);
}

double stats_hmean(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++) {
		if (!(x[i] > 0))
			return NAN;
		s += 1.0 / x[i];
	}
	return (double)n / s;
}

double stats_ci95(const double *x, size_t n)
{
	if (n < 2)
		return NAN;
	return gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * stats_stddev(x, n) /
	       sqrt((double)n);
}

double stats_welch_p(const double *a, size_t na, const double *b, size_t nb,
		     double *t, double *df)
{
	double ma, mb, va, vb, sa, sb, tt, d;

	if (t)
		*t = NAN;
	if (df)
		*df = NAN;
	if (na < 2 || nb < 2)
		return NAN;
	ma = gsl_stats_mean(a, 1, na);
	mb = gsl_stats_mean(b, 1, nb);
	va = gsl_stats_variance_m(a, 1, na, ma);
	vb = gsl_stats_variance_m(b, 1, nb, mb);
	sa = va / (double)na;
	sb = vb / (double)nb;
	if (sa + sb == 0)	/* both constant: equal or certainly different */
		return ma == mb ? 1.0 : 0.0;
	tt = (ma - mb) / sqrt(sa + sb);
	d = (sa + sb) * (sa + sb) /
	    (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1));
	if (t)
		*t = tt;
	if (df)
		*df = d;
	return 2.0 * gsl_cdf_tdist_Q(fabs(tt), d);
}
