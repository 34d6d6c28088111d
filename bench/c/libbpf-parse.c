/* Peer for bench/reader.bench.ts: libbpf parses a BTF file and touches every type, N times;
 * prints the median milliseconds. Built at bench time: cc -O2 -o X libbpf-parse.c -lbpf */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s FILE RUNS\n", argv[0]);
		return 2;
	}
	int runs = atoi(argv[2]);
	double *ms = calloc(runs, sizeof(double));
	unsigned long sink = 0;
	for (int r = 0; r < runs; r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		struct btf *btf = btf__parse(argv[1], NULL);
		if (!btf) {
			perror("btf__parse");
			return 1;
		}
		unsigned int n = btf__type_cnt(btf);
		for (unsigned int id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			sink += btf_kind(t) + btf_vlen(t) + t->name_off;
		}
		btf__free(btf);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[r] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(ms, runs, sizeof(double), cmp);
	printf("%.3f %lu\n", ms[runs / 2], sink);
	return 0;
}
