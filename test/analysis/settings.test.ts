import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/parsers/line-parser.js';
import { sysctlParser } from '../../src/parsers/sysctl/sysctl.js';
import { buildSettings, createSettingsAccumulator, type SettingsDigest } from '../../src/analysis/settings.js';
import { readFixture } from '../helpers.js';

const NF = 'net.netfilter.nf_conntrack_';

function digestOf(text: string | Buffer, path: string): SettingsDigest[] {
  const acc = createSettingsAccumulator({ path });
  for (const r of parseText(sysctlParser, text, { path }).records) acc.add(r);
  return [...acc.finish()];
}

describe('settings analysis', () => {
  it('sysctl -a: settings by canonical name, sorted; alias with the same value is no conflict', () => {
    const d = digestOf(readFixture('sysctl', 'aws-tengine-ubuntu-sysctl-a-grep-near-full.txt'), 'sysctl_-a');
    const { section, evidence } = buildSettings(d);
    assert.equal(Object.getPrototypeOf(section.settings), null);
    const names = Object.keys(section.settings);
    assert.equal(names.length, 28);
    assert.deepEqual(names, [...names].sort());
    assert.equal(section.settings[`${NF}max`], 65536);
    assert.equal(section.settings[`${NF}count`], 65422);
    assert.equal(section.facts, null);
    // the value in force is the later line (the net.nf_conntrack_max alias, line 30)
    assert.deepEqual(evidence.get(`settings.${NF}max`), [{ path: 'sysctl_-a', line: 30, text: 'net.nf_conntrack_max = 65536' }]);
    assert.equal([...evidence.keys()].some((k) => k.startsWith('settings.conflict.')), false);
  });

  it('a value changed during the session: later wins, both lines are conflict evidence', () => {
    const d = digestOf(readFixture('sysctl', 'sre-handbook-centos63-proc-sys-net-nf_conntrack_max.txt'), 'notes.txt');
    const { section, evidence } = buildSettings(d);
    assert.equal(section.settings[`${NF}max`], 100000);
    assert.deepEqual(evidence.get(`settings.conflict.${NF}max`)!.map((e) => [e.line, e.text]), [[2, '65535'], [5, '100000']]);
  });

  it('later inputs win on conflicts across inputs', () => {
    const kp = digestOf(readFixture('sysctl', 'kube-proxy-v1.20-logs-conntrack-max-1179648.txt'), 'kube-proxy.log');
    const sc = digestOf('net.netfilter.nf_conntrack_max = 262144\n', 'sysctl_-a');
    const { section, evidence } = buildSettings([...kp, ...sc]);
    assert.equal(section.settings[`${NF}max`], 262144);
    assert.equal(section.settings[`${NF}tcp_timeout_established`], 86400);
    assert.deepEqual(evidence.get(`settings.conflict.${NF}max`)!.map((e) => [e.path, e.line]), [['kube-proxy.log', 6], ['sysctl_-a', 1]]);
    assert.deepEqual(evidence.get('facts.kubeProxy')!.map((e) => e.line), [2]);
    assert.equal(section.facts, null, 'kubeProxy alone is not a HostFacts field');
  });

  it('host facts: hostname becomes the digest host; cpus keeps the largest running count', () => {
    const text = [
      '$ hostname', 'node-07', '$ uname -r', '5.15.0-91-generic',
      'processor\t: 0', 'processor\t: 1', 'processor\t: 2',
      'MemTotal:       16318412 kB', 'nf_conntrack 1234 2000 320 25 2 : tunables 0 0 0 : slabdata 80 80 0',
    ].join('\n');
    const d = digestOf(text, 'facts.txt');
    assert.equal(d[0]!.host, 'node-07');
    const { section, evidence } = buildSettings(d);
    assert.deepEqual(section.facts, { hostname: 'node-07', kernel: '5.15.0-91-generic', memTotalBytes: 16318412 * 1024, cpus: 3, entryBytes: 320 });
    assert.deepEqual(Object.keys(section.settings), []);
    assert.deepEqual(evidence.get('facts.cpus')!.map((e) => e.line), [7]);
    assert.deepEqual(evidence.get('facts.hostname'), [{ path: 'facts.txt', line: 2, text: 'node-07' }]);
  });

  it('an input without records gives no digest', () => {
    const acc = createSettingsAccumulator({ path: 'x' });
    assert.deepEqual(acc.finish(), []);
    const { section } = buildSettings([]);
    assert.deepEqual(Object.keys(section.settings), []);
    assert.equal(section.facts, null);
  });
});
