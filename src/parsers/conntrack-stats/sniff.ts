/**
 * Sniffer for the `conntrack-stats` kind. Sample it scores high:
 *
 *   cpu=0           found=986 invalid=89035 insert=0 insert_failed=4 drop=4 early_drop=939985
 *
 * Scores: a `cpu=N k=v` row with stat names 0.95; the /proc/net/stat/nf_conntrack header 0.95; an lnstat
 * nf_conntrack header 0.95; three or more old-style `name<TAB>value` stat lines 0.8; a `conntrack -S`
 * command line 0.6; a `conntrack -C` command followed by a number 0.6. The file name adds 0.05.
 */
import { promptCommand, unquote } from '../sysctl/shell.js';

const CPU_ROW_RE = /^(?:#\s+)?cpu=\d+\s+\w+=\d+/;
const STAT_NAME_RE = /\b(?:found|invalid|insert_failed|early_drop|search_restart|drop)=\d/;
const PROC_HEADER_RE = /^entries\s+(?:searched|clashres)\s+found\s+new\s+invalid\b/;
const LNSTAT_RE = /^(?:nf|ip)_connt\|/;
const LEGACY_RE = /^(?:entries|searched|found|new|invalid|insert_failed|drop|early_drop|search_restart|delete_list)\s+\d+$/;

/** Confidence 0..1 that these first lines are conntrack counters. */
export function sniffConntrackStats(head: readonly string[], name: string): number {
  let best = 0;
  let legacy = 0;
  let afterCount = false;
  for (const raw of head) {
    const line = unquote(raw);
    if (!line) continue;
    if ((CPU_ROW_RE.test(line) && STAT_NAME_RE.test(line)) || PROC_HEADER_RE.test(line) || LNSTAT_RE.test(line)) {
      best = Math.max(best, 0.95);
      continue;
    }
    if (LEGACY_RE.test(line) && ++legacy >= 3) best = Math.max(best, 0.8);
    const cmd = promptCommand(line);
    if (cmd !== null) {
      afterCount = /\bconntrack\s+(?:-C|--count)\b/.test(cmd);
      if (/\bconntrack\s+(?:-S|--stats)\b|\bnf_conntrack\b.*\/stat\b|\/proc\/net\/stat\/nf_conntrack|\blnstat\b/.test(cmd)) best = Math.max(best, 0.6);
      continue;
    }
    if (afterCount && /^\d+$/.test(line)) best = Math.max(best, 0.6);
    afterCount = false;
  }
  if (best === 0) return 0;
  if (/conntrack_-S|conntrack_-C|stat[/_-]nf_conntrack|lnstat/i.test(name)) best = Math.min(1, best + 0.05);
  return best;
}
