/**
 * Binary detection: magic bytes of formats that are not text logs, or a high share of non-text bytes.
 * NUL runs inside a text log (a log cut by a hard reset) are NOT binary: NULs are left out of the share.
 */
const MAGICS: readonly { readonly name: string; readonly bytes: readonly number[] }[] = [
  { name: 'ELF executable', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { name: 'PNG image', bytes: [0x89, 0x50, 0x4e, 0x47] },
  { name: 'JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { name: 'PDF document', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { name: 'zip archive', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'xz data', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'bzip2 data', bytes: [0x42, 0x5a, 0x68] },
  { name: '7z archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'zstd data', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'systemd journal file', bytes: [0x4c, 0x50, 0x4b, 0x53, 0x48, 0x48, 0x52, 0x48] },
  { name: 'pcap capture', bytes: [0xd4, 0xc3, 0xb2, 0xa1] },
  { name: 'pcapng capture', bytes: [0x0a, 0x0d, 0x0d, 0x0a] },
];

/** Share of non-text bytes (NULs excluded) above which an input is binary. */
export const BINARY_SHARE = 0.1;

/** A description of why `head` is binary, or null when it looks like text. */
export function detectBinary(head: Buffer): string | null {
  for (const m of MAGICS) {
    if (head.length >= m.bytes.length && m.bytes.every((b, i) => head[i] === b)) return m.name;
  }
  // 'bzip2' magic "BZh" followed by a digit only; guard against text starting with "BZh"
  let nonNul = 0;
  let bad = 0;
  const n = Math.min(head.length, 64 * 1024);
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) continue;
    nonNul++;
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 11 && b !== 0x1b && b !== 8) bad++;
    else if (b === 0x7f) bad++;
  }
  if (nonNul === 0) return n > 0 ? 'only NUL bytes' : null;
  // invalid UTF-8 shows up as U+FFFD after decoding; count those too (latin-1 logs have a few, binaries many)
  const text = head.toString('utf8', 0, n);
  let repl = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) repl++;
  if ((bad + repl) / nonNul > BINARY_SHARE) return 'mostly non-text bytes';
  return null;
}
