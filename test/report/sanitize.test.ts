import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeGithub, escapeHtml, escapeMarkdown, escapeXml, sanitizeText } from '../../src/report/sanitize.js';

test('text: terminal controls, backspace, CR and bidi overrides become visible', () => {
  assert.equal(sanitizeText('a\u001b[2Jb'), 'a\\x1B[2Jb');
  assert.equal(sanitizeText('x\by\rz\tok'), 'x\\x08y\\x0Dz\tok');
  assert.equal(sanitizeText('abc\u202Edef'), 'abc\\u202Edef');
  assert.equal(sanitizeText('\u009b31m'), '\\x9B31m');
});

test('html, markdown, xml and github escape by their own rules', () => {
  assert.equal(escapeHtml('<script>alert("x")</script>&'), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
  assert.equal(escapeMarkdown('a|b *c* [l](u) v0.1-x'), 'a\\|b \\*c\\* \\[l\\](u) v0.1-x');
  assert.equal(escapeMarkdown('<img src=x>'), '&lt;img src=x&gt;');
  assert.equal(escapeXml('a\u0001b<c>\u0000'), 'ab&lt;c&gt;');
  assert.equal(escapeGithub('50%\n::error::x'), '50%25%0A: :error: :x');
});
