import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApi } from '../functions/risk-api/openapi.js';

/** `npm run openapi`: regenerates docs/openapi.json from the zod schemas. */
const out = path.resolve(import.meta.dirname, '..', 'docs', 'openapi.json');
writeFileSync(out, `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log(`wrote ${out}`);
