import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goModuleRepository, normalizeRepositoryUrl, repositoryFromHomepage, repositoryOwner } from './repository.ts';

describe('repositories', () => {
  it('writes every spelling of a repository URL one way', () => {
    const cases: [string, string | null][] = [
      ['git+https://github.com/Foo/Bar.git', 'github.com/foo/bar'],
      ['git@github.com:foo/bar.git', 'github.com/foo/bar'],
      ['ssh://git@github.com/foo/bar', 'github.com/foo/bar'],
      ['scm:git:git://github.com/foo/bar.git', 'github.com/foo/bar'],
      ['github:foo/bar', 'github.com/foo/bar'],
      ['https://github.com/foo/bar/tree/main/packages/baz', 'github.com/foo/bar'],
      ['http://github.com/stephenc/jcip-annotations/tree/master/', 'github.com/stephenc/jcip-annotations'],
      ['git+https://github.com/pallets/flask.git@3.0.0', 'github.com/pallets/flask'],
      ['https://api.github.com/repos/phpstan/phpstan/zipball/37982d6f', 'github.com/phpstan/phpstan'],
      ['https://codeload.github.com/webpack/tooling/tar.gz/4c13a00a', 'github.com/webpack/tooling'],
      ['https://gitlab.com/group/sub/project/-/tree/main', 'gitlab.com/group/sub/project'],
      ['https://bitbucket.org/snakeyaml/snakeyaml/src', 'bitbucket.org/snakeyaml/snakeyaml'],
      ['https://gitbox.apache.org/repos/asf?p=commons-lang.git', 'github.com/apache/commons-lang'],
      ['https://git-wip-us.apache.org/repos/asf?p=commons-collections.git', 'github.com/apache/commons-collections'],
      [
        'https://svn.apache.org/repos/asf/httpcomponents/httpasyncclient/branches/4.1.x',
        'svn.apache.org/repos/asf/httpcomponents/httpasyncclient',
      ],
      ['http://svn.sonatype.org/spice/tags/oss-parent-7', 'svn.sonatype.org/spice'],
      ['http://svn.sonatype.org/spice/trunk/oss/oss-parent-9', 'svn.sonatype.org/spice'],
      ['https://github.com/datanucleus/', null],
      ['NOASSERTION', null],
      ['not a url', null],
    ];
    for (const [url, expected] of cases) assert.equal(normalizeRepositoryUrl(url), expected, url);
  });

  it('maps Go module paths, vanity paths included', () => {
    const cases: [string, string | null][] = [
      ['github.com/cli/go-gh/v2', 'github.com/cli/go-gh'],
      ['golang.org/x/crypto', 'github.com/golang/crypto'],
      ['gopkg.in/yaml.v3', 'github.com/go-yaml/yaml'],
      ['gopkg.in/h2non/gock.v1', 'github.com/h2non/gock'],
      ['google.golang.org/grpc', 'github.com/grpc/grpc-go'],
      ['google.golang.org/protobuf', 'github.com/protocolbuffers/protobuf-go'],
      ['google.golang.org/genproto/googleapis/rpc', 'github.com/googleapis/go-genproto'],
      ['go.uber.org/zap', 'github.com/uber-go/zap'],
      ['k8s.io/klog/v2', 'github.com/kubernetes/klog'],
      ['sigs.k8s.io/yaml', 'github.com/kubernetes-sigs/yaml'],
      ['go.opentelemetry.io/otel/trace', 'github.com/open-telemetry/opentelemetry-go'],
      ['cloud.google.com/go/storage', 'github.com/googleapis/google-cloud-go'],
      ['example.com/unknown/module', null],
    ];
    for (const [path, expected] of cases) assert.equal(goModuleRepository(path), expected, path);
  });

  it('takes a homepage only when it is a repository page on a forge', () => {
    assert.equal(repositoryFromHomepage('https://github.com/dguo/strsim-rs'), 'github.com/dguo/strsim-rs');
    assert.equal(repositoryFromHomepage('https://serde.rs'), null);
    assert.equal(repositoryFromHomepage('https://github.com/rust-lang'), null);
  });

  it('names the owner one would fund', () => {
    assert.equal(repositoryOwner('github.com/symfony/console'), 'github.com/symfony');
    assert.equal(repositoryOwner('gitlab.com/group/sub/project'), 'gitlab.com/group');
    assert.equal(repositoryOwner('svn.apache.org/repos/asf/xerces/java'), 'github.com/apache');
    assert.equal(repositoryOwner('java.net/projects/jaxb/sources/v2/show'), 'java.net');
  });
});
