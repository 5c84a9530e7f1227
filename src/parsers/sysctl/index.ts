/** The `sysctl` kind: conntrack settings and host facts (see sysctl.ts for the grammar). */
import { defineKind } from '../kind.js';
import { sniffSysctl } from './sniff.js';
import { sysctlParser } from './sysctl.js';

export { sysctlParser, type SysctlRecord, type SysctlState } from './sysctl.js';
export { sniffSysctl } from './sniff.js';
export { canonicalName, shortName, CANONICAL_PREFIX, BUCKETS } from './names.js';

/** The kind module the lead registers in parsers/index.ts. */
export const sysctlKind = defineKind({ kind: 'sysctl', sniff: sniffSysctl, parser: sysctlParser });
