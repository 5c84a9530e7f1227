/**
 * The `conntrack-table` input kind: table captures (`conntrack -L` in every output format,
 * `conntrack -E` events, /proc/net/nf_conntrack, /proc/net/ip_conntrack).
 */
import { defineKind } from '../kind.js';
import { conntrackTableParser } from './conntrack-table.js';
import { sniffConntrackTable } from './sniff.js';

export { conntrackTableParser, classifyCommand, parseEntry, parseXmlFlow } from './conntrack-table.js';
export type { CaptureTag, TableEntryRecord, TableFormat, TableParserState, TablePartialRecord, TableRecord, TableTrailerRecord } from './conntrack-table.js';
export { sniffConntrackTable } from './sniff.js';

/** The kind module the lead registers in parsers/index.ts. */
export const conntrackTableKind = defineKind({
  kind: 'conntrack-table',
  sniff: sniffConntrackTable,
  parser: conntrackTableParser,
});
