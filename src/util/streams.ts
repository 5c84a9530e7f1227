/**
 * Back-pressure for a stream the code writes into (a gunzip stream, a tar extractor): wait until it
 * drains, or closes (a destroyed stream never drains, and the feeder must end). Whichever comes first
 * removes both listeners: a listener left per wait piles up on a large input (Node then prints a
 * MaxListenersExceededWarning on stderr after ten waits).
 */
import type { EventEmitter } from 'node:events';

export function drainOrClose(s: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}
