/*
 * libbpf peer for btfkit's dedup conformance tests and benchmark.
 *
 *   libbpf-merge [-B BASE] [-o OUT] [-n RUNS] FILE
 *
 * Parses FILE (raw BTF or ELF; split on BASE when given; a merged split BTF of many modules
 * is produced by btfkit, as libbpf 1.1's btf__add_btf cannot take split sources), runs
 * btf__dedup RUNS times on fresh copies, prints "types <btf__type_cnt>" (one past the last
 * id, base included), "dedup_ms <median wall milliseconds of btf__dedup alone>" and
 * "dedup_cpu_ms <median process CPU milliseconds of it>", and writes the
 * deduplicated raw BTF to OUT.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *base_path = NULL, *out = NULL;
	int runs = 1, opt;
	while ((opt = getopt(argc, argv, "B:o:n:")) != -1) {
		if (opt == 'B') base_path = optarg;
		else if (opt == 'o') out = optarg;
		else if (opt == 'n') runs = atoi(optarg);
		else return 2;
	}
	if (optind + 1 != argc || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: %s [-B BASE] [-o OUT] [-n RUNS] FILE\n", argv[0]);
		return 2;
	}
	struct btf *base = NULL;
	if (base_path) {
		base = btf__parse(base_path, NULL);
		if (!base) {
			fprintf(stderr, "cannot parse base %s: %s\n", base_path, strerror(errno));
			return 1;
		}
	}
	double times[100], cpus[100];
	struct btf *btf = NULL;
	for (int r = 0; r < runs; r++) {
		if (btf) btf__free(btf);
		btf = base ? btf__parse_split(argv[optind], base) : btf__parse(argv[optind], NULL);
		if (!btf) {
			fprintf(stderr, "cannot parse %s: %s\n", argv[optind], strerror(errno));
			return 1;
		}
		double t0 = now_ms(), c0 = cpu_ms();
		int err = btf__dedup(btf, NULL);
		times[r] = now_ms() - t0;
		cpus[r] = cpu_ms() - c0;
		if (err) {
			fprintf(stderr, "btf__dedup failed: %s\n", strerror(-err));
			return 1;
		}
	}
	qsort(times, runs, sizeof(times[0]), cmp_double);
	qsort(cpus, runs, sizeof(cpus[0]), cmp_double);
	printf("types %u\n", btf__type_cnt(btf));
	printf("dedup_ms %.3f\n", times[runs / 2]);
	printf("dedup_cpu_ms %.3f\n", cpus[runs / 2]);
	if (out) {
		__u32 size;
		const void *data = btf__raw_data(btf, &size);
		FILE *f = fopen(out, "wb");
		if (!f || fwrite(data, 1, size, f) != size || fclose(f)) {
			fprintf(stderr, "cannot write %s\n", out);
			return 1;
		}
	}
	btf__free(btf);
	btf__free(base);
	return 0;
}
