import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { normalizeRepositoryUrl, type RepositoryRef } from './repository-url.ts';

function ref(input: string): RepositoryRef {
  const result = normalizeRepositoryUrl(input);
  if ('error' in result) assert.fail(`${input}: ${result.error}`);
  return result;
}

function error(input: string): string {
  const result = normalizeRepositoryUrl(input);
  if (!('error' in result)) assert.fail(`accepted ${JSON.stringify(input)} as ${result.url}`);
  return result.error;
}

const FLATCAR = { host: 'github.com', owner: 'flatcar', name: 'Flatcar', url: 'https://github.com/flatcar/Flatcar' };

describe('normalizeRepositoryUrl', () => {
  it('normalizes the common ways of writing one GitHub repository to the same host/owner/repo', () => {
    for (const input of [
      'https://github.com/flatcar/Flatcar',
      'https://github.com/flatcar/Flatcar/',
      'https://github.com/flatcar/Flatcar.git',
      'http://github.com/flatcar/Flatcar',
      'https://www.github.com/flatcar/Flatcar',
      'HTTPS://GitHub.com/flatcar/Flatcar',
      'github.com/flatcar/Flatcar',
      '  https://github.com/flatcar/Flatcar  ',
      'git@github.com:flatcar/Flatcar.git',
      'git@github.com:flatcar/Flatcar',
      'ssh://git@github.com/flatcar/Flatcar.git',
      'ssh://github.com/flatcar/Flatcar',
      'git://github.com/flatcar/Flatcar.git',
      'https://user:secret@github.com/flatcar/Flatcar',
      'https://github.com:443/flatcar/Flatcar',
    ]) {
      assert.deepEqual(ref(input), FLATCAR, input);
    }
  });

  it('cuts deep links on hosts whose repository is always two segments', () => {
    for (const input of [
      'https://github.com/flatcar/Flatcar/tree/main',
      'https://github.com/flatcar/Flatcar/tree/main/src/lib',
      'https://github.com/flatcar/Flatcar/blob/main/README.md#L3',
      'https://github.com/flatcar/Flatcar/issues/12',
      'https://github.com/flatcar/Flatcar?tab=readme-ov-file',
    ]) {
      assert.deepEqual(ref(input), FLATCAR, input);
    }
    assert.equal(ref('https://codeberg.org/forgejo/forgejo/src/branch/forgejo').url, 'https://codeberg.org/forgejo/forgejo');
    assert.equal(
      ref('https://bitbucket.org/atlassian/python-bitbucket/src/master/').url,
      'https://bitbucket.org/atlassian/python-bitbucket',
    );
  });

  it('keeps GitLab subgroups and cuts at the /-/ separator', () => {
    const expected = { host: 'gitlab.com', owner: 'gitlab-org/cloud-native', name: 'gitlab-operator', url: '' };
    expected.url = `https://gitlab.com/${expected.owner}/${expected.name}`;
    for (const input of [
      'https://gitlab.com/gitlab-org/cloud-native/gitlab-operator',
      'https://gitlab.com/gitlab-org/cloud-native/gitlab-operator.git',
      'https://gitlab.com/gitlab-org/cloud-native/gitlab-operator/-/tree/master',
      'https://gitlab.com/gitlab-org/cloud-native/gitlab-operator/-/merge_requests/12',
      'git@gitlab.com:gitlab-org/cloud-native/gitlab-operator.git',
      'ssh://git@gitlab.com:2222/gitlab-org/cloud-native/gitlab-operator.git',
    ]) {
      assert.deepEqual(ref(input), expected, input);
    }
  });

  it('takes self-hosted forges with deep paths as owner path and repository', () => {
    assert.deepEqual(ref('https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git'), {
      host: 'git.kernel.org',
      owner: 'pub/scm/linux/kernel/git/torvalds',
      name: 'linux',
      url: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux',
    });
    assert.equal(ref('https://git.sr.ht/~sircmpwn/hare').url, 'https://git.sr.ht/~sircmpwn/hare');
  });

  it('rejects text that is not a URL', () => {
    assert.equal(error(''), 'is not a URL');
    assert.equal(error('not a url'), 'is not a URL');
    assert.equal(error('github.com:flatcar/Flatcar'), 'is not a URL');
  });

  it('rejects schemes other than http(s), ssh and git', () => {
    for (const input of ['ftp://github.com/a/b', 'file:///etc/passwd', 'javascript://github.com/a/b']) {
      assert.equal(error(input), 'must be an http(s), ssh or git URL', input);
    }
  });

  it('rejects hosts without a domain', () => {
    assert.equal(error('https://intranet/a/b'), 'must name a host such as github.com');
  });

  it('rejects URLs without an owner and a repository', () => {
    for (const input of ['https://github.com', 'https://github.com/', 'https://github.com/flatcar', 'https://gitlab.com/-/a/b']) {
      assert.equal(error(input), 'must include the owner and the repository, e.g. github.com/owner/repo', input);
    }
  });

  it('rejects paths with characters a repository cannot have', () => {
    for (const input of [
      'https://github.com/flatcar/Flat car',
      'https://github.com/flatcar/Flat%20car',
      'https://github.com/flatcar/a%2Fb',
      'https://github.com/flatcar/.git',
      'https://github.com/flatcar/%',
      'https://github.com/flatcar/%E0%A4%A',
      'https://example.org/<script>/x',
    ]) {
      assert.equal(error(input), 'has characters that a repository path cannot have', input);
    }
  });

  it('never throws, and what it accepts is a clean https URL that normalizes to itself', () => {
    const segment = fc.stringMatching(/^[\w.~%-]{0,12}$/);
    const input = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc
        .tuple(fc.constantFrom('https://', 'git@', 'ssh://', 'git://', ''), fc.domain(), fc.array(segment, { maxLength: 5 }))
        .map(([scheme, host, segments]) => `${scheme}${host}${scheme === 'git@' ? ':' : '/'}${segments.join('/')}`),
    );
    fc.assert(
      fc.property(input, (text) => {
        const result = normalizeRepositoryUrl(text);
        if ('error' in result) return;
        assert.match(result.url, /^https:\/\/[^/\s]+\/[\w.~/-]+$/);
        assert.deepEqual(normalizeRepositoryUrl(result.url), result);
      }),
      { numRuns: 3000 },
    );
  });
});
