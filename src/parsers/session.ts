/**
 * Shell sessions: a paste that runs several commands (`conntrack -L`, then `conntrack -S`, then
 * `sysctl ...`) holds several kinds in one file. Sample:
 *
 *   # conntrack -L dying
 *   conntrack v1.4.4 (conntrack-tools): 0 flow entries have been shown.
 *   # conntrack -C
 *   88064
 *
 * The session parser splits the input into segments at command lines and feeds each segment to the parser
 * of the kind its command produces; lines before the first command go to the kind the input was sniffed
 * as. Records of every segment flow to the same sink (the analysis routes them by record kind), and every
 * line is accounted once, by the parser of its segment.
 */
import type { AnyRecord, InputKind } from '../model/records.js';
import { CtdError } from '../model/errors.js';
import type { KindModule } from './kind.js';
import { defineKind } from './kind.js';
import type { LineParser, LineResult, ParseContext } from './line-parser.js';

const PROMPT = /^\s*(?:>\s*)*(?:\[[^\]]*\]\s*[#$]|[\w.@:~\/-]*[#$%]|\$|#)\s+/;

const COMMANDS: readonly (readonly [RegExp, InputKind])[] = [
  [/^(?:sudo\s+)?conntrack\s+(?:-L|--dump|-E|--event|-G|--get)\b/, 'conntrack-table'],
  [/^(?:sudo\s+)?cat\s+\/proc\/net\/(?:nf|ip)_conntrack\b/, 'conntrack-table'],
  [/^(?:sudo\s+)?(?:conntrack\s+(?:-S|--stats|-C|--count)\b|lnstat\b|cat\s+\/proc\/net\/stat\/nf_conntrack\b)/, 'conntrack-stats'],
  [/^(?:sudo\s+)?(?:sysctl\b|cat\s+\/proc\/sys\/|cat\s+\/sys\/module\/nf_conntrack\/|cat\s+\/proc\/(?:meminfo|slabinfo|cpuinfo)\b|nproc\b|lscpu\b|uname\b|hostname\b)/, 'sysctl'],
  [/^(?:sudo\s+)?(?:dmesg\b|journalctl\b|(?:tail|less|cat|grep|zcat)\b.*\b(?:kern\.log|messages|syslog)\b)/, 'kernel-log'],
];

/** The kind of output a shell command line produces, or null when the line is not such a command. */
export function commandKind(line: string): InputKind | null {
  const m = PROMPT.exec(line);
  if (!m) return null;
  const cmd = line.slice(m[0].length).trim();
  for (const [re, kind] of COMMANDS) if (re.test(cmd)) return kind;
  return null;
}

/** True when the first lines run a command whose output is of another kind than `primary`. */
export function isMixedSession(head: readonly string[], primary: InputKind): boolean {
  return head.some((l) => {
    const k = commandKind(l);
    return k !== null && k !== primary;
  });
}

interface SessionState {
  active: InputKind;
  readonly ctx: ParseContext;
  readonly states: Map<InputKind, unknown>;
  readonly parsed: Map<InputKind, number>;
  readonly order: InputKind[];
}

/** A KindModule of the primary kind whose parser switches kind at command lines. */
export function sessionKind(primary: KindModule, all: readonly KindModule[]): KindModule {
  const byKind = new Map(all.map((k) => [k.kind, k.parser] as const));
  const stateOf = (s: SessionState, kind: InputKind): unknown => {
    if (!s.states.has(kind)) {
      s.states.set(kind, byKind.get(kind)!.init(s.ctx));
      s.order.push(kind);
    }
    return s.states.get(kind);
  };
  const parser: LineParser<AnyRecord, SessionState> = {
    kind: primary.kind,
    init(ctx) {
      const s: SessionState = { active: primary.kind, ctx, states: new Map(), parsed: new Map(), order: [] };
      stateOf(s, primary.kind);
      return s;
    },
    line(text, lineNo, s): LineResult<AnyRecord> {
      const k = commandKind(text);
      if (k !== null && byKind.has(k)) s.active = k;
      const r = byKind.get(s.active)!.line(text, lineNo, stateOf(s, s.active));
      if (r !== 'skip' && !(typeof r === 'object' && r !== null && 'malformed' in r)) s.parsed.set(s.active, (s.parsed.get(s.active) ?? 0) + 1);
      return r;
    },
    end(s) {
      const out: AnyRecord[] = [];
      let firstError: CtdError | null = null;
      for (const kind of s.order) {
        try {
          out.push(...(byKind.get(kind)!.end?.(s.states.get(kind)) ?? []));
        } catch (e) {
          // a segment with nothing in it (`conntrack -L dying` showing 0 entries) is not a failed input
          if (!(e instanceof CtdError)) throw e;
          firstError ??= e;
        }
      }
      if (out.length === 0 && [...s.parsed.values()].every((n) => n === 0) && firstError) throw firstError;
      return out;
    },
    format(s) {
      const kinds = s.order.filter((k) => (s.parsed.get(k) ?? 0) > 0 || k === primary.kind);
      return `session (${kinds.join(', ')})`;
    },
    assumptions(s) {
      const out: string[] = [];
      for (const kind of s.order) for (const a of byKind.get(kind)!.assumptions?.(s.states.get(kind)) ?? []) if (!out.includes(a)) out.push(a);
      return out;
    },
  };
  return defineKind({ kind: primary.kind, sniff: primary.sniff, parser });
}
