/** The `conntrack-stats` kind: counters (see conntrack-stats.ts for the grammar). */
import { defineKind } from '../kind.js';
import { conntrackStatsParser } from './conntrack-stats.js';
import { sniffConntrackStats } from './sniff.js';

export { conntrackStatsParser, statsFormOf, type StatsRecord, type StatsState, type StatsForm } from './conntrack-stats.js';
export { sniffConntrackStats } from './sniff.js';

/** The kind module the lead registers in parsers/index.ts. */
export const conntrackStatsKind = defineKind({ kind: 'conntrack-stats', sniff: sniffConntrackStats, parser: conntrackStatsParser });
