/**
 * Test support: the real files in packages/deps/fixtures, and the invariants every scan result must
 * hold whatever the format (checked by each format's test and by the property tests).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ScanResult, scan } from './scan.ts';

const DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(DIR + name);
}

export function fixtureText(name: string): string {
  return fixture(name).toString('utf8');
}

export function scanFixture(name: string, companion?: string): ScanResult {
  return scan(fixture(name), name, companion ? { bytes: fixture(companion), name: companion } : undefined);
}

/** What holds for any graph: direct ⊆ components, depths and paths consistent, projects cover every package once. */
export function assertInvariants(result: ScanResult): void {
  const { graph } = result;
  const purls = new Set(graph.components.map((c) => c.purl));
  assert.equal(purls.size, graph.components.length, 'components are distinct');
  assert.equal(result.packages, graph.components.length);
  const rootIds = new Set(graph.roots.map((r) => r.id));
  assert.ok(graph.roots.length >= 1, 'there is a root');
  for (const component of graph.components) {
    assert.ok(!rootIds.has(component.purl), `${component.purl} is a root and a component`);
    assert.ok(component.depth >= 1, `${component.purl} has depth ${component.depth}`);
    if (component.isDirect) assert.equal(component.depth, 1, `direct ${component.purl} has depth 1`);
    assert.ok(component.pathCount >= 1, `${component.purl} is reachable`);
  }
  for (const edge of graph.edges) {
    assert.ok(rootIds.has(edge.from) || purls.has(edge.from), `edge from unknown ${edge.from}`);
    assert.ok(purls.has(edge.to), `edge to unknown ${edge.to}`);
  }
  if (result.direct !== null) {
    const direct = graph.components.filter((c) => c.isDirect);
    assert.equal(result.direct, direct.length);
    assert.ok(
      direct.every((c) => purls.has(c.purl)),
      'direct ⊆ components',
    );
  }
  const grouped = result.projects.flatMap((p) => p.purls);
  assert.equal(grouped.length, purls.size, 'every package is in exactly one project');
  assert.deepEqual(new Set(grouped), purls);
  assert.deepEqual(
    result.projects.map((p) => p.rank),
    result.projects.map((_, i) => i + 1),
  );
}
