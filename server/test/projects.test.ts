import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from './harness.ts';

const t = await createTestApp();

describe('projects', () => {
  it('registers a project with a normalized repository and a checked licence, and audits it', async () => {
    const owner = await t.user();
    const response = await t.call('POST', '/api/v1/projects', {
      as: owner.token,
      body: {
        name: 'Flatcar Linux',
        repository_url: 'git@github.com:flatcar/Flatcar.git',
        license: 'Apache-2.0 OR MIT',
        description: '# Hi\n<script>x</script>',
      },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(response.body.slug, 'flatcar-linux');
    assert.deepEqual(response.body.repository, {
      host: 'github.com',
      owner: 'flatcar',
      name: 'Flatcar',
      url: 'https://github.com/flatcar/Flatcar',
    });
    assert.equal(response.body.license.is_osi_approved, true);
    assert.equal(response.body.my_role, 'owner');
    assert.ok(!response.body.description_html.includes('<script'));
    const events = await t.db.selectFrom('audit_events').selectAll().where('project_id', '=', response.body.id).execute();
    assert.deepEqual(
      events.map((event) => event.action),
      ['project.created'],
    );
  });
});
