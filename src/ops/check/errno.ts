/** The errnos the kernel's BTF verifier returns, and how a phase stops at one. */

import type { Finding } from '../check.js';

export const EINVAL = -22;
export const E2BIG = -7;
export const EEXIST = -17;
export const ELOOP = -40;
/** The kernel's internal ENOTSUPP (include/linux/errno.h), not the UAPI EOPNOTSUPP. */
export const ENOTSUPP = -524;

const ERRNO_NAMES: ReadonlyMap<number, Finding['errno']> = new Map([
  [EINVAL, 'EINVAL'],
  [E2BIG, 'E2BIG'],
  [EEXIST, 'EEXIST'],
  [ELOOP, 'ELOOP'],
  [ENOTSUPP, 'ENOTSUPP'],
]);

export function errnoName(errno: number): Finding['errno'] {
  return ERRNO_NAMES.get(errno) ?? 'EINVAL';
}

/** Thrown inside a phase to stop it (the finding is already recorded). */
export class Stop {
  constructor(readonly errno: number) {}
}
