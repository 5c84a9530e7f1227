/** Shell sessions: one paste, several commands, each segment parsed as the kind its command produces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandKind, isMixedSession, sessionKind } from '../../src/parsers/session.js';
import { kinds } from '../../src/parsers/index.js';
import { parseText } from '../../src/parsers/line-parser.js';
import { assertBalanced, readFixture } from '../helpers.js';

test('command lines name the kind of their output', () => {
  assert.equal(commandKind('# conntrack -L dying'), 'conntrack-table');
  assert.equal(commandKind('root@fw:~# conntrack -S | head -2'), 'conntrack-stats');
  assert.equal(commandKind('$ sudo conntrack -C'), 'conntrack-stats');
  assert.equal(commandKind('[root@h ~]# sysctl -a | grep conntrack'), 'sysctl');
  assert.equal(commandKind('root@ip-172-31-3-170:/var/log# tail -f kern.log'), 'kernel-log');
  assert.equal(commandKind('# cat /etc/lsb-release'), null);
  assert.equal(commandKind('conntrack -L'), null, 'no prompt: not a command line');
  assert.equal(commandKind('tcp      6 431999 ESTABLISHED src=192.0.2.1 dst=192.0.2.2'), null);
});

test('a capture-and-count session (netfilter-devel, Ubuntu 18.04): counts become snapshots, trailers the captures', () => {
  const text = readFixture('conntrack-stats', 'netfilter-devel-conntrack-C-vs-L-ubuntu1804.txt');
  const head = text.toString('utf8').split('\n');
  const table = kinds.find((k) => k.kind === 'conntrack-table')!;
  assert.equal(isMixedSession(head, 'conntrack-table'), true);
  const session = sessionKind(table, kinds);
  const { records, account, state } = parseText(session.parser, text);
  assertBalanced(account);
  assert.equal(account.total, 21);
  const samples = records.filter((r) => r.kind === 'count-sample').map((r) => (r.kind === 'count-sample' ? r.count : 0));
  assert.deepEqual(samples, [88064, 87706]);
  const trailers = records.filter((r) => r.kind === 'conntrack-trailer').map((r) => (r.kind === 'conntrack-trailer' ? r.declared : -1));
  assert.deepEqual(trailers, [0, 0, 7641]);
  assert.equal(session.parser.format?.(state), 'session (conntrack-table, conntrack-stats)');
});
