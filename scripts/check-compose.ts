// `npm run check:compose`: docker-compose.yml against the Compose Specification's JSON Schema (ajv; the schema is
// vendored in scripts/schemas/), and every variable that docker-compose.yml, the Dockerfile and .env.example give
// the app against the configuration schema (src/config.ts). Docker would ignore a misspelt key and the app an
// unknown variable; this fails instead. Needs no Docker. Exit 1 listing each problem.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES } from '../src/config.js';
import { SERVER_ENV } from '../src/lib/heap-growth.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCHEMA = JSON.parse(readFileSync(new URL('./schemas/compose-spec.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** Read by src/entry.ts before the configuration, so not in its schema. */
const BOOTSTRAP_VARIABLES = ['ENV_FILE'];
const KNOWN = new Set([...CONFIG_VARIABLES, ...BOOTSTRAP_VARIABLES]);

let validate: ReturnType<Ajv['compile']> | undefined;

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(top level)';
  const extra = 'additionalProperty' in e.params ? `: "${String(e.params.additionalProperty)}"` : '';
  return `${where} ${e.message ?? 'is invalid'}${extra}`;
}

/** Schema problems of a compose file (empty when valid); YAML syntax errors included. */
export function composeSchemaProblems(yamlText: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (err) {
    return [`not valid YAML: ${(err as Error).message}`];
  }
  if (!validate) {
    // The schema names draft-07 by an https URL that Ajv does not register; its content is plain draft-07.
    const { $schema: _draft, ...schema } = SCHEMA;
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (validate(doc)) return [];
  // With allErrors, a oneOf failure also lists every branch it tried; the additionalProperties ones name the typo.
  const errors = validate.errors ?? [];
  const typos = errors.filter((e) => e.keyword === 'additionalProperties');
  return [...new Set((typos.length ? typos : errors).map(describe))];
}

/** Variables the compose file sets in the environment of `service` that the configuration does not read. */
export function unknownComposeVariables(yamlText: string, service = 'app'): string[] {
  const doc = parseYaml(yamlText) as { services?: Record<string, { environment?: Record<string, unknown> | string[] }> };
  const env = doc.services?.[service]?.environment ?? {};
  const names = Array.isArray(env) ? env.map((e) => e.split('=')[0]!) : Object.keys(env);
  return names.filter((n) => !KNOWN.has(n));
}

/** The services that run the app: those built from this repository (app; app-postgres and worker of the postgres profile). */
export function appServices(yamlText: string): string[] {
  const doc = parseYaml(yamlText) as { services?: Record<string, { build?: unknown }> };
  return Object.entries(doc.services ?? {})
    .filter(([, s]) => s.build !== undefined)
    .map(([name]) => name);
}

/** Variables set by the Dockerfile's ENV instructions that the configuration does not read. */
export function unknownDockerfileVariables(dockerfile: string): string[] {
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split('\n');
  const names = lines
    .filter((l) => /^\s*ENV\s/i.test(l))
    .flatMap((l) => [...l.replace(/^\s*ENV\s+/i, '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!));
  // Variables for Node, npm or the C library themselves (the server's SERVER_ENV: glibc's malloc), not for the app.
  return names.filter((n) => !KNOWN.has(n) && !(n in SERVER_ENV) && !/^(NODE_OPTIONS|NPM_CONFIG_\w+|npm_config_\w+|PATH)$/.test(n));
}

/** Variables .env.example lists that the configuration does not read. */
export function unknownEnvExampleVariables(text: string): string[] {
  return Object.keys(parseEnv(text)).filter((n) => !KNOWN.has(n));
}

/** Every problem with the repository's docker-compose.yml, Dockerfile and .env.example, as lines. */
export function checkDeployFiles(root = ROOT): string[] {
  const compose = readFileSync(`${root}docker-compose.yml`, 'utf8');
  const schema = composeSchemaProblems(compose);
  return [
    ...schema.map((p) => `docker-compose.yml: ${p}`),
    ...(schema.length
      ? []
      : appServices(compose).flatMap((service) =>
          unknownComposeVariables(compose, service).map((n) => `docker-compose.yml: services.${service}.environment.${n} is not a variable the app reads (src/config.ts)`),
        )),
    ...unknownDockerfileVariables(readFileSync(`${root}Dockerfile`, 'utf8')).map((n) => `Dockerfile: ENV ${n} is not a variable the app reads (src/config.ts)`),
    ...unknownEnvExampleVariables(readFileSync(`${root}.env.example`, 'utf8')).map((n) => `.env.example: ${n} is not a variable the app reads (src/config.ts)`),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const problems = checkDeployFiles();
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log('docker-compose.yml matches the Compose Specification; every variable it, the Dockerfile and .env.example set is one the app reads');
}
