import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAdminOpenApi } from '../functions/admin-api/openapi.js';
import { buildOpenApi } from '../functions/risk-api/openapi.js';

/** `npm run openapi`: regenerates docs/openapi.json from the zod schemas. */
const out = path.resolve(import.meta.dirname, '..', 'docs', 'openapi.json');
writeFileSync(out, `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log(`wrote ${out}`);
// The admin API's desk reads (the risk desk console), apart: the risk API's contract test drives docs/openapi.json.
const adminOut = path.resolve(import.meta.dirname, '..', 'docs', 'admin-openapi.json');
writeFileSync(adminOut, `${JSON.stringify(buildAdminOpenApi(), null, 2)}\n`);
console.log(`wrote ${adminOut}`);
