import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../src/ingest/line-splitter.js';

function split(chunks: readonly Buffer[], max = 64): { lines: string[]; tooLong: number[] } {
  const lines: string[] = [];
  const tooLong: number[] = [];
  const s = new LineSplitter((buf, a, b, n, long) => {
    lines.push(buf.toString('utf8', a, b));
    if (long) tooLong.push(n);
  }, max);
  for (const c of chunks) s.push(c);
  s.end();
  return { lines, tooLong };
}

test('splits LF and CRLF, counts a last line without newline', () => {
  assert.deepEqual(split([Buffer.from('a\r\nb\nc')]).lines, ['a', 'b', 'c']);
  assert.deepEqual(split([Buffer.from('a\n\n')]).lines, ['a', '']);
  assert.deepEqual(split([Buffer.from('')]).lines, []);
});

test('a CR and its LF split across blocks, and a UTF-8 character split across blocks', () => {
  assert.deepEqual(split([Buffer.from('abc\r'), Buffer.from('\ndef\n')]).lines, ['abc', 'def']);
  const bytes = Buffer.from('größe ✓\nx\n', 'utf8');
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(split([bytes.subarray(0, i), bytes.subarray(i)]).lines, ['größe ✓', 'x'], `split at ${i}`);
  }
});

test('drops a leading UTF-8 BOM only at the start', () => {
  assert.deepEqual(split([Buffer.from('\ufeffa\n\ufeffb\n', 'utf8')]).lines, ['a', '\ufeffb']);
});

test('cuts long lines at the cap and flags them, in one block or many', () => {
  const long = 'x'.repeat(100);
  const one = split([Buffer.from(`ok\n${long}\nend\n`)], 10);
  assert.deepEqual(one.lines, ['ok', 'x'.repeat(10), 'end']);
  assert.deepEqual(one.tooLong, [2]);
  const many = split([Buffer.from('ok\nxxxx'), Buffer.from('x'.repeat(50)), Buffer.from('xx\nend')], 10);
  assert.deepEqual(many.lines, ['ok', 'x'.repeat(10), 'end']);
  assert.deepEqual(many.tooLong, [2]);
  // exactly at the cap is not too long
  assert.deepEqual(split([Buffer.from('x'.repeat(10)), Buffer.from('\n')], 10).tooLong, []);
});

test('a regular file is read in blocks that end at a newline, the bytes unchanged', async () => {
  // round 17: readFileBlocks holds back the bytes after a block's last newline, so the splitter carries no
  // line (a capture line cut in two went to the JavaScript parser); a block without a newline is yielded whole
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { openPathSource, FILE_BLOCK_BYTES } = await import('../../src/ingest/source.js');
  const dir = mkdtempSync(join(tmpdir(), 'ctd-blocks-'));
  try {
    const parts: string[] = [];
    for (let i = 0; i < 3000; i++) parts.push(`line ${i} ${'x'.repeat(i % 97)}\n`);
    parts.push(`${'L'.repeat(FILE_BLOCK_BYTES + 5000)}\n`, 'after the long line\n', 'no newline at the end');
    const text = parts.join('');
    const file = join(dir, 'f.log');
    writeFileSync(file, text);
    const blocks: Buffer[] = [];
    for await (const b of (await openPathSource(file, '1')).chunks()) blocks.push(Buffer.from(b));
    assert.equal(Buffer.concat(blocks).toString('utf8'), text);
    assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
    const noNewline = blocks.filter((b) => !b.includes(10));
    // the long line's first block, and the last block (a line without newline): the only blocks not ending at one
    assert.equal(noNewline.length, 2);
    for (const b of blocks.slice(0, -1)) if (b.includes(10)) assert.equal(b[b.length - 1], 10);
    assert.equal(blocks[blocks.length - 1]!.toString(), 'no newline at the end');
    assert.deepEqual(split(blocks, 1 << 20).lines, text.split('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
