/**
 * The SIMD block scan (src/util/simd-scan.ts) against plain loops: the events it lists, its newline
 * count and longest newline-free run, and EventNeedle answers equal to NeedleScanner's on the same
 * blocks (the kernel-log prefilter's needles and anchors).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_BYTES, EV_LINE_START, EV_NUL, EventNeedle, SimdBlockScan } from '../../src/util/simd-scan.js';
import { NeedleScanner } from '../../src/util/bytes.js';
import { seededRandom } from '../../src/util/random.js';

const SPEC = { anchors: ['nntr', 'ppre', 'x ve', 'N fl', ':[', '\\u'], lineStart: [32, 9, 62, 45, 123] };

function scanner(): SimdBlockScan {
  const s = SimdBlockScan.create(SPEC);
  assert.ok(s !== null, 'WebAssembly SIMD is available on Node 20');
  return s;
}

/** Random bytes drawn mostly from the anchors' and classes' own bytes, so that near-misses abound. */
function fill(s: SimdBlockScan, n: number, rnd: () => number): void {
  const alphabet = Buffer.from('nntrppreex veN fl:[\\u \t>-{\n\n\0abcNx', 'latin1');
  for (let i = 0; i < Math.min(n + 64, BLOCK_BYTES); i++) s.block[i] = alphabet[Math.floor(rnd() * alphabet.length)]!;
  // garbage after n that would complete an anchor begun before n must not list it
  if (n + 8 <= BLOCK_BYTES) s.block.write('nntrppre', n, 'latin1');
}

/** What the scan must list, by kind: anchors wholly inside [0, n), NULs, line starts of the class. */
function expected(buf: Buffer, n: number): number[][] {
  const out: number[][] = Array.from({ length: 8 }, () => []);
  for (let q = 0; q < n; q++) {
    const b = buf[q]!;
    if (b === 0) out[EV_NUL]!.push(q);
    else if (b === 10 && q + 1 < n && SPEC.lineStart.includes(buf[q + 1]!)) out[EV_LINE_START]!.push(q + 1);
    SPEC.anchors.forEach((a, k) => {
      if (q + a.length <= n && buf.toString('latin1', q, q + a.length) === a) out[k]!.push(q);
    });
  }
  return out;
}

describe('SimdBlockScan', () => {
  it('lists every anchor, NUL and class line start, and counts newlines like a loop', () => {
    const s = scanner();
    const rnd = seededRandom(11);
    for (let t = 0; t < 400; t++) {
      const n = t === 0 ? BLOCK_BYTES : Math.floor(rnd() * 4000);
      fill(s, n, rnd);
      s.scan(n);
      const want = expected(s.block, n);
      for (let k = 0; k < 8; k++) {
        let got = Array.from(s.byKind[k]!.subarray(0, s.counts[k]!));
        // anchors: the scan may also list one running past n (padding bytes); line starts: it lists the
        // nibble-class superset, which the caller checks (startMayMatter)
        if (k < SPEC.anchors.length) got = got.filter((q) => q + SPEC.anchors[k]!.length <= n);
        if (k === EV_LINE_START) got = got.filter((q) => q < n && SPEC.lineStart.includes(s.block[q]!));
        assert.deepEqual(got, want[k], `kind ${k}, n ${n}, round ${t}`);
      }
      // quiet / nextOther: the anchors and NULs of all kinds, merged
      const others: number[] = [];
      for (let k = 0; k < 7; k++) others.push(...s.byKind[k]!.subarray(0, s.counts[k]!));
      others.sort((x, y) => x - y);
      for (let probe = 0, at = 0; probe < 20 && at < n; probe++) {
        const end = Math.min(n, at + 1 + Math.floor(rnd() * 80));
        assert.equal(s.quiet(at, end), !others.some((q) => q >= at && q < end), `quiet [${at}, ${end})`);
        assert.equal(s.nextOther(at), others.find((q) => q >= at) ?? -1, `nextOther ${at}`);
        at = end;
      }
      const from = Math.floor(rnd() * (n + 1));
      const to = from + Math.floor(rnd() * (n - from + 1));
      let nl = 0;
      let run = 0;
      for (let i = from; i < to; i++) if (s.block[i] === 10) nl++;
      assert.equal(s.countNewlines(from, to), nl);
      // what the bulk skip relies on: a newline-free stretch of L bytes shows as a run of at least L - 126
      // (whole 64-byte steps, then whole vectors, inside it); the last, partial vector may add up to 15
      let longest = 0;
      for (let i = from; i < to; i++) {
        run = s.block[i] === 10 ? 0 : run + 1;
        longest = Math.max(longest, run);
      }
      if (to > from) {
        assert.ok(s.longestRun >= longest - 126, `run ${s.longestRun} >= ${longest} - 126`);
        assert.ok(s.longestRun <= longest + 15, `run ${s.longestRun} <= ${longest} + 15`);
      }
    }
  });

  it('counts newlines like a loop over long and dense spans (per-lane counters flushed every 63 steps)', () => {
    const s = scanner();
    const rnd = seededRandom(23);
    for (const density of [1, 0.9, 0.5, 0.02, 0]) {
      for (let i = 0; i < BLOCK_BYTES; i++) s.block[i] = rnd() < density ? 10 : 97;
      for (let t = 0; t < 40; t++) {
        const from = t === 0 ? 0 : Math.floor(rnd() * 200);
        const len = t === 0 ? BLOCK_BYTES : [4031, 4032, 4033, 4096, 8064, 8128, 64 * 1024, BLOCK_BYTES - 300][t % 8]! + Math.floor(rnd() * 100);
        const to = Math.min(BLOCK_BYTES, from + len);
        let nl = 0;
        let run = 0;
        let longest = 0;
        for (let i = from; i < to; i++) {
          if (s.block[i] === 10) nl++;
          run = s.block[i] === 10 ? 0 : run + 1;
          longest = Math.max(longest, run);
        }
        assert.equal(s.countNewlines(from, to), nl, `density ${density} [${from}, ${to})`);
        assert.ok(s.longestRun >= longest - 126 && s.longestRun <= longest + 15, `run ${s.longestRun} for ${longest}`);
      }
    }
  });

  it('answers nextAt/has like NeedleScanner on the block, and falls back on other buffers', () => {
    const s = scanner();
    const rnd = seededRandom(5);
    const needles: [string, string, number][] = [['conntrack', 'onntr', 0], ['suppress', 'uppress', 1], ['Linux version', 'x ver', 2], ['SYN flooding', 'YN f', 3]];
    const words = ['conntrack', 'connt', 'suppress', 'suppre', 'Linux version', 'Linux ver', 'SYN flooding', 'SYN f', ' ', '\n', 'nn', 'x', 'abc'];
    for (let t = 0; t < 200; t++) {
      let text = '';
      while (text.length < 3000) text += words[Math.floor(rnd() * words.length)];
      const n = Buffer.byteLength(text, 'latin1');
      s.block.write(text, 0, 'latin1');
      s.scan(n);
      const view = s.block.subarray(0, n);
      const copy = Buffer.from(view);
      for (const [needle, anchor, kind] of needles) {
        const sim = new EventNeedle(s, kind, needle, needle.indexOf(['nntr', 'ppre', 'x ve', 'N fl'][kind]!), new NeedleScanner(needle, anchor));
        const ref = new NeedleScanner(needle, anchor);
        const refCopy = new NeedleScanner(needle, anchor);
        // lines cut at random points, asked in order as the prefilter does
        let start = 0;
        while (start < n) {
          const end = Math.min(n, start + 1 + Math.floor(rnd() * 60));
          const want = ref.has(view, start, end);
          assert.equal(sim.has(view, start, end), want, `${needle} [${start}, ${end})`);
          assert.equal(sim.has(copy, start, end), refCopy.has(copy, start, end));
          start = end;
        }
      }
    }
  });

  it('with the alt tables: every alt anchor (main ones keep their kinds) and NUL, no line starts', () => {
    const alt = [...SPEC.anchors, 'BOOT', 'HOST'];
    const s = SimdBlockScan.create({ ...SPEC, alt });
    assert.ok(s !== null);
    const kinds = alt.map((a) => s.kindOfAnchor(a));
    assert.deepEqual(kinds, [0, 1, 2, 3, 4, 5, 8, 9]);
    const rnd = seededRandom(23);
    const alphabet = Buffer.from('BOOT_HOSTnntrppre:[\\u \n{\0xaBH', 'latin1');
    for (let t = 0; t < 300; t++) {
      const n = Math.floor(rnd() * 3000);
      for (let i = 0; i < Math.min(n + 64, BLOCK_BYTES); i++) s.block[i] = alphabet[Math.floor(rnd() * alphabet.length)]!;
      s.scan(n, true);
      assert.equal(s.altMode, true);
      assert.equal(s.covers(EV_LINE_START), false);
      assert.equal(s.covers(8), true);
      for (const [j, a] of alt.entries()) {
        const want: number[] = [];
        for (let q = 0; q + a.length <= n; q++) if (s.block.toString('latin1', q, q + a.length) === a) want.push(q);
        const got: number[] = Array.from(s.byKind[kinds[j]!]!.subarray(0, s.counts[kinds[j]!]!)).filter((q) => q + a.length <= n);
        assert.deepEqual(got, want, `${a}, n ${n}`);
      }
      const nuls: number[] = [];
      for (let q = 0; q < n; q++) if (s.block[q] === 0) nuls.push(q);
      assert.deepEqual(Array.from(s.byKind[EV_NUL]!.subarray(0, s.counts[EV_NUL]!)), nuls);
      assert.equal(s.counts[EV_LINE_START], 0);
      // the merged list holds anchors and NULs, not the alt-only keys
      assert.equal(s.quiet(0, n), ![0, 1, 2, 3, 4, 5, EV_NUL].some((k) => s.counts[k]! > 0 && s.byKind[k]![0]! < n));
      // the main tables again: alt kinds are no longer covered
      s.scan(n);
      assert.equal(s.covers(8), false);
      assert.equal(s.covers(EV_LINE_START), true);
    }
  });

  it('refuses anchors it cannot tell apart', () => {
    assert.throws(() => SimdBlockScan.create({ anchors: ['ab', 'ac'], lineStart: [] }), /distinct first bytes/);
    assert.throws(() => SimdBlockScan.create({ anchors: ['abcde'], lineStart: [] }), /1 to 4 bytes/);
    assert.throws(() => SimdBlockScan.create({ anchors: ['ab'], lineStart: [], alt: ['ab', 'ax'] }), /distinct first bytes/);
    assert.throws(() => SimdBlockScan.create({ anchors: ['ab'], lineStart: [], alt: ['ac'] }), /distinct first bytes/);
  });
});
