import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSignals, splitCsvLine } from './insight.signals.ts';

async function* linesOf(text: string) {
  yield* text.split('\n');
}

describe('signals CSV', () => {
  it('reads the OpenSSF criticality_score v2 columns, normalizing repository URLs', async () => {
    const csv = [
      'repo.url,repo.language,repo.license,repo.star_count,legacy.contributor_count,depsdev.dependent_count,default_score,collection_date',
      'https://github.com/ashawkey/RAD-NeRF,Python,MIT License,64,1,,0.13958,2022-11-28T02:47:06Z',
      'https://github.com/spf13/cobra,Go,"Apache License 2.0",38000,300,120345,0.81,2022-11-28T02:47:06Z',
      '',
    ].join('\n');
    const file = await readSignals(linesOf(csv));
    assert.equal(file.problemCount, 0);
    assert.deepEqual(file.rows, [
      { repository: 'github.com/ashawkey/rad-nerf', criticality_score: 0.13958, dependents_count: null },
      { repository: 'github.com/spf13/cobra', criticality_score: 0.81, dependents_count: 120345 },
    ]);
  });

  it('reads the older tool’s columns and a dependents-only file; the later line for a repository wins', async () => {
    const old = await readSignals(
      linesOf(
        'name,url,dependents_count,criticality_score\ncobra,https://github.com/spf13/cobra.git,10,0.5\nx,git@github.com:spf13/Cobra.git,11,0.6',
      ),
    );
    assert.deepEqual(old.rows, [{ repository: 'github.com/spf13/cobra', criticality_score: 0.6, dependents_count: 11 }]);
    const dependents = await readSignals(linesOf('repository,dependents\ngithub.com/a/b,7'));
    assert.deepEqual(dependents.rows, [{ repository: 'github.com/a/b', criticality_score: null, dependents_count: 7 }]);
  });

  it('names each bad line and refuses headers without the columns it needs', async () => {
    const bad = await readSignals(
      linesOf('repo.url,default_score\nhttps://github.com/a/b,1.5\nnot a url,0.1\n"https://github.com/a/c,0.2'),
    );
    assert.deepEqual(
      bad.problems.map((p) => p.line),
      [2, 3, 4],
    );
    assert.match(bad.problems[0]?.message ?? '', /not a number from 0 to 1/);
    const header = await readSignals(linesOf('name,stars\nx,1'));
    assert.match(header.problems[0]?.message ?? '', /no repository column/);
    const empty = await readSignals(linesOf(''));
    assert.match(empty.problems[0]?.message ?? '', /empty/);
  });

  it('splits quoted cells with commas and doubled quotes', () => {
    assert.deepEqual(splitCsvLine('a,"b, c","d ""e""",'), ['a', 'b, c', 'd "e"', '']);
    assert.equal(splitCsvLine('"open'), null);
  });
});
