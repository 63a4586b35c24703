import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DependencyGraph, GraphBuilder } from './graph.ts';

const p = (name: string) => `pkg:npm/${name}@1.0.0`;

/** root → a → b → c, root → b (dev), a ⇄ d (a cycle), and e that nothing points at. */
function sample() {
  const builder = new GraphBuilder();
  builder.addRoot('root:app', 'app');
  for (const name of ['a', 'b', 'c', 'd', 'e']) builder.addPackage(p(name));
  builder.addEdge('root:app', p('a'));
  builder.addEdge('root:app', p('b'), 'dev');
  builder.addEdge(p('a'), p('b'));
  builder.addEdge(p('b'), p('c'));
  builder.addEdge(p('a'), p('d'));
  builder.addEdge(p('d'), p('a'));
  return builder.build();
}

describe('dependency graph', () => {
  it('depth is the fewest edges from a root; direct means an edge from a root in the file', () => {
    const graph = sample();
    const depth = Object.fromEntries(graph.components.map((c) => [c.name, c.depth]));
    assert.deepEqual(depth, { a: 1, b: 1, c: 2, d: 2, e: 1 });
    assert.deepEqual(
      graph.components.filter((c) => c.isDirect).map((c) => c.name),
      ['a', 'b'],
    );
    assert.equal(graph.directCount, 2);
    // e is not connected by the file: it hangs off the root by an inferred edge and is not direct
    assert.deepEqual(
      graph.edges.filter((e) => e.isInferred).map((e) => e.to),
      [p('e')],
    );
  });

  it('a package reached also without the root’s dev edge is not dev', () => {
    const builder = new GraphBuilder();
    builder.addRoot('root:app', 'app');
    for (const name of ['lib', 'test-tool', 'shared']) builder.addPackage(p(name));
    builder.addEdge('root:app', p('lib'));
    builder.addEdge('root:app', p('test-tool'), 'dev');
    builder.addEdge(p('test-tool'), p('shared'));
    builder.addEdge(p('lib'), p('shared'));
    const graph = builder.build();
    assert.equal(graph.component(p('test-tool'))?.isDev, true);
    assert.equal(graph.component(p('shared'))?.isDev, false);
    assert.equal(sample().component(p('b'))?.isDev, false, 'b is dev from the root but a depends on it');
  });

  it('what the file says about a flag wins over what the edges suggest, and copies must agree', () => {
    const builder = new GraphBuilder();
    builder.addRoot('root:app', 'app');
    builder.addPackage(p('x'), { isDev: true });
    builder.addPackage(p('x'), { isDev: false }); // a second copy of the same name@version that ships
    builder.addPackage(p('y'), { isOptional: true });
    builder.addEdge('root:app', p('x'));
    builder.addEdge('root:app', p('y'));
    const graph = builder.build();
    assert.equal(graph.component(p('x'))?.isDev, false);
    assert.equal(graph.component(p('y'))?.isOptional, true);
  });

  it('counts paths with a cycle counted once, and enumerates them shortest first', () => {
    const graph = sample();
    // c: root→b→c, root→a→b→c
    assert.equal(graph.component(p('c'))?.pathCount, 2);
    assert.deepEqual(graph.pathsTo(p('c')), [
      ['root:app', p('b'), p('c')],
      ['root:app', p('a'), p('b'), p('c')],
    ]);
    // d: root→a→d; the cycle back to a adds no path
    assert.deepEqual(graph.pathsTo(p('d')), [['root:app', p('a'), p('d')]]);
    assert.equal(graph.pathsTo(p('c'), 1).length, 1);
    assert.deepEqual(graph.pathsTo('pkg:npm/unknown@1'), []);
  });

  it('path counts saturate instead of overflowing on a diamond ladder', () => {
    // 60 diamonds in a row: 2^60 paths to the end
    const builder = new GraphBuilder();
    builder.addRoot('root:app', 'app');
    let previous = 'root:app';
    for (let i = 0; i < 60; i++) {
      const [left, right, join] = [p(`l${i}`), p(`r${i}`), p(`j${i}`)];
      for (const id of [left, right, join]) builder.addPackage(id);
      builder.addEdge(previous, left);
      builder.addEdge(previous, right);
      builder.addEdge(left, join);
      builder.addEdge(right, join);
      previous = join;
    }
    const graph = builder.build();
    assert.equal(graph.component(p('j59'))?.pathCount, 2 ** 53);
    assert.equal(graph.component(p('j9'))?.pathCount, 2 ** 10);
    // Enumeration stays bounded by the limit.
    assert.equal(graph.pathsTo(p('j59'), 7).length, 7);
  });

  it('survives a JSON round trip', () => {
    const graph = sample();
    const copy = DependencyGraph.fromJSON(JSON.parse(JSON.stringify(graph)));
    assert.deepEqual(copy.toJSON(), graph.toJSON());
    assert.deepEqual(copy.pathsTo(p('c')), graph.pathsTo(p('c')));
  });

  it('drops edges to roots, to unknown packages and to themselves; a package that is a root is not a component', () => {
    const builder = new GraphBuilder();
    builder.addRoot(p('app'), 'app');
    builder.addPackage(p('app'));
    builder.addPackage(p('a'));
    builder.addEdge(p('app'), p('a'));
    builder.addEdge(p('a'), p('app'));
    builder.addEdge(p('a'), p('a'));
    builder.addEdge(p('a'), p('ghost'));
    const graph = builder.build();
    assert.deepEqual(
      graph.components.map((c) => c.name),
      ['a'],
    );
    assert.deepEqual(graph.edges, [{ from: p('app'), to: p('a'), kind: 'prod', isInferred: false }]);
  });

  it('a deep chain needs no deep recursion', () => {
    const builder = new GraphBuilder();
    builder.addRoot('root:app', 'app');
    let previous = 'root:app';
    for (let i = 0; i < 50_000; i++) {
      builder.addPackage(p(`n${i}`));
      builder.addEdge(previous, p(`n${i}`));
      previous = p(`n${i}`);
    }
    const graph = builder.build();
    assert.equal(graph.component(p('n49999'))?.depth, 50_000);
    assert.equal(graph.pathsTo(p('n49999'))[0]?.length, 50_001);
  });
});
