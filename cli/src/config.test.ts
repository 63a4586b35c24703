import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Context, configPath, type Env, normalizeUrl, readConfig, resolveSession, writeConfig } from './config.ts';
import { type CliError, EXIT, Output } from './output.ts';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'surplus-config-'));
  dirs.push(dir);
  return dir;
}

function context(env: Env): Context {
  const sink = { write: () => true };
  return {
    env,
    out: new Output(sink, sink, env),
    configPath: configPath(env),
    userAgent: 'test',
    readStdin: async () => '',
    exec: async () => 0,
  };
}

describe('configPath', () => {
  it('prefers SURPLUS_CONFIG, then an absolute XDG_CONFIG_HOME, then ~/.config', () => {
    assert.equal(configPath({ SURPLUS_CONFIG: '/etc/s.json', XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/etc/s.json');
    assert.equal(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/surplus/config.json');
    assert.equal(configPath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' }), '/h/.config/surplus/config.json');
    assert.equal(configPath({ HOME: '/h' }), '/h/.config/surplus/config.json');
  });
});

describe('writeConfig', () => {
  it('writes the file 0600 in a 0700 directory and leaves no temporary file', async () => {
    const home = await tempDir();
    const env = { XDG_CONFIG_HOME: home };
    const path = configPath(env);
    await writeConfig(path, { url: 'http://s.test', token: 'sps_secret' }, env);
    await writeConfig(path, { url: 'http://s.test', token: 'sps_other' }, env);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, 'surplus'))).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(join(home, 'surplus')), ['config.json']);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { url: 'http://s.test', token: 'sps_other' });
  });
});

describe('readConfig', () => {
  it('treats a missing file as not signed in and a broken one as a reason to sign in again', async () => {
    const dir = await tempDir();
    assert.equal(await readConfig(join(dir, 'none.json')), null);
    await writeFile(join(dir, 'broken.json'), '{');
    await assert.rejects(readConfig(join(dir, 'broken.json')), (error: CliError) => error.exitCode === EXIT.notSignedIn);
  });
});

describe('resolveSession', () => {
  it('lets SURPLUS_URL and SURPLUS_TOKEN override the file', async () => {
    const home = await tempDir();
    const env = { XDG_CONFIG_HOME: home };
    await writeConfig(configPath(env), { url: 'http://s.test', token: 'sps_file' }, env);
    assert.deepEqual(await resolveSession(context(env)), { url: 'http://s.test', token: 'sps_file', tokenSource: 'config' });
    assert.deepEqual(await resolveSession(context({ ...env, SURPLUS_TOKEN: 'sps_env' })), {
      url: 'http://s.test',
      token: 'sps_env',
      tokenSource: 'environment',
    });
    assert.deepEqual(await resolveSession(context({ ...env, SURPLUS_URL: 'http://other.test/', SURPLUS_TOKEN: 'sps_env' })), {
      url: 'http://other.test',
      token: 'sps_env',
      tokenSource: 'environment',
    });
  });

  it('never sends the stored token to a different SURPLUS_URL', async () => {
    const home = await tempDir();
    const env = { XDG_CONFIG_HOME: home };
    await writeConfig(configPath(env), { url: 'http://s.test', token: 'sps_file' }, env);
    await assert.rejects(resolveSession(context({ ...env, SURPLUS_URL: 'http://evil.test' })), (error: CliError) => {
      assert.equal(error.exitCode, EXIT.notSignedIn);
      assert.match(error.message, /signed in to http:\/\/s.test, not http:\/\/evil.test/);
      return true;
    });
  });

  it('says how to sign in when nothing is configured', async () => {
    const home = await tempDir();
    await assert.rejects(resolveSession(context({ XDG_CONFIG_HOME: home })), /not signed in; run `surplus login/);
    await assert.rejects(
      resolveSession(context({ XDG_CONFIG_HOME: home, SURPLUS_TOKEN: 'sps_x' })),
      /SURPLUS_TOKEN is set but not SURPLUS_URL/,
    );
  });
});

describe('normalizeUrl', () => {
  it('drops trailing slashes and refuses what is not an http(s) URL', () => {
    assert.equal(normalizeUrl('https://surplus.example.org/'), 'https://surplus.example.org');
    assert.equal(normalizeUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.throws(
      () => normalizeUrl('surplus.example.org'),
      (error: CliError) => error.exitCode === EXIT.usage,
    );
    assert.throws(() => normalizeUrl('ftp://surplus.example.org'), /must start with http/);
  });
});
