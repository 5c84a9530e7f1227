/**
 * The one place log text is escaped for an output target. Log text is untrusted: it may carry terminal
 * escapes, bidi overrides, HTML, Markdown, XML-invalid characters or `::` workflow commands.
 */
export type SanitizeTarget = 'text' | 'html' | 'markdown' | 'xml' | 'github';

// C0 controls but tab, DEL, C1 controls; bidi embeddings/overrides/isolates; zero-width and line/paragraph separators.
const TEXT_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function visible(ch: string): string {
  const c = ch.charCodeAt(0);
  return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0').toUpperCase()}` : `\\u${c.toString(16).padStart(4, '0').toUpperCase()}`;
}

/** Make text safe to print on a terminal: controls and bidi overrides become visible `\xNN` / `\uNNNN`. */
export function sanitizeText(s: string): string {
  return s.replace(TEXT_UNSAFE, visible);
}

export function escapeHtml(s: string): string {
  return sanitizeText(s).replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/**
 * Markdown inline text (and table cells): controls made visible; only the characters that can start
 * markup are escaped (`\\` `` ` `` `*` `_` `[` `]` `|` `~`, `<`/`>` as entities), so a log line pastes
 * cleanly and still cannot inject markup.
 */
export function escapeMarkdown(s: string): string {
  // the renderers place escaped text after a list marker or a table pipe, never at the start of a line,
  // so block syntax (`#`, `-`, `1.`) cannot open there; inline markup is what must not act
  return sanitizeText(s).replace(/[\\`*_[\]|~<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

/** XML 1.0 text/attribute: invalid characters dropped (they cannot be escaped), markup escaped. */
export function escapeXml(s: string): string {
  return s.replace(XML_INVALID, '').replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** GitHub workflow-command data: `%`, CR, LF escaped; `::` neutralised so no echoed text starts a command. */
export function escapeGithub(s: string, isProperty = false): string {
  let out = sanitizeText(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
  if (isProperty) out = out.replace(/:/g, '%3A').replace(/,/g, '%2C');
  // a message may not contain "::" that a runner could read as the start of a command
  return out.replace(/::/g, ': :');
}

export function sanitize(s: string, target: SanitizeTarget): string {
  switch (target) {
    case 'text': return sanitizeText(s);
    case 'html': return escapeHtml(s);
    case 'markdown': return escapeMarkdown(s);
    case 'xml': return escapeXml(s);
    case 'github': return escapeGithub(s);
  }
}

/**
 * A Markdown fenced code block that log text cannot break out of: the fence is one backtick longer than
 * the longest backtick run in the text (CommonMark), and each line is made terminal-safe (controls and
 * bidi overrides visible) while the newlines between lines are kept.
 */
export function markdownFence(text: string, info = ''): string {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/).map(sanitizeText);
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${lines.join('\n')}\n${fence}`;
}
