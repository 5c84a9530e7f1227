import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/report/html.js';
import { HOSTILE, hostileReport, sampleReport } from './sample-report.js';
import type { Report } from '../../src/model/report.js';

test('html: one self-contained page (no script, no remote loads, CSP)', () => {
  const html = renderHtml(sampleReport(), {});
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  assert.ok(html.endsWith('</html>\n'));
  assert.doesNotMatch(html, /<script|<link|<img|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  assert.match(html, /@media print/);
  assert.equal(renderHtml(sampleReport(), {}), html, 'deterministic');
});

test('html: the story, tiles, charts with size, title and aria-label', () => {
  const html = renderHtml(sampleReport(), {});
  assert.match(html, /<div class="story"><p>The conntrack table on web-07 hit its limit \(65,536\) 4 times/);
  assert.match(html, /<li><b>3,080<\/b>drops logged<\/li><li><b>747,721<\/b>more suppressed<\/li><li><b>4<\/b>bursts<\/li><li><b>65,536 \(100 % of max\)<\/b>peak entries<\/li><li><b>24m<\/b>time at max<\/li>/);
  const svgs = html.match(/<svg [^>]*>/g) ?? [];
  assert.equal(svgs.length, 4, 'timeline, per minute, states, protocols');
  for (const s of svgs) assert.match(s, /role="img" xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+" aria-label="[^"]+"/);
  assert.equal((html.match(/<svg [^>]*><title>/g) ?? []).length, 4);
  // the timeline: 4 bursts shaded, the max line, axis labels
  const timeline = html.slice(html.indexOf('<svg class="chart timeline"'), html.indexOf('</svg>', html.indexOf('<svg class="chart timeline"')));
  assert.equal((timeline.match(/<rect class="burst"/g) ?? []).length, 4);
  assert.match(timeline, /<line class="max" [^>]*><title>nf_conntrack_max 65,536<\/title><\/line>/);
  assert.match(timeline, />time \(UTC\)<\/text>/);
  assert.match(timeline, />entries<\/text>/);
  assert.match(timeline, /aria-label="conntrack entries over time on web-07: peak 65,536 of max 65,536, 4 drop bursts shaded"/);
  // drops per minute: one bar per minute with drops (28)
  const pm = html.slice(html.indexOf('<svg class="chart per-minute"'));
  assert.equal((pm.slice(0, pm.indexOf('</svg>')).match(/<rect class="bar"/g) ?? []).length, 28);
  // state bars
  assert.match(html, />TIME_WAIT<\/text><rect class="bar" [^>]*><title>TIME_WAIT: 38,011<\/title><\/rect><text class="bar-value" [^>]*>58 % \(38,011\)<\/text>/);
});

test('html: bursts, top talkers, recommendations with the sysctl file, findings, inputs', () => {
  const html = renderHtml(sampleReport(), {});
  assert.match(html, /<tr><td>3<\/td><td>Nov 20 14:40:39<\/td><td>Nov 20 14:52:49<\/td><td class="num">12m10s<\/td><td class="num">1,470<\/td><td class="num">352,526<\/td><td class="num">120<\/td><td>yes<\/td>/);
  assert.match(html, /<tr><td><span class="mono">192\.0\.2\.60<\/span><\/td><td class="num">5,571<\/td><td class="num">8\.5 %<\/td><\/tr>/);
  assert.match(html, /<pre class="sysctl"># \/etc\/sysctl\.d\/90-conntrack\.conf \(ctdoctor\)\nnet\.netfilter\.nf_conntrack_max = 131072\nnet\.netfilter\.nf_conntrack_tcp_timeout_time_wait = 30<\/pre>/);
  assert.match(html, /<td><span class="mono">nf_conntrack_max<\/span><\/td><td class="num">65,536<\/td><td class="num">131,072<\/td>/);
  assert.equal((html.match(/<div class="finding /g) ?? []).length, 4);
  assert.match(html, /<span class="sev sev-error">error<\/span> <b class="mono">table-full-drops<\/b><p>3,080 &quot;table full&quot; drops/);
  assert.match(html, /<tr><td><span class="mono">samples\/incident-web-07\/kern\.log<\/span><\/td><td>web-07<\/td><td>kernel-log<\/td><td>syslog<\/td><td>parsed<\/td><td class="num">3,594<\/td><td class="num">3,423<\/td><td class="num">171<\/td><td class="num">0<\/td><td class="num">3,080<\/td><\/tr>/);
  assert.match(html, /<td><span class="mono">timeline-gaps<\/span><\/td><td>web-07<\/td><td>needs countSamples<\/td>/);
});

test('html: hostile log text is text', () => {
  const html = renderHtml(hostileReport(), {});
  assert.ok(!html.includes(HOSTILE.script));
  assert.ok(!html.includes('</pre><b>'));
  assert.ok(!html.includes('\u001b'));
  assert.ok(!html.includes('\u202e'));
  assert.match(html, /&lt;script&gt;window\.__pwned=1&lt;\/script&gt; \\x1B\[31mRED\\x1B\[0m &lt;\/pre&gt;&lt;b&gt;bold&lt;\/b&gt; evil\\u202Egnp\.exe/);
  // the sysctl <pre> keeps its lines and cannot be closed early
  assert.match(html, /<pre class="sysctl">[^<]*# &lt;\/pre&gt;&lt;b&gt;bold&lt;\/b&gt;<\/pre>/);
  assert.equal((html.match(/<script/gi) ?? []).length, 0);
});

test('html: a host without timeline or table still renders; uptime-only drops get a seconds-since-boot axis', () => {
  const r = sampleReport();
  const h = r.hosts[0]!;
  const bare: Report = {
    ...r,
    hosts: [{
      ...h, timeline: null, table: null, recommendations: null, summary: undefined,
      drops: { ...h.drops, first: null, last: null, firstUptime: 100, lastUptime: 230,
        perMinute: [{ minute: null, minuteUptime: 60, logged: 40 }, { minute: null, minuteUptime: 180, logged: 12 }],
        bursts: [{ start: null, end: null, startUptime: 100, endUptime: 230, logged: 52, suppressed: 0, peakPerMinute: 40, path: 'dmesg.txt', line: 3 }] },
    }],
  };
  const html = renderHtml(bare, {});
  assert.equal((html.match(/<svg /g) ?? []).length, 1);
  assert.match(html, />seconds since boot<\/text>/);
  assert.match(html, /<td>\+100\.0s<\/td><td>\+230\.0s<\/td><td class="num">2m10s<\/td>/);
  assert.match(html, /<div class="story"><p>The conntrack table was full: the kernel logged 3,080 drops in 1 burst between \+100\.0s and \+230\.0s after boot/);
});
