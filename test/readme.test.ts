import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../platform/config.js';
import { PROJECT_ROOT } from './support/child.js';

describe('GIVEN the README', () => {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  it('THEN it documents every environment variable of the config schema', () => {
    const missing = Object.keys(configSchema.shape).filter((key) => !readme.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });
  it('THEN it shows the two commands that must work on a fresh machine', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
