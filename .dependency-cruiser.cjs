// The layering of src/, checked by `npm run lint` (dependency-cruiser). Data flows one way:
// entry points → app/plugins/routes → modules → aws/db/jobs → lib → kernel. Type-only imports
// count too (tsPreCompilationDeps), so a type cycle fails like a value cycle. src/ imports nothing
// of support/, test/ or bench/; support/ (shared by tests and benchmarks) imports neither of those.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "Two modules that import each other (even for types only) are one module in disguise.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "kernel-is-the-ground-floor",
      severity: "error",
      comment: "src/kernel holds shared vocabulary (ids, roles, errors, problem+json) and imports nothing of ours.",
      from: { path: "^src/kernel/" },
      to: { path: "^src/", pathNot: "^src/kernel/" },
    },
    {
      name: "lib-stays-below-the-domain",
      severity: "error",
      from: { path: "^src/lib/" },
      to: { path: "^src/", pathNot: "^src/(kernel|lib)/" },
    },
    {
      name: "config-reads-only-shared-words",
      severity: "error",
      from: { path: "^src/config(\\.ts$|/)" },
      to: { path: "^src/", pathNot: "^src/(kernel|lib|config)/" },
    },
    {
      name: "plugins-do-not-know-routes",
      severity: "error",
      from: { path: "^src/plugins/" },
      to: { path: "^src/(routes|cli|main|composition)" },
    },
    {
      name: "job-queue-knows-no-domain",
      severity: "error",
      comment: "The queue runs typed jobs; each domain's <domain>.jobs.ts defines them.",
      from: { path: "^src/jobs/" },
      to: { path: "^src/(modules|routes|plugins|composition|cli|main)" },
    },
    {
      name: "modules-do-not-know-the-http-layer",
      severity: "error",
      from: { path: "^src/modules/" },
      to: { path: "^src/(routes|plugins|cli|main|composition|app)" },
    },
    {
      name: "aws-knows-no-database-or-domain",
      severity: "error",
      from: { path: "^src/aws/" },
      to: { path: "^src/(modules|db|generated|routes|plugins|jobs)" },
    },
    {
      name: "repositories-do-not-call-aws",
      severity: "error",
      from: { path: "\\.repository\\.ts$" },
      to: { path: "^src/aws/" },
    },
    {
      name: "only-repositories-touch-prisma-models",
      severity: "error",
      comment: "Services own transactions (Database) but read and write through repositories.",
      from: { path: "^src/modules/", pathNot: "\\.repository\\.ts$" },
      to: { path: "^src/generated/" },
    },
    {
      name: "services-reach-the-database-through-repositories",
      severity: "error",
      comment:
        "The repository contract: a service may import the Database and Tx types to open a transaction and pass it down, never a value of db/prisma (client, lockKey, error translation); test/architecture/repository-contract.test.ts checks the same and that tx comes last.",
      from: { path: "\\.service\\.ts$" },
      to: { path: "^src/db/prisma\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "routes-call-services-not-repositories",
      severity: "error",
      from: { path: "^src/routes/" },
      to: { path: "\\.repository\\.ts$" },
    },
    {
      name: "the-sandbox-is-its-own-product",
      severity: "error",
      comment: "The AWS emulator follows AWS's documentation, never the service's own logic.",
      from: { path: "^src/sandbox/" },
      to: { path: "^src/(modules|routes|plugins|db|jobs|composition|aws)" },
    },
    {
      name: "the-service-knows-no-test-code",
      severity: "error",
      comment: "support/ (the PostgreSQL bootstrap), test/ and bench/ serve the checks; the service never needs them.",
      from: { path: "^src/" },
      to: { path: "^(support|test|bench)/" },
    },
    {
      name: "support-serves-tests-and-benchmarks",
      severity: "error",
      comment: "support/ is imported by test/ and bench/ alike, so it imports neither.",
      from: { path: "^support/" },
      to: { path: "^(test|bench)/" },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "^src/generated/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
