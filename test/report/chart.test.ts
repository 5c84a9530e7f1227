import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChart } from '../../src/report/chart.js';

/** The y-axis labels of a chart, top to bottom. */
function labels(lines: readonly string[]): string[] {
  return lines.map((l) => l.split(/[┼┤]/)[0]!.trim());
}

test('a flat series is drawn at its value on an axis from 0 (a week of 60 drops a minute: top label 60, not 61)', () => {
  const lines = renderChart([new Array<number>(500).fill(60)], { height: 6, width: 40, labelWidth: 5 });
  assert.deepEqual(labels(lines), ['60', '50', '40', '30', '20', '10', '0']);
  // the line is on the top row
  assert.match(lines[0]!, /^ {3}60 ┼─{39}$/);
});

test('an all-zero series keeps a made-up top so the axis has a range', () => {
  const lines = renderChart([[0, 0, 0, 0]], { height: 2, width: 10, labelWidth: 3 });
  assert.deepEqual(labels(lines), ['1', '1', '0']);
  assert.match(lines[2]!, /^ {2}0 ┼───$/);
});
