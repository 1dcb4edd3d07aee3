// dependency-cruiser configuration: enforces the House v2 layering (../shared/DESIGN.md,
// "Layout (House v2)"). Run with `npm run lint:deps`.
//
// Layers, lowest first; each folder imports only the layers below it:
//   core/                              nothing of ours (node: builtins and npm packages only)
//   suites/, collectors/               core (and not each other)
//   runners/targets/                   core, suites, collectors
//   runners/{kernel,ipc,net}/          core, suites, collectors, runners/targets
//                                      (runners/net may also import runners/kernel: the net
//                                      workload applies kernel profiles)
//   runners/*.ts (run, registry, ...)  anything in runners/, suites, collectors, core
//   reports/                           core
//   src/ (the CLI), test/, bench/, fixtures/, bin/   anything
//
// Type-only imports count: `tsPreCompilationDeps` is on, so `import type` edges are checked too.

/** Paths that are not "ours": npm packages. (node: builtins are excluded by dependencyTypesNot.) */
const NPM = "(^|/)node_modules/";

/**
 * A rule forbidding `from` to import anything outside `allowed` (regexes on paths relative to
 * the repository root) and npm packages / node builtins.
 */
function only(name, comment, from, allowed) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from },
    to: {
      pathNot: [...allowed, NPM],
      dependencyTypesNot: ["core"],
      // unresolvable imports are reported by not-to-unresolvable; don't double-count them here
      couldNotResolve: false,
    },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules must not depend on each other in a cycle.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every import must resolve to a file or an installed package.",
      from: {},
      to: { couldNotResolve: true },
    },
    only("core-imports-nothing-of-ours", "core/ is the bottom layer: node builtins and npm packages only.", "^core/", [
      "^core/",
    ]),
    only("suites-only-core", "suites/ may import core/ only (not collectors/).", "^suites/", ["^core/", "^suites/"]),
    only("collectors-only-core", "collectors/ may import core/ only (not suites/).", "^collectors/", [
      "^core/",
      "^collectors/",
    ]),
    only(
      "targets-below",
      "runners/targets/ may import core, suites and collectors.",
      "^runners/targets/",
      ["^core/", "^suites/", "^collectors/", "^runners/targets/"],
    ),
    only(
      "kernel-below",
      "runners/kernel/ may import core, suites, collectors and runners/targets (not ipc or net).",
      "^runners/kernel/",
      ["^core/", "^suites/", "^collectors/", "^runners/targets/", "^runners/kernel/"],
    ),
    only(
      "ipc-below",
      "runners/ipc/ may import core, suites, collectors and runners/targets (not kernel or net).",
      "^runners/ipc/",
      ["^core/", "^suites/", "^collectors/", "^runners/targets/", "^runners/ipc/"],
    ),
    only(
      "net-below",
      "runners/net/ may import core, suites, collectors, runners/targets and runners/kernel (not ipc).",
      "^runners/net/",
      ["^core/", "^suites/", "^collectors/", "^runners/targets/", "^runners/kernel/", "^runners/net/"],
    ),
    only(
      "runners-top-below",
      "runners/*.ts (run, registry, manifest) may import runners/**, suites, collectors and core (not reports or the CLI).",
      "^runners/[^/]+$",
      ["^core/", "^suites/", "^collectors/", "^runners/"],
    ),
    only(
      "runners-no-other-subfolders",
      "A folder in runners/ other than targets, kernel, ipc, net is not a House v2 layer: keep to the four.",
      "^runners/(?!targets/|kernel/|ipc/|net/)[^/]+/",
      [],
    ),
    only("reports-only-core", "reports/ may import core/ only.", "^reports/", ["^core/", "^reports/"]),
  ],
  options: {
    doNotFollow: { path: NPM },
    exclude: { path: ["(^|/)node_modules/", "^native/", "^m3ipc/", "^runs/"] },
    // see `import type` edges as well: a layer must not lean on a higher layer's types either
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // TypeScript files import each other as `./x.ts` (allowImportingTsExtensions), which
    // enhanced-resolve finds as the exact file; the extensions below serve extensionless imports.
    // (This version's schema has no `extensionAlias`, so a `./x.js` import of a `.ts` file would
    // be reported by not-to-unresolvable: write `./x.ts`, as tsc is configured for.)
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "types", "default"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
