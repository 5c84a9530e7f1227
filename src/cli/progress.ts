/** Progress on stderr for long inputs: a one-line bar on a TTY, nothing otherwise (or with --quiet). */
const EVERY_MS = 250;

export function makeProgress(stream: NodeJS.WriteStream, enabled: boolean): { onProgress?: (path: string, read: number, total: number | null) => void; done(): void } {
  if (!enabled || !stream.isTTY) return { done: () => undefined };
  let last = 0;
  let drawn = false;
  const started = Date.now();
  return {
    onProgress(path, read, total) {
      const now = Date.now();
      if (now - last < EVERY_MS || now - started < 500) return;
      last = now;
      const mib = (read / 1048576).toFixed(0);
      const width = Math.max(20, Math.min(stream.columns ?? 80, 100) - 1);
      let line: string;
      if (total !== null && total > 0 && read <= total) {
        const pct = read / total;
        const bar = 20;
        const full = Math.round(pct * bar);
        line = `[${'#'.repeat(full)}${'.'.repeat(bar - full)}] ${(pct * 100).toFixed(0).padStart(3)} % ${mib} MiB ${path}`;
      } else {
        line = `${mib} MiB read ${path}`;
      }
      stream.write(`\r${line.slice(0, width).padEnd(width)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write(`\r${' '.repeat(Math.max(20, Math.min(stream.columns ?? 80, 100) - 1))}\r`);
    },
  };
}
