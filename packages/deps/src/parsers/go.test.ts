import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError } from '../errors.ts';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const MOD = 'go__cli_cli__go.mod';
const SUM = 'go__cli_cli__go.sum';

/** Second count: require lines inside `require ( … )` blocks, and how many of them are not `// indirect`. */
function requireLines(text: string): { all: string[]; direct: string[] } {
  const all = [...text.matchAll(/^require \(\n([\s\S]*?)^\)/gm)].flatMap((block) =>
    (block[1] as string).split('\n').filter((line) => line.trim()),
  );
  return { all, direct: all.filter((line) => !line.includes('// indirect')) };
}

describe('go.mod and go.sum', () => {
  it('go.mod (cli/cli): 158 modules, 47 direct; indirect ones sit at depth 2', () => {
    const result = scanFixture(MOD);
    assert.equal(result.format, 'go.mod');
    assert.equal(result.formatVersion, '1.22.5');
    assert.equal(result.productName, 'github.com/cli/cli/v2');
    // awk '/^require \(/{p=1;next} /^\)/{p=0} p && NF' go.mod | wc -l → 158; … | grep -vc '// indirect' → 47
    const lines = requireLines(fixtureText(MOD));
    assert.equal(lines.all.length, 158);
    assert.equal(lines.direct.length, 47);
    assert.equal(result.packages, 158);
    assert.equal(result.direct, 47);
    assert.equal(result.graph.component('pkg:golang/github.com/mattn/go-runewidth@v0.0.15')?.depth, 2);
    assertInvariants(result);
  });

  it('applies replace directives and maps vanity paths to repositories', () => {
    const result = scanFixture(MOD);
    const graph = result.graph;
    // replace github.com/rogpeppe/go-internal => github.com/cli/go-internal v0.0.0-20241024130215-fa3c22e38b9b
    assert.ok(graph.component('pkg:golang/github.com/cli/go-internal@v0.0.0-20241024130215-fa3c22e38b9b'));
    assert.ok(!graph.components.some((c) => c.namespace === 'github.com/rogpeppe'));
    const repo = (purl: string) => graph.component(purl)?.repository;
    assert.equal(repo('pkg:golang/golang.org/x/crypto@v0.28.0'), 'github.com/golang/crypto');
    assert.equal(repo('pkg:golang/gopkg.in/yaml.v3@v3.0.1'), 'github.com/go-yaml/yaml');
    assert.equal(repo('pkg:golang/google.golang.org/grpc@v1.64.1'), 'github.com/grpc/grpc-go');
    assert.equal(repo('pkg:golang/github.com/alecaivazis/survey/v2@v2.3.7'), 'github.com/alecaivazis/survey');
    // go.opentelemetry.io/otel, /otel/metric and /otel/trace: one repository, one upstream project
    assert.equal(result.projects.find((p) => p.repository === 'github.com/open-telemetry/opentelemetry-go')?.packages, 3);
    // Every module of this go.mod maps to a repository (github.com paths or a known vanity path).
    assert.equal(graph.components.filter((c) => c.repository === null).length, 0);
  });

  it('go.sum alone: 251 modules with a content checksum, direct unknown; with go.mod, direct known', () => {
    const alone = scanFixture(SUM);
    // awk '$2 !~ /\/go.mod$/ {print $1"@"$2}' go.sum | sort -u | wc -l → 251
    const modules = new Set(
      fixtureText(SUM)
        .split('\n')
        .filter((line) => line.trim() && !line.split(' ')[1]?.endsWith('/go.mod'))
        .map((line) => line.split(' ').slice(0, 2).join('@')),
    );
    assert.equal(modules.size, 251);
    assert.equal(alone.packages, 251);
    assert.equal(alone.direct, null);
    assertInvariants(alone);
    const withMod = scanFixture(SUM, MOD);
    // All 47 direct requirements have a content line, github.com/rogpeppe/go-internal through its replacement
    // github.com/cli/go-internal (grep cli/go-internal go.sum).
    const replaced = 'github.com/cli/go-internal@v0.0.0-20241024130215-fa3c22e38b9b';
    const direct = requireLines(fixtureText(MOD)).direct.map((line) => line.trim().split(/\s+/).slice(0, 2).join('@'));
    assert.equal(direct.filter((key) => modules.has(key)).length, 46);
    assert.ok(modules.has(replaced) && !modules.has('github.com/rogpeppe/go-internal@v1.13.1'));
    assert.equal(withMod.direct, 47);
    assertInvariants(withMod);
  });

  it('a go.mod with an unclosed block is malformed at the end', () => {
    assert.throws(
      () => scan('module example.com/m\n\nrequire (\n\tgolang.org/x/text v0.3.0\n', 'go.mod'),
      (error: unknown) => error instanceof ParseError && error.format === 'go.mod' && /never closed/.test(error.message),
    );
  });
});
