/**
 * The layering of src/ (docs/architecture.md): imports run only downward, never between two
 * folders of the same floor, and never in a cycle. Floors, top to bottom:
 *   cli > check > serve, deploy > build, builder > s2i, registry > source > engine > common
 * Only engine/ imports dockerode.
 */
const floors = [['cli'], ['check'], ['serve', 'deploy'], ['build', 'builder'], ['s2i', 'registry'], ['source'], ['engine'], ['common']];

/** The folders a folder may import from: its own and every folder on a lower floor. */
function allowedFrom(folder) {
  const level = floors.findIndex((floor) => floor.includes(folder));
  return [folder, ...floors.slice(level + 1).flat()];
}

const folders = floors.flat();

module.exports = {
  forbidden: [
    ...folders.map((folder) => ({
      name: `layering-${folder}`,
      comment: `src/${folder}/ may import only from ${allowedFrom(folder).join(', ')} (docs/architecture.md)`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: '^src/', pathNot: `^src/(${allowedFrom(folder).join('|')})/` },
    })),
    {
      name: 'no-cycles',
      comment: 'modules must not import each other in a cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'dockerode-only-in-engine',
      comment: 'only src/engine/ talks to dockerode; everything else takes the engine clients',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/engine/' },
      to: { path: '(^|/)node_modules/(dockerode|@types/dockerode|docker-modem)/' },
    },
    {
      name: 'no-loose-files',
      comment: 'every module lives in one of the concept folders',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'src-not-to-tests',
      comment: 'production code never imports tests or benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'src-not-to-dev-dependencies',
      comment: 'production code uses only runtime dependencies (types of dev dependencies excepted)',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
