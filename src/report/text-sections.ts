/** Per-host text sections from the other input kinds, in report order. */
import type { HostSectionRenderer } from './text.js';
import { TEXT_WIDTH } from './text.js';
import { renderCountersText } from './text/counters.js';
import { renderSettingsText } from './text/settings.js';
import { renderTimelineText } from './text/timeline.js';
import { renderTableText } from './text/table.js';
import { renderRecommendationsText } from './text/recommendations.js';

export const hostSections: readonly HostSectionRenderer[] = [
  (h) => (h.timeline ? renderTimelineText(h.timeline, { width: TEXT_WIDTH }) : []),
  (h) => (h.table ? renderTableText(h.table, { width: TEXT_WIDTH }) : []),
  (h) => (h.counters ? renderCountersText(h.counters, { width: TEXT_WIDTH }) : []),
  (h) => renderSettingsText(h.settings, h.facts ?? null, { width: TEXT_WIDTH }),
  (h) => (h.recommendations ? renderRecommendationsText(h.recommendations, { width: TEXT_WIDTH }) : []),
];
