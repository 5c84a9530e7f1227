import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectBinary } from '../../src/ingest/binary.js';

test('magic bytes name the format', () => {
  assert.equal(detectBinary(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])), 'ELF executable');
  assert.equal(detectBinary(Buffer.from('LPKSHHRH\0\0\0\0')), 'systemd journal file');
  assert.equal(detectBinary(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0])), 'xz data');
});

test('text with NUL runs is not binary; mostly control bytes is', () => {
  const log = Buffer.concat([Buffer.from('Nov  3 23:30:27 h kernel: x\n'), Buffer.alloc(4096, 0), Buffer.from('Nov  3 23:31:00 h kernel: y\n')]);
  assert.equal(detectBinary(log), null);
  const noise = Buffer.alloc(1000);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7) % 32 || 1;
  assert.equal(detectBinary(noise), 'mostly non-text bytes');
  assert.equal(detectBinary(Buffer.alloc(100, 0)), 'only NUL bytes');
  assert.equal(detectBinary(Buffer.from('plain text with an escape \u001b[31m red\n')), null);
});
