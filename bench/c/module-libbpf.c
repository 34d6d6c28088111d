/* Reference for bench/module.bench.ts: libbpf parses every module's split BTF on its vmlinux
 * (btf__parse_split), the same input btfkit distills and relocates. Debian's libbpf 1.1 has no
 * btf__distill_base / btf__relocate, so parsing (plus a walk over every type) is the peer figure.
 *
 *   cc -O2 -o module-libbpf module-libbpf.c -lbpf
 *   ./module-libbpf VMLINUX.btf MODULE.btf...    # prints the number of module types
 */
#include <bpf/btf.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s VMLINUX.btf MODULE.btf...\n", argv[0]);
		return 2;
	}
	struct btf *base = btf__parse(argv[1], NULL);
	if (!base) {
		perror(argv[1]);
		return 1;
	}
	unsigned long total = 0;
	for (int i = 2; i < argc; i++) {
		struct btf *m = btf__parse_split(argv[i], base);
		if (!m) {
			perror(argv[i]);
			return 1;
		}
		unsigned int n = btf__type_cnt(m);
		for (unsigned int id = btf__type_cnt(base); id < n; id++) total += btf_kind(btf__type_by_id(m, id));
		total += n - btf__type_cnt(base);
		btf__free(m);
	}
	btf__free(base);
	printf("%lu\n", total);
	return 0;
}
