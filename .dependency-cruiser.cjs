/**
 * Dependency rules for smsgw (run by `npm run lint`: depcruise src --config .dependency-cruiser.cjs).
 *
 * STYLE.md "Dependencies point inward", made checkable:
 *   core            <- nothing of ours
 *   billing/routing <- core only
 *   pipeline        <- core, billing, routing, its own ports; never an adapter, BullMQ, Redis, SQL or SMPP
 *   http, smpp/server, workers (adapters) never import each other; a cross-adapter need goes through a queue
 *   only smpp/codec imports the npm `smpp` package
 *   main.ts is the composition root and may import anything; nothing imports it
 *   no import cycles
 *
 * tsPreCompilationDeps: true makes `import type` a dependency like any other,
 * so types point inward too. Only the cycle rule ignores cycles that exist
 * through type-only imports (they vanish at run time).
 *
 * A rule that needs an exception points to a design bug: fix the design, or
 * change the rule here with the reason next to it.
 */

/** npm packages that do I/O; the domain and the use cases get them as ports. */
const INFRA_PACKAGES = '(^|/)node_modules/(@types/)?(express|bullmq|ioredis|smpp|knex|pg|pg-[^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing-of-ours',
      severity: 'error',
      comment: 'src/core is the pure domain: it imports nothing of ours outside src/core.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'billing-imports-only-core',
      severity: 'error',
      comment: 'src/billing is pure money rules: it imports only src/core (and itself).',
      from: { path: '^src/billing/' },
      to: { path: '^src/', pathNot: '^src/(core|billing)/' },
    },
    {
      name: 'routing-imports-only-core',
      severity: 'error',
      comment: 'src/routing (table snapshot, breakers, candidate selection) imports only src/core (and itself).',
      from: { path: '^src/routing/' },
      to: { path: '^src/', pathNot: '^src/(core|routing)/' },
    },
    {
      name: 'domain-without-infrastructure',
      severity: 'error',
      comment:
        'core, billing, routing and pipeline never import express, BullMQ, ioredis, the smpp package, knex or pg: ' +
        'repositories, queues and the carrier pool come in as parameters (pipeline defines them in src/pipeline/ports*).',
      from: { path: '^src/(core|billing|routing|pipeline)/' },
      to: { path: INFRA_PACKAGES },
    },
    {
      name: 'pipeline-not-to-adapters',
      severity: 'error',
      comment:
        'src/pipeline never imports src/http, src/workers, src/smpp or src/db; it declares what it needs as ports ' +
        '(src/pipeline/ports*) and main.ts passes the implementations in.',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/(http|workers|smpp|db)/' },
    },
    {
      name: 'pipeline-infrastructure-free-transitively',
      severity: 'error',
      comment:
        'Nothing src/pipeline imports may lead, through any chain of imports, to express, BullMQ, ioredis, ' +
        'the smpp package, knex or pg (e.g. through a concrete carrier pool).',
      from: { path: '^src/pipeline/' },
      to: { reachable: true, path: INFRA_PACKAGES },
    },
    {
      name: 'http-not-to-other-adapters',
      severity: 'error',
      comment: 'Adapters never import each other: src/http reaches SMPP binds or workers through a queue.',
      from: { path: '^src/http/' },
      to: { path: '^src/(smpp/server|workers)/' },
    },
    {
      name: 'smpp-server-not-to-other-adapters',
      severity: 'error',
      comment: 'Adapters never import each other: src/smpp/server reaches HTTP or workers through a queue.',
      from: { path: '^src/smpp/server/' },
      to: { path: '^src/(http|workers)/' },
    },
    {
      name: 'workers-not-to-other-adapters',
      severity: 'error',
      comment:
        'Adapters never import each other: a worker that must reach an ESME bind (a receipt) or HTTP goes through a queue.',
      from: { path: '^src/workers/' },
      to: { path: '^src/(http|smpp/server)/' },
    },
    {
      name: 'smpp-package-only-in-codec',
      severity: 'error',
      comment: 'The npm smpp package is our PDU codec only: src/smpp/codec is its one importer (main.ts is exempt, as from every rule).',
      from: { pathNot: ['^src/smpp/codec/', '^src/main\\.ts$'] },
      to: { path: ['(^|/)node_modules/smpp/', '^smpp$'] },
    },
    {
      name: 'nothing-imports-main',
      severity: 'error',
      comment: 'src/main.ts is the composition root: it imports everything and nothing imports it.',
      from: {},
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles hide the direction of a dependency and break module initialisation order. ' +
        'Cycles that exist only through `import type` are allowed (they are erased at run time).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import that does not resolve to a file. Also guards the rules above: an unresolved import is ' +
        'invisible to them.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment:
        'An npm package that is not in package.json (only there by chance, as a dependency of a dependency). ' +
        'Add it to dependencies.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment:
        'src ships to production, where devDependencies are not installed (npm ci --omit=dev in the Dockerfile). ' +
        'Type-only imports are fine: they are erased.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: 'node_modules/@types/' },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Production code never imports tests or their helpers.',
      from: { path: '^src/' },
      to: { path: ['^test/', '[.](spec|test)[.][cm]?[jt]s$'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    moduleSystems: ['es6', 'cjs'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.cjs', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      archi: {
        collapsePattern: '^src/(smpp/[^/]+|[^/]+)|node_modules/(@[^/]+/[^/]+|[^/]+)',
      },
    },
  },
};
