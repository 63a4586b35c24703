import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { scan } from '@surplus/deps';
import { depthHistogram, packGraph, unpackGraph } from './insight.graph.ts';

const SAMPLES = new URL('../../../packages/deps/fixtures/', import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, SAMPLES));

describe('stored graphs', () => {
  for (const [file, companion] of [
    ['cargo__sharkdp_bat__Cargo.lock', 'cargo__sharkdp_bat__Cargo.toml'],
    ['cyclonedx-1.4__DependencyTrack_dependency-track__bom.json', null],
    ['go__cli_cli__go.mod', null],
  ] as const) {
    it(`round-trips ${file}: the same graph, the same paths`, () => {
      const result = scan(sample(file), file, companion ? { bytes: sample(companion), name: companion } : undefined);
      const packed = packGraph(result.graph);
      const restored = unpackGraph(packed);
      assert.deepEqual(restored.toJSON(), result.graph.toJSON());
      for (const component of result.graph.components.slice(-5)) {
        assert.deepEqual(restored.pathsTo(component.purl, 10), result.graph.pathsTo(component.purl, 10));
      }
      assert.ok(packed.length < JSON.stringify(result.graph.toJSON()).length / 10, `${packed.length} bytes`);
    });
  }

  it('counts packages by depth', () => {
    const result = scan(sample('go__cli_cli__go.mod'), 'go.mod');
    const histogram = depthHistogram(result.graph.components);
    assert.equal(
      histogram.reduce((a, b) => a + b, 0),
      result.packages,
    );
    assert.equal(histogram[0], result.direct);
  });
});
