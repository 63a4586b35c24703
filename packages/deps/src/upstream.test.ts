import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanFixture } from './fixtures.ts';
import { scoreProject } from './upstream.ts';

describe('upstream projects', () => {
  it('scores by proximity, breadth and reach, halved when dev-only', () => {
    // direct (1/1), 1 package, 1 path: 4·1 + 2·log2(2) + log2(2) = 7
    assert.deepEqual(scoreProject(1, 1, 1, false), { score: 7, terms: { proximity: 1, breadth: 1, reach: 1, devFactor: 1 } });
    // depth 2, 3 packages, 7 paths: 4·0.5 + 2·2 + 3 = 9
    assert.equal(scoreProject(2, 3, 7, false).score, 9);
    assert.equal(scoreProject(2, 3, 7, true).score, 4.5);
  });

  it('ranks the projects of a real SBOM and groups repositories by owner', () => {
    const result = scanFixture('cyclonedx-1.4__DependencyTrack_dependency-track__bom.json');
    const scores = result.projects.map((p) => p.score);
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
    );
    for (const project of result.projects) {
      const { proximity, breadth, reach, devFactor } = project.terms;
      assert.equal(proximity, Math.round((1 / project.minDepth) * 100) / 100);
      assert.equal(breadth, Math.round(Math.log2(1 + project.packages) * 100) / 100);
      assert.equal(reach, Math.round(Math.log2(1 + project.paths) * 100) / 100);
      assert.equal(devFactor, project.isDevOnly ? 0.5 : 1);
    }
    // The FasterXML jackson-* repositories are separate projects with one owner.
    const fasterxml = result.owners.find((o) => o.owner === 'github.com/fasterxml');
    assert.ok(fasterxml && fasterxml.repositories.length >= 5);
    assert.equal(
      fasterxml.packages,
      result.projects.filter((p) => p.owner === 'github.com/fasterxml').reduce((sum, p) => sum + p.packages, 0),
    );
  });
});
