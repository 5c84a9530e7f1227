/** The registry of input kinds, handed to ingest for sniffing (so ingest never imports a parser). */
import type { KindModule } from './kind.js';

export const kinds: readonly KindModule[] = [
];
