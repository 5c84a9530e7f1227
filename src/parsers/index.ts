/** The registry of input kinds, handed to ingest for sniffing (so ingest never imports a parser). */
import type { KindModule } from './kind.js';
import { conntrackStatsKind } from './conntrack-stats/index.js';
import { sysctlKind } from './sysctl/index.js';
import { countTimelineKind } from './count-timeline/index.js';
import { kernelLogKind } from './kernel-log/index.js';
import { conntrackTableKind } from './conntrack-table/index.js';

export const kinds: readonly KindModule[] = [
  kernelLogKind,
  countTimelineKind,
  conntrackTableKind,
  conntrackStatsKind,
  sysctlKind,
];
