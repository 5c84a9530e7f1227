/** The output formats (a tiny module: the CLI validates --format without loading every renderer). */
export type Format = 'text' | 'json' | 'ndjson' | 'markdown' | 'html' | 'junit' | 'github';
export const FORMATS: readonly Format[] = ['text', 'json', 'ndjson', 'markdown', 'html', 'junit', 'github'];
