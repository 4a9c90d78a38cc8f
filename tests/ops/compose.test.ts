// docker-compose.yml as Docker would read it (the Compose Specification's JSON Schema), and the variables it, the
// Dockerfile and .env.example give the app, all of which the configuration must read: a typo fails here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  appServices,
  checkDeployFiles,
  composeSchemaProblems,
  unknownComposeVariables,
  unknownDockerfileVariables,
  unknownEnvExampleVariables,
} from '../../scripts/check-compose.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');

describe('deployment files', () => {
  it('docker-compose.yml, the Dockerfile and .env.example pass the check', () => {
    expect(checkDeployFiles()).toEqual([]);
    // The check reads what it should: the app's environment has the variables the compose file sets.
    expect(unknownComposeVariables(COMPOSE.replace('DATABASE_PATH:', 'DATABASE_PATHS:'))).toEqual(['DATABASE_PATHS']);
  });

  it('fails on a misspelt key, wherever it is, and on a value of the wrong shape', () => {
    expect(composeSchemaProblems(COMPOSE.replace('    environment:', '    enviroment:'))).toEqual(['/services/app must NOT have additional properties: "enviroment"']);
    expect(composeSchemaProblems(COMPOSE.replace('stop_grace_period:', 'stop_grace_periods:'))).toEqual([
      '/services/app must NOT have additional properties: "stop_grace_periods"',
    ]);
    expect(composeSchemaProblems(COMPOSE.replace('      - path: .env\n        required: false', '      - path: .env\n        requried: false'))).toContain(
      '/services/app/env_file/0 must NOT have additional properties: "requried"',
    );
    expect(composeSchemaProblems(`${COMPOSE}\nvolumnes:\n  more:\n`)).toEqual(['(top level) must NOT have additional properties: "volumnes"']);
    expect(composeSchemaProblems(COMPOSE.replace('restart: unless-stopped', 'restart: [always]'))).not.toEqual([]);
    expect(composeSchemaProblems('services:\n  app: [\n')[0]).toMatch(/^not valid YAML/);
  });

  it('the postgres profile: PostgreSQL with a health check and a volume, an app instance and a sender worker pointed at it once it is healthy', () => {
    type Service = {
      profiles?: string[];
      environment?: Record<string, string>;
      depends_on?: Record<string, { condition: string }>;
      healthcheck?: { test: string[] };
      volumes?: string[];
      ports?: string[];
      command?: string[];
    };
    const doc = parseYaml(COMPOSE) as { services: Record<string, Service> };
    expect(appServices(COMPOSE)).toEqual(['app', 'app-postgres', 'worker']);
    const { app, 'app-postgres': pgApp, worker, postgres } = doc.services;
    // Without the profile nothing changes: the SQLite app has no profile and no DATABASE_URL.
    expect(app!.profiles).toBeUndefined();
    expect(app!.environment!.DATABASE_URL).toBeUndefined();
    expect(postgres!.profiles).toEqual(['postgres']);
    expect(postgres!.healthcheck!.test.join(' ')).toContain('pg_isready');
    expect(postgres!.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
    expect(pgApp!.profiles).toEqual(['postgres']);
    expect(pgApp!.environment!.DATABASE_URL).toMatch(/^postgres:\/\/papers:.*@postgres:5432\/papers$/);
    expect(pgApp!.depends_on!.postgres).toEqual({ condition: 'service_healthy' });
    expect(pgApp!.ports).toEqual(['3001:3000']);
    // On PostgreSQL the app keeps no SQLite file (and so needs no volume of its own).
    expect(pgApp!.environment!.DATABASE_PATH).toBeUndefined();
    expect(pgApp!.volumes).toBeUndefined();
    // The worker: the same database and the same public URL (its emails link to the web app), no web port.
    expect(worker!.profiles).toEqual(['postgres']);
    expect(worker!.command).toEqual(['node', 'dist/src/cli.js', 'worker']);
    expect(worker!.environment!.DATABASE_URL).toBe(pgApp!.environment!.DATABASE_URL);
    expect(worker!.environment!.PUBLIC_BASE_URL).toBe(pgApp!.environment!.PUBLIC_BASE_URL);
    expect(worker!.depends_on!.postgres).toEqual({ condition: 'service_healthy' });
    expect(worker!.ports).toBeUndefined();
    // Its variables are checked like the app's.
    expect(unknownComposeVariables(COMPOSE.replace('DATABASE_URL: postgres', 'DATABASE_ULR: postgres'), 'app-postgres')).toEqual(['DATABASE_ULR']);
  });

  it('names a variable the app does not read, in docker-compose.yml, the Dockerfile or .env.example', () => {
    expect(unknownComposeVariables(COMPOSE.replace('PUBLIC_BASE_URL:', 'PUBLIC_BASEURL:'))).toEqual(['PUBLIC_BASEURL']);
    expect(unknownComposeVariables('services:\n  app:\n    environment:\n      - SMTP_URL=smtp://x\n      - SMPT_URL=smtp://y\n')).toEqual(['SMPT_URL']);
    expect(unknownDockerfileVariables('FROM node:24\nENV NODE_ENV=production \\\n    DATABSE_PATH=/data/papers.db\nENV PORT=3000\n')).toEqual(['DATABSE_PATH']);
    expect(unknownEnvExampleVariables('SECRET_KEY=   # a comment\nSCHEDULER_ENABLE=true\n')).toEqual(['SCHEDULER_ENABLE']);
  });
});
