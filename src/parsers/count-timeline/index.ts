/** The count-timeline input kind: usage logs, CSV and monitoring exports of nf_conntrack_count. */
import { defineKind } from '../kind.js';
import { countTimelineParser } from './count-timeline.js';
import { sniffCountTimeline } from './sniff.js';

/** Kind module for parsers/index.ts. */
export const countTimelineKind = defineKind({
  kind: 'count-timeline',
  sniff: sniffCountTimeline,
  parser: countTimelineParser,
});

export { countTimelineParser, type CountTimelineState, type TimelineFormat } from './count-timeline.js';
export { sniffCountTimeline } from './sniff.js';
